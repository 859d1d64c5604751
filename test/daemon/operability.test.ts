import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startControlPlane, type RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { addClient } from '../../src/reference-control-plane/clients.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { loadConfig } from '../../src/config/load.js';
import { loadDaemonSettings } from '../../src/daemon/settings.js';
import { Daemon, type EffectiveConfig } from '../../src/daemon/service.js';
import type { DaemonStatus } from '../../src/daemon/status.js';
import { probeEntra } from '../../src/daemon/probe.js';
import { runSync } from '../../src/connector/sync.js';
import { trustCa } from '../simulator/support/sim.js';
import { LogEvents } from './support/log-events.js';
import { duplicateKeys } from './support/json-keys.js';
import { parseMetrics, total } from './support/metrics-text.js';
import { simulatorEnv } from '../support/simulator-env.js';

/** Graph HTTP requests as the simulator counted them: every Graph path, `$batch` envelopes once. */
function graphRequestsSeen(sim: Simulator): number {
  let n = 0;
  for (const [key, c] of Object.entries(sim.counters()))
    if (/^[A-Z]+ \/(v1\.0|beta)\//.test(key)) n += c.requests - c.batched;
  return n;
}

/**
 * What the daemon tells operators — /metrics, /readyz, /status — checked against what happened:
 * the simulator's request counters, the control plane's stored file, injected faults.
 */
describe('serve: metrics, probes and status tell the truth', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let plane: RunningControlPlane;
  let dir: string;
  let creds: { clientId: string; clientSecret: string };
  const daemons: Daemon[] = [];
  const logs: LogEvents[] = [];

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 7 });
    trustCa(sim.caCertPem);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operability-'));
    plane = await startControlPlane({
      listen: '127.0.0.1:0',
      dataDir: join(dir, 'cp'),
      pollIntervalMs: 30,
      heartbeatIntervalMs: 30,
    });
    creds = await addClient(plane.store, 'test', new Date());
    sim.resetCounters();
  });
  afterEach(async () => {
    sim.setFaults([]);
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
    await plane.close();
    await rm(dir, { recursive: true, force: true });
    // One key per field in every log line the daemon wrote.
    for (const l of logs.splice(0))
      for (const line of l.lines) assert.deepEqual(duplicateKeys(line), [], line);
  });

  function config(name: string, extra: Record<string, string> = {}): EffectiveConfig {
    const e = {
      ...simulatorEnv(sim),
      BATON_CONTROL_PLANE_ADDRESS: plane.address,
      BATON_CONTROL_PLANE_TLS: 'insecure',
      BATON_CLIENT_ID: creds.clientId,
      BATON_CLIENT_SECRET: creds.clientSecret,
      BATON_HTTP_HOST: '127.0.0.1',
      BATON_SYNC_INTERVAL: '1h',
      BATON_DATA_DIR: join(dir, name),
      BATON_HOST_ID: name,
      ...extra,
    };
    const daemon = loadDaemonSettings(e);
    daemon.http.port = 0;
    return { connector: loadConfig(e), daemon };
  }

  function create(name: string, extra: Record<string, string> = {}) {
    const log = new LogEvents();
    logs.push(log);
    const d = new Daemon(config(name, extra), {
      runSync,
      probeEntra,
      logger: log.logger,
      version: '0.0.0-test',
    });
    daemons.push(d);
    return { d, logs: log };
  }

  async function start(name: string, extra: Record<string, string> = {}) {
    const made = create(name, extra);
    await made.d.start();
    return made;
  }

  const get = (d: Daemon, path: string) => fetch(`http://127.0.0.1:${d.httpPort}${path}`);
  const metricsOf = async (d: Daemon) => parseMetrics(await (await get(d, '/metrics')).text());

  it('after a sync and its upload, /metrics counts what the simulator and the control plane saw', async () => {
    // One throttle on the first user listing, answered by a retry.
    sim.setFaults([{ path: '^/v1\\.0/users$', kind: 'status429', count: 1, value: 0 }]);
    const { d, logs } = await start('host-m');
    const delivered = await logs.waitFor('snapshot delivered');
    const m = await metricsOf(d);

    const [stored] = listSyncs(plane.store);
    assert.ok(stored);
    const bytes = (await stat(stored.path)).size;
    assert.equal(delivered.bytes, bytes);
    assert.equal(total(m, 'baton_upload_bytes_total'), bytes);
    assert.equal(total(m, 'baton_uploads_total', { result: 'success' }), 1);
    assert.equal(total(m, 'baton_spool_depth'), 0);
    assert.equal(total(m, 'baton_spool_bytes'), 0);

    const seen = graphRequestsSeen(sim);
    assert.equal(total(m, 'baton_graph_requests_total'), seen);
    assert.equal(total(m, 'baton_graph_request_duration_seconds_count'), seen);
    assert.equal(total(m, 'baton_graph_requests_total', { outcome: 'throttled' }), 1);
    assert.equal(total(m, 'baton_graph_throttled_total'), sim.counters()['*']!.faults);

    assert.equal(total(m, 'baton_leader'), 1, 'a single replica is the active one');
    assert.equal(total(m, 'baton_sync_in_progress'), 0);
    assert.equal(total(m, 'baton_sync_runs_total', { kind: 'full', result: 'success' }), 1);
    assert.ok(total(m, 'baton_sync_last_success_timestamp_seconds', { kind: 'full' }) > 0);
    assert.equal(total(m, 'baton_build_info', { version: '0.0.0-test' }), 1);
    assert.equal(total(m, 'baton_control_plane_connected'), 1);
    // The standard names the Node.js dashboards query.
    assert.ok(m.has('process_cpu_user_seconds_total'));
    assert.ok(m.has('nodejs_eventloop_lag_seconds'));
    assert.ok(![...m.keys()].some((k) => k.startsWith('baton_process_') || k.startsWith('baton_nodejs_')));
  });
});

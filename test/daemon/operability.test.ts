import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startControlPlane, type RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { addClient } from '../../src/reference-control-plane/clients.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { Daemon, type EffectiveConfig } from '../../src/daemon/service.js';
import type { DaemonStatus } from '../../src/daemon/status.js';
import { probeEntra } from '../../src/daemon/probe.js';
import { runSync } from '../../src/connector/sync.js';
import { trustCa } from '../simulator/support/sim.js';
import { runCli } from '../support/cli.js';
import { LogEvents } from './support/log-events.js';
import { duplicateKeys } from './support/json-keys.js';
import { parseMetrics, total } from './support/metrics-text.js';
import { daemonConfig, startTestPlane } from './support/daemon-config.js';

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
    ({ plane, creds } = await startTestPlane(dir));
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
    return daemonConfig(sim, plane, creds, {
      BATON_DATA_DIR: join(dir, name),
      BATON_HOST_ID: name,
      ...extra,
    });
  }

  function create(name: string, extra: Record<string, string> = {}, onFatal?: (err: Error) => void) {
    const log = new LogEvents();
    logs.push(log);
    const d = new Daemon(config(name, extra), {
      runSync,
      probeEntra,
      logger: log.logger,
      version: '0.0.0-test',
      ...(onFatal ? { onFatal } : {}),
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

  it('/status and `baton-entra status` show the connections, the last sync of each kind, the spool and the secret expiry', async () => {
    const { d, logs } = await start('host-s');
    const delivered = await logs.waitFor('snapshot delivered');
    const ready = await logs.waitFor('snapshot ready');
    const status = (await (await get(d, '/status')).json()) as DaemonStatus;
    assert.equal(status.ready, true);
    assert.equal(status.role, 'single');
    assert.equal(status.entra.connectionStatus, 'Connected');
    assert.ok(status.entra.credentialExpiresAt, JSON.stringify(status.entra));
    const m = await metricsOf(d);
    assert.equal(
      total(m, 'baton_entra_credential_expiry_timestamp_seconds', { kind: 'client_secret' }),
      Date.parse(status.entra.credentialExpiresAt) / 1000,
    );
    assert.equal(status.controlPlane.connected, true);
    assert.ok(status.controlPlane.lastUploadAt);
    assert.deepEqual(status.spool, { depth: 0, bytes: 0 });
    const full = status.sync.last.full;
    assert.equal(full?.outcome, 'success');
    assert.equal(full?.syncId, delivered.syncId);
    const counts = ready.counts as { resources: number; entitlements: number; grants: number };
    assert.deepEqual(full?.counts, {
      resources: counts.resources,
      entitlements: counts.entitlements,
      grants: counts.grants,
    });
    assert.equal(status.sync.last.incremental, undefined);

    const cli = await runCli(['status', '--url', `http://127.0.0.1:${d.httpPort}`]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /Entra\s+Connected/);
    assert.match(cli.stdout, new RegExp(`client secret\\s+expires ${status.entra.credentialExpiresAt}`));
    assert.match(cli.stdout, new RegExp(`full\\s+success .* ${counts.resources} resources`));
    assert.match(cli.stdout, /spool\s+0 snapshot\(s\), 0 bytes/);
    const viaEnv = await runCli(['status'], {
      BATON_HTTP_HOST: '0.0.0.0',
      BATON_HTTP_PORT: String(d.httpPort),
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(viaEnv.stdout, cli.stdout);
  });

  it('`baton-entra status` names the setting when no daemon answers or the port is bad', async () => {
    const bad = await runCli(['status'], { BATON_HTTP_PORT: 'eighty' });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /BATON_HTTP_PORT/);
    const none = await runCli(['status', '--url', 'http://127.0.0.1:1']);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /no daemon answered at http:\/\/127\.0\.0\.1:1\/status/);
  });

  it('stays ready through an Entra and control-plane outage, which /status and the metrics report', async () => {
    const gone = await startControlPlane({ listen: '127.0.0.1:0', dataDir: join(dir, 'gone') });
    const address = gone.address;
    await gone.close();
    // Entra's token endpoint down: the start-up probe cannot sign in, and that is not a refusal.
    sim.setFaults([{ path: '/oauth2/v2\\.0/token$', kind: 'status503' }]);
    const { d, logs } = await start('host-o', {
      BATON_CONTROL_PLANE_ADDRESS: address,
      BATON_SYNC_ON_START: 'false',
    });
    await logs.waitFor('control plane unreachable; will keep trying');
    const ready = await get(d, '/readyz');
    assert.equal(ready.status, 200, await ready.text());
    assert.equal((await get(d, '/livez')).status, 200);
    const status = (await (await get(d, '/status')).json()) as DaemonStatus;
    assert.equal(status.entra.connectionStatus, 'Unconnected');
    assert.equal(status.entra.refused, undefined);
    assert.equal(status.controlPlane.connected, false);
    assert.ok(status.controlPlane.lastError);
    const m = await metricsOf(d);
    assert.equal(total(m, 'baton_control_plane_connected'), 0);
    assert.equal(total(m, 'baton_leader'), 1);
  });

  it('a control-plane credential the control plane refuses stops start-up, naming the settings', async () => {
    const other = await startControlPlane({ listen: '127.0.0.1:0', dataDir: join(dir, 'other') });
    const stranger = await addClient(other.store, 'stranger', new Date());
    await other.close();
    const { d } = create('host-r', {
      BATON_CLIENT_ID: stranger.clientId,
      BATON_CLIENT_SECRET: stranger.clientSecret,
      BATON_SYNC_ON_START: 'false',
    });
    await assert.rejects(d.start(), (err: Error) => {
      assert.equal(err.name, 'DaemonConfigError');
      assert.match(err.message, /UNAUTHENTICATED|PERMISSION_DENIED/);
      assert.match(err.message, /BATON_CLIENT_ID and BATON_CLIENT_SECRET/);
      return true;
    });
    // What start() opened, it closed: nothing answers on the health port.
    await assert.rejects(get(d, '/livez'));
  });

  it('a control plane that comes back refusing this daemon ends it through onFatal, naming the settings', async () => {
    const first = await startControlPlane({ listen: '127.0.0.1:0', dataDir: join(dir, 'first') });
    const address = first.address;
    await first.close();
    let fatal: (err: Error) => void = () => undefined;
    const refused = new Promise<Error>((resolve) => (fatal = resolve));
    const { d, logs } = create(
      'host-f',
      { BATON_CONTROL_PLANE_ADDRESS: address, BATON_SYNC_ON_START: 'false' },
      (err) => fatal(err),
    );
    await d.start();
    await logs.waitFor('control plane unreachable; will keep trying');
    // The same address comes back as a control plane that does not know this client.
    const stranger = await startControlPlane({ listen: address, dataDir: join(dir, 'stranger') });
    try {
      const err = await refused;
      assert.equal(err.name, 'DaemonConfigError');
      assert.match(err.message, /BATON_CLIENT_ID and BATON_CLIENT_SECRET/);
      const status = (await (await get(d, '/status')).json()) as DaemonStatus;
      assert.match(status.controlPlane.refused ?? '', /UNAUTHENTICATED|PERMISSION_DENIED/);
    } finally {
      await stranger.close();
    }
  });

  it('a malformed control-plane secret stops start-up before anything listens, naming the setting', () => {
    // The settings refuse it as they are read, before a daemon (and its HTTP server) exists.
    assert.throws(
      () => create('host-x', { BATON_CLIENT_SECRET: 'not-a-secret' }),
      /BATON_CLIENT_SECRET: expected the client secret printed by "control-plane clients add"/,
    );
  });

  it('an Entra credential refused at start-up stops start-up, naming the setting', async () => {
    const { d } = create('host-e', { BATON_ENTRA_CLIENT_SECRET: 'wrong-secret-value' });
    await assert.rejects(d.start(), (err: Error) => {
      assert.equal(err.name, 'DaemonConfigError');
      assert.match(err.message, /AADSTS7000215/);
      assert.match(err.message, /BATON_ENTRA_CLIENT_SECRET/);
      return true;
    });
    await assert.rejects(get(d, '/livez'));
  });
});

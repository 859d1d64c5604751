import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { addTask, getTask } from '../../src/reference-control-plane/tasks.js';
import { PROVISIONING_KINDS } from '../../src/protocol/task-kinds.js';
import { Daemon, type EffectiveConfig } from '../../src/daemon/service.js';
import { probeEntra } from '../../src/daemon/probe.js';
import { runSync } from '../../src/connector/sync.js';
import { FakeApiServer } from '../support/fake-apiserver.js';
import { trustCa } from '../simulator/support/sim.js';
import { LogEvents } from './support/log-events.js';
import { daemonConfig, startTestPlane } from './support/daemon-config.js';

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/**
 * The composed daemon (`baton-entra serve`) against the Entra simulator and the reference control
 * plane, all in this process over real sockets on loopback.
 */
describe('serve: the daemon end to end', function () {
  let sim: Simulator;
  let plane: RunningControlPlane;
  let dir: string;
  let creds: { clientId: string; clientSecret: string };
  const daemons: Daemon[] = [];

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 7 });
    trustCa(sim.caCertPem);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-'));
    ({ plane, creds } = await startTestPlane(dir));
  });
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
    await plane.close();
    await rm(dir, { recursive: true, force: true });
  });

  function config(name: string, extra: Record<string, string> = {}): EffectiveConfig {
    return daemonConfig(sim, plane, creds, {
      BATON_DATA_DIR: join(dir, name),
      BATON_HOST_ID: name,
      ...extra,
    });
  }

  async function start(name: string, extra: Record<string, string> = {}, kubeConfig?: KubeConfig) {
    const logs = new LogEvents();
    const d = new Daemon(config(name, extra), {
      runSync,
      probeEntra,
      logger: logs.logger,
      version: '0.0.0-test',
      ...(kubeConfig ? { kubeConfig } : {}),
    });
    daemons.push(d);
    await d.start();
    return { d, logs };
  }

  it('syncs on start and delivers the snapshot; the stored bytes equal the local snapshot', async () => {
    const { logs } = await start('host-a');
    const delivered = await logs.waitFor('snapshot delivered');
    const [stored] = listSyncs(plane.store);
    assert.ok(stored, 'the control plane recorded the sync');
    assert.equal(stored.syncId, delivered.syncId);
    assert.equal(stored.kind, 'full');
    assert.equal(await sha256(stored.path), stored.sha256);
    assert.equal(await sha256(join(dir, 'host-a', 'snapshots', 'latest.snapshot')), stored.sha256);
  });

  it('serves /readyz and /metrics', async () => {
    const { d, logs } = await start('host-m');
    await logs.waitFor('snapshot delivered');
    const ready = await fetch(`http://127.0.0.1:${d.httpPort}/readyz`);
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean }> };
    assert.equal(ready.status, 200, JSON.stringify(body));
    assert.equal(body.ready, true);
    const metrics = await (await fetch(`http://127.0.0.1:${d.httpPort}/metrics`)).text();
    assert.match(metrics, /baton_sync_runs_total\{kind="full",result="success"\} 1/);
  });

  it('runs a sync task from the control plane and records its result', async () => {
    const { logs } = await start('host-t', { BATON_SYNC_ON_START: 'false' });
    await logs.waitFor('connected to the control plane');
    const task = addTask(plane.store, 'sync_incremental', {}, new Date());
    const delivered = await logs.waitFor('snapshot delivered');
    const done = await waitForTask(plane, task.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    assert.equal(
      (done.result as { syncId?: string } | undefined)?.syncId ?? delivered.syncId,
      delivered.syncId,
    );
  });

  it('refuses every provisioning task kind, dry runs too, while BATON_PROVISIONING is off, naming the setting', async () => {
    const { logs } = await start('host-p', { BATON_SYNC_ON_START: 'false' });
    await logs.waitFor('connected to the control plane');
    const user = { resourceTypeId: 'user', resourceId: 'y' };
    const payloads: Record<string, Record<string, unknown>> = {
      grant: { entitlementId: 'group:x:member', principal: user },
      revoke: { grantId: 'group:x:member:user:y' },
      create_account: { login: 'new@example.com' },
      enable_account: { account: user },
      disable_account: { account: user },
      delete_account: { account: user },
      restore_account: { account: user },
      invoke_action: { name: 'check_upn', args: { proposed_upn: 'new@example.com' } },
    };
    assert.deepEqual(Object.keys(payloads).sort(), [...PROVISIONING_KINDS].sort());
    for (const kind of PROVISIONING_KINDS) {
      const task = addTask(plane.store, kind, payloads[kind], new Date(), { dryRun: kind === 'grant' });
      const done = await waitForTask(plane, task.id);
      assert.equal(done.status, 'failed', kind);
      assert.match(JSON.stringify(done), /BATON_PROVISIONING/, kind);
    }
  });

  it('answers a list_events task with resource-change events from the audit feed', async () => {
    const { logs } = await start('host-e', { BATON_SYNC_ON_START: 'false' });
    await logs.waitFor('connected to the control plane');
    const since = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
    const task = addTask(plane.store, 'list_events', { since }, new Date());
    const done = await waitForTask(plane, task.id);
    assert.equal(done.status, 'succeeded', JSON.stringify(done));
    const events = (JSON.parse(JSON.stringify(done.result)) as { response?: { events?: unknown[] } }).response
      ?.events;
    assert.ok(Array.isArray(events) && events.length > 0, JSON.stringify(done.result).slice(0, 300));
  });

  it('with leader election, exactly one of two daemons syncs, and the other takes over when it stops', async () => {
    const fake = new FakeApiServer();
    const url = await fake.start();
    try {
      const lease = {
        BATON_LEADER_ELECTION: 'true',
        BATON_LEASE_NAMESPACE: 'baton',
        BATON_LEASE_DURATION: '3s',
        BATON_LEASE_RENEW_DEADLINE: '2s',
        BATON_LEASE_RETRY_PERIOD: '500ms',
      };
      const a = await start('replica-a', lease, kubeConfig(url));
      await a.logs.waitFor('snapshot delivered');
      const b = await start('replica-b', lease, kubeConfig(url));
      await b.logs.waitFor('standing for leadership');
      assert.equal(b.logs.count('sync starting'), 0, 'the standby does not sync');
      const t0 = Date.now();
      await a.d.stop();
      await b.logs.waitFor('snapshot delivered');
      const failoverMs = Date.now() - t0;
      assert.ok(failoverMs < 10_000, `failover took ${failoverMs} ms`);
      assert.equal(new Set(listSyncs(plane.store).map((s) => s.host)).size, 2);
    } finally {
      await fake.close();
    }
  });
});

function kubeConfig(server: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'u' }],
    contexts: [{ name: 'ctx', cluster: 'fake', user: 'u' }],
    currentContext: 'ctx',
  });
  return kc;
}

/** Waits for the control plane to record a task's result (the store is read on each heartbeat). */
async function waitForTask(plane: RunningControlPlane, id: string) {
  const until = Date.now() + 90_000;
  for (;;) {
    const t = getTask(plane.store, id);
    if (t && (t.status === 'succeeded' || t.status === 'failed')) return t;
    if (Date.now() > until) throw new Error(`task ${id} did not finish: ${JSON.stringify(t)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

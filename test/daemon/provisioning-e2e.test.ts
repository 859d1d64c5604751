import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { addTask, approveTask, getTask, type TaskRecord } from '../../src/reference-control-plane/tasks.js';
import type { TaskKind } from '../../src/reference-control-plane/task-kinds.js';
import { Daemon } from '../../src/daemon/service.js';
import { probeEntra } from '../../src/daemon/probe.js';
import { runSync } from '../../src/connector/sync.js';
import { trustCa } from '../simulator/support/sim.js';
import { LogEvents } from './support/log-events.js';
import { daemonConfig, startTestPlane } from './support/daemon-config.js';
import { exportOf } from '../framework/engine/support/harness.js';
import { openSealed } from '../../src/reference-control-plane/password-key.js';
import { runCli } from '../support/cli.js';

/**
 * Provisioning as an operator meets it: a task queued on the reference control plane, carried out
 * by the daemon against the Entra simulator, and the change seen in the next uploaded snapshot.
 */
describe('provisioning end to end: control plane → daemon → Entra → next snapshot', function () {
  let sim: Simulator;
  let plane: RunningControlPlane;
  let dir: string;
  let daemon: Daemon;
  let logs: LogEvents;

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 7 });
    trustCa(sim.caCertPem);
    dir = await mkdtemp(join(tmpdir(), 'prov-e2e-'));
    const started = await startTestPlane(dir);
    plane = started.plane;
    const { creds } = started;
    const config = daemonConfig(sim, plane, creds, {
      BATON_DATA_DIR: join(dir, 'daemon'),
      BATON_HOST_ID: 'prov',
      BATON_PROVISIONING: 'true',
      // Small enough that a burst of revokes in this test meets it.
      BATON_DELETION_GUARD_MAX: '3',
    });
    logs = new LogEvents();
    daemon = new Daemon(config, { runSync, probeEntra, logger: logs.logger, version: '0.0.0-test' });
    await daemon.start();
    await logs.waitFor('snapshot delivered');
  });
  after(async () => {
    await daemon?.stop();
    await plane?.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A group of the generated tenant by kind, and a user who is not yet its member. */
  function pick(kind: 'security' | 'distribution'): { group: string; user: string } {
    for (const g of sim.tenant.groups.values()) {
      const types = g.groupTypes ?? [];
      if (types.length > 0 || g.onPremisesSyncEnabled) continue;
      const matches =
        kind === 'security' ? g.securityEnabled && !g.mailEnabled : g.mailEnabled && !g.securityEnabled;
      if (!matches) continue;
      const members = new Set(sim.tenant.membersOf(g.id));
      const user = [...sim.tenant.users.values()].find(
        (u) => !members.has(u.id) && u.accountEnabled !== false && !u.onPremisesSyncEnabled,
      );
      if (user) return { group: g.id, user: user.id };
    }
    throw new Error(`the demo tenant has no ${kind} group to test with`);
  }

  async function run(kind: TaskKind, payload: Record<string, unknown>, flags: { dryRun?: boolean } = {}) {
    const task = addTask(plane.store, kind, payload, new Date(), flags);
    return waitForTask(task.id);
  }

  async function waitForTask(id: string): Promise<TaskRecord> {
    const until = Date.now() + 90_000;
    for (;;) {
      const t = getTask(plane.store, id);
      if (t && (t.status === 'succeeded' || t.status === 'failed')) return t;
      if (Date.now() > until) throw new Error(`task ${id} did not finish: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const response = (t: TaskRecord) =>
    (t.result as { ok: boolean; response?: { outcome?: string; requests?: { url: string }[] } }).response ??
    {};

  let lastResources = new Map<string, unknown>();

  /** Runs an incremental sync through the control plane and returns the grant ids of the upload. */
  async function nextSnapshotGrants(): Promise<Set<string>> {
    const delivered = logs.count('snapshot delivered');
    const t = await run('sync_incremental', {});
    assert.equal(t.status, 'succeeded', JSON.stringify(t.result));
    // The task ends with the snapshot written; its upload follows from the spool.
    const { syncId } = await logs.waitFor('snapshot delivered', delivered + 1, undefined, 90_000);
    const stored = listSyncs(plane.store).find((s) => s.syncId === syncId);
    assert.ok(stored, `the control plane holds the upload ${String(syncId)}`);
    const records = await exportOf(stored.path);
    lastResources = new Map(records.filter((r) => r.kind === 'resource').map((r) => [r.id, r]));
    return new Set(records.filter((r) => r.kind === 'grant').map((r) => r.id));
  }

  const grant = (group: string, user: string) => ({
    entitlementId: `group:${group}:member`,
    principal: { resourceTypeId: 'user', resourceId: user },
  });

  it('grants a security-group and a distribution-list membership, shows both in the next snapshot, and revokes them', async () => {
    const sec = pick('security');
    const dl = pick('distribution');
    const secGrant = `group:${sec.group}:member:user:${sec.user}`;
    const dlGrant = `group:${dl.group}:member:user:${dl.user}`;

    const planned = await run('grant', grant(sec.group, sec.user), { dryRun: true });
    assert.equal(planned.status, 'succeeded', JSON.stringify(planned.result));
    assert.equal(response(planned).outcome, 'planned');
    assert.deepEqual(
      response(planned).requests?.map((r) => r.url),
      [`/v1.0/groups/${sec.group}/members/$ref`],
    );
    assert.ok(!sim.tenant.membersOf(sec.group).includes(sec.user), 'a dry run changes nothing');

    const a = await run('grant', grant(sec.group, sec.user));
    const b = await run('grant', grant(dl.group, dl.user));
    assert.equal(response(a).outcome, 'applied', JSON.stringify(a.result));
    assert.equal(response(b).outcome, 'applied', JSON.stringify(b.result));
    assert.match(JSON.stringify(response(b).requests), /Add-DistributionGroupMember/);

    let grants = await nextSnapshotGrants();
    assert.ok(grants.has(secGrant), 'the security-group membership is in the next snapshot');
    assert.ok(grants.has(dlGrant), 'the distribution-list membership is in the next snapshot');

    const again = await run('grant', grant(sec.group, sec.user));
    assert.equal(response(again).outcome, 'already_applied');

    for (const id of [secGrant, dlGrant]) {
      const r = await run('revoke', { grantId: id });
      assert.equal(r.status, 'succeeded', JSON.stringify(r.result));
      assert.equal(response(r).outcome, 'applied');
    }
    grants = await nextSnapshotGrants();
    assert.ok(!grants.has(secGrant), 'the security-group membership is gone from the next snapshot');
    assert.ok(!grants.has(dlGrant), 'the distribution-list membership is gone from the next snapshot');
  });

  it('creates an account whose password only the control plane can open, and disables it; the next snapshot shows both', async () => {
    const login = `e2e.created@${sim.tenant.initialDomain}`;
    const created = await run('create_account', {
      login,
      displayName: 'E2E Created',
      profile: { jobTitle: 'Tester', usageLocation: 'DE' },
    });
    assert.equal(created.status, 'succeeded', JSON.stringify(created.result));
    const r = response(created) as {
      outcome?: string;
      resource?: { id: string };
      detail?: Record<string, unknown>;
    };
    assert.equal(r.outcome, 'applied');
    const user = [...sim.tenant.users.values()].find((u) => u.userPrincipalName === login);
    assert.ok(user, 'the simulator holds the new user');
    // No recipient in the task and none configured: sealed to the key the control plane announced.
    const sealed = String(r.detail?.['sealed_password']);
    assert.match(sealed, /BEGIN AGE ENCRYPTED FILE/);
    const password = await openSealed(join(dir, 'cp'), sealed);
    assert.equal(sim.tenant.userCredentials.get(user.id)?.password, password);
    assert.ok(!JSON.stringify(created).includes(password), 'the task record holds no plain password');
    const cli = await runCli([
      'control-plane',
      'tasks',
      'password',
      created.id,
      '--data-dir',
      join(dir, 'cp'),
    ]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout.trim(), password);

    await nextSnapshotGrants();
    assert.ok(lastResources.get(`user:${user.id}`), 'the new account is in the next snapshot');

    const disabled = await run('disable_account', {
      account: { resourceTypeId: 'user', resourceId: user.id },
    });
    assert.equal(response(disabled).outcome, 'applied', JSON.stringify(disabled.result));
    await nextSnapshotGrants();
    assert.match(JSON.stringify(lastResources.get(`user:${user.id}`)), /disabled/i);
  });

  it('holds a revoke beyond the deletion guard, and runs it once approved on the control plane', async () => {
    // BATON_DELETION_GUARD_MAX is 3: whatever ran before, a fourth revoke in the window is held.
    const sec = pick('security');
    const id = `group:${sec.group}:member:user:${sec.user}`;
    let held: TaskRecord | undefined;
    for (let i = 0; i < 4 && !held; i++) {
      sim.tenant.addMember(sec.group, sec.user);
      const r = await run('revoke', { grantId: id });
      assert.equal(r.status, 'succeeded', JSON.stringify(r.result));
      if (response(r).outcome === 'held') held = r;
      else assert.equal(response(r).outcome, 'applied', JSON.stringify(r.result));
    }
    assert.ok(held, 'a revoke was held within four');
    assert.match(JSON.stringify(held.result), /BATON_DELETION_GUARD_MAX|% of the entitlement/);
    assert.ok(sim.tenant.membersOf(sec.group).includes(sec.user), 'a held revoke changes nothing');

    approveTask(plane.store, held.id);
    const approved = await waitForTask(held.id);
    assert.equal(response(approved).outcome, 'applied', JSON.stringify(approved.result));
    assert.ok(!sim.tenant.membersOf(sec.group).includes(sec.user), 'the approved revoke ran');
  });
});

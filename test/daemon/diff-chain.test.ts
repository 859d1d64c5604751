import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { addTask, getTask } from '../../src/reference-control-plane/tasks.js';
import { Daemon } from '../../src/daemon/service.js';
import { probeEntra } from '../../src/daemon/probe.js';
import { runSync } from '../../src/connector/sync.js';
import { resolveChain } from '../../src/snapshot/chain.js';
import { readSnapshotHeader } from '../../src/snapshot/file.js';
import { trustCa } from '../simulator/support/sim.js';
import { runCli } from '../support/cli.js';
import { exportOf } from '../reference-control-plane/diff-chain.js';
import { sha256File } from '../reference-control-plane/helpers.js';
import { LogEvents } from './support/log-events.js';
import { daemonConfig, startTestPlane } from './support/daemon-config.js';

/**
 * The daemon's incremental syncs as diff snapshots, end to end: the local chain that reads them
 * whole, what the control plane stores, and what happens when a diff's parent is lost on both sides.
 */
describe('serve: diff snapshots from the daemon to the control plane', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let plane: RunningControlPlane;
  let dir: string;
  let creds: { clientId: string; clientSecret: string };
  const daemons: Daemon[] = [];
  let changes = 0;

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 13 });
    trustCa(sim.caCertPem);
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-diff-'));
    ({ plane, creds } = await startTestPlane(dir));
  });
  afterEach(async () => {
    await Promise.all(daemons.splice(0).map((d) => d.stop()));
    await plane.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function start(name: string, extra: Record<string, string> = {}) {
    const logs = new LogEvents();
    const d = new Daemon(
      daemonConfig(sim, plane, creds, { BATON_DATA_DIR: join(dir, name), BATON_HOST_ID: name, ...extra }),
      { runSync, probeEntra, logger: logs.logger, version: '0.0.0-test' },
    );
    daemons.push(d);
    await d.start();
    return { d, logs };
  }

  /** One user's job title changes: the next incremental has something to carry. */
  function change(): void {
    const users = [...sim.tenant.users.keys()];
    sim.tenant.updateUser(users[changes % users.length]!, { jobTitle: `Changed ${++changes}` });
  }

  /** Queues a sync task and waits until the control plane records its result. */
  async function syncTask(kind: 'sync_full' | 'sync_incremental') {
    const task = addTask(plane.store, kind, {}, new Date());
    const until = Date.now() + 90_000;
    for (;;) {
      const t = getTask(plane.store, task.id);
      if (t && (t.status === 'succeeded' || t.status === 'failed')) {
        assert.equal(t.status, 'succeeded', JSON.stringify(t));
        return t;
      }
      if (Date.now() > until) throw new Error(`task ${task.id} did not finish: ${JSON.stringify(t)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('keeps the chain of the latest snapshot through the spool and pruning; the control plane stores the diffs', async () => {
    const { logs } = await start('host-c', { BATON_KEEP_SNAPSHOTS: '0' });
    await logs.waitFor('snapshot delivered');
    for (let k = 1; k <= 2; k++) {
      change();
      await syncTask('sync_incremental');
      await logs.waitFor('snapshot delivered', k + 1);
    }
    const snapshots = join(dir, 'host-c', 'snapshots');
    const chainDir = join(snapshots, 'chain');
    const latest = join(snapshots, 'latest.snapshot');
    // Every sync file was moved to the spool, delivered and deleted, and none is kept (0): only the
    // chain's links still hold the parents.
    assert.deepEqual((await readdir(snapshots)).sort(), ['chain', 'latest.snapshot']);
    assert.deepEqual(await readdir(join(dir, 'host-c', 'spool')), []);
    const links = await resolveChain(latest, { dirs: [chainDir] });
    assert.deepEqual(
      links.map((l) => l.header.formatVersion),
      [1, 2, 2],
    );
    assert.equal((await readdir(chainDir)).length, 3);

    const stored = listSyncs(plane.store);
    assert.deepEqual(
      stored.map((s) => [s.syncId, s.diff, s.baseSyncId]),
      links.map((l) => [l.header.syncId, l.header.formatVersion === 2, l.header.base?.syncId]),
    );
    assert.equal(stored[2]!.sha256, await sha256File(latest), 'the diff is stored as the daemon wrote it');
    assert.ok(
      stored[2]!.bytes < stored[0]!.bytes,
      `diff ${stored[2]!.bytes} bytes, full ${stored[0]!.bytes}`,
    );

    // The control plane makes the latest sync whole from what it stores: the daemon's tenant.
    const out = join(dir, 'materialised.snapshot');
    const res = await runCli([
      'control-plane',
      'syncs',
      'materialise',
      stored[2]!.syncId,
      '--data-dir',
      join(dir, 'cp'),
      '--out',
      out,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(await exportOf(out), await exportOf(latest, { dirs: [chainDir] }));

    // A full sync starts a new chain: the old links go once nothing waiting needs them.
    await syncTask('sync_full');
    const full = (await readSnapshotHeader(latest)).header;
    assert.equal(full.formatVersion, 1);
    const left = await readdir(chainDir);
    assert.equal(left.length, 1, left.join(', '));
    assert.equal((await readSnapshotHeader(join(chainDir, left[0]!))).header.syncId, full.syncId);
  });

  it('drops a diff that can be sent neither as it is nor whole, and makes the next sync a full one', async () => {
    const { logs } = await start('host-d');
    await logs.waitFor('snapshot delivered');
    const snapshots = join(dir, 'host-d', 'snapshots');
    const first = (await readSnapshotHeader(join(snapshots, 'latest.snapshot'))).header;
    // The control plane lost the full sync, and the daemon's chain copy of it is corrupt (its
    // header intact: the chain resolves, its body cannot be read).
    const [storedFull] = listSyncs(plane.store);
    plane.store.db.prepare('DELETE FROM syncs WHERE sync_id = ?').run(first.syncId);
    await rm(storedFull!.path);
    const link = join(snapshots, 'chain', `${first.syncId}.snapshot`);
    const bytes = await readFile(link);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await rm(link);
    await writeFile(link, bytes);

    change();
    await syncTask('sync_incremental');
    const dropped = await logs.waitFor(
      'a diff snapshot can be sent neither as it is nor whole (its local chain cannot be read): dropped it; the next sync will be a full one',
    );
    assert.match(String(dropped.err), /body cannot be decompressed|checksum/);

    // Asked for an incremental, the daemon runs a full sync: a diff of the lost one would not do.
    change();
    await syncTask('sync_incremental');
    await logs.waitFor('running a full sync in place of an incremental');
    const delivered = await logs.waitFor('snapshot delivered', 2);
    const [again] = listSyncs(plane.store);
    assert.deepEqual(
      [listSyncs(plane.store).length, again!.syncId, again!.kind, again!.diff],
      [1, delivered.syncId, 'full', false],
    );
  });
});

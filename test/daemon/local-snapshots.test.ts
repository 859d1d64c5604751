import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import { LocalSnapshots } from '../../src/daemon/snapshots.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { resolveChain } from '../../src/snapshot/chain.js';
import type { SnapshotHeader } from '../../src/snapshot/header.js';
import { trustCa } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { syncChain, type SyncedChain } from '../reference-control-plane/diff-chain.js';
import { tempDir } from '../reference-control-plane/helpers.js';
import { LogEvents } from './support/log-events.js';

/**
 * The daemon's local snapshots: each promoted sync file moves on to the spool (as the agent takes
 * it), and the chain links left behind are all that reads a diff whole.
 */
describe('local snapshots: the chain of diffs', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let fixtures: Awaited<ReturnType<typeof tempDir>>;
  let chain: SyncedChain;
  /** A later full sync: the start of a new chain. */
  let next: { file: string; header: SnapshotHeader };
  let dir: Awaited<ReturnType<typeof tempDir>>;

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 3 });
    trustCa(sim.caCertPem);
    fixtures = await tempDir('local-chain');
    chain = await syncChain(sim, join(fixtures.path, 'chain'), 2);
    const file = join(fixtures.path, 'next-full.snapshot');
    const { header } = await runSync({ config: loadConfig(simulatorEnv(sim)), outFile: file });
    next = { file, header };
  });
  after(async () => {
    await sim.close();
    await fixtures.cleanup();
  });
  beforeEach(async () => {
    dir = await tempDir('local-snapshots');
  });
  afterEach(() => dir.cleanup());

  /** Promotes a copy of `file` as the daemon does, then moves it to `spool` as the agent does. */
  async function syncInto(local: LocalSnapshots, spool: string, file: string, header: SnapshotHeader) {
    const own = join(local.dir, `20260101T00000${(await readdir(spool)).length}Z-incremental.snapshot`);
    await copyFile(file, own);
    await local.promote(own, header);
    const spooled = join(spool, basename(file));
    await rename(own, spooled);
    return spooled;
  }

  it('keeps the links that latest and the snapshots waiting for upload need, and only those', async () => {
    const local = new LocalSnapshots(dir.path, 0);
    await local.init();
    const spool = join(dir.path, 'spool');
    await mkdir(spool);
    const waiting: string[] = [];
    for (let i = 0; i < 3; i++)
      waiting.push(await syncInto(local, spool, chain.files[i]!, chain.headers[i]!));
    await local.prune(waiting);
    assert.equal((await resolveChain(local.latest, local.chain)).length, 3);

    // A new full sync while the three still wait (the control plane is away).
    waiting.push(await syncInto(local, spool, next.file, next.header));
    await local.prune(waiting);
    assert.equal((await readdir(local.chainDir)).length, 4, 'the waiting diffs keep their parents');
    const last = await resolveChain(waiting[2]!, local.chain);
    assert.deepEqual(
      last.map((l) => l.header.syncId),
      chain.headers.map((h) => h.syncId),
    );

    // Delivered: the first two leave the spool; the last diff still needs both its parents.
    for (const f of waiting.splice(0, 2)) await rm(f);
    await local.prune(waiting);
    assert.equal((await readdir(local.chainDir)).length, 4);

    // All delivered: only the chain of latest, the new full sync, is left.
    for (const f of waiting.splice(0)) await rm(f);
    await local.prune([]);
    assert.deepEqual(await readdir(local.chainDir), [`${next.header.syncId}.snapshot`]);
    assert.equal((await resolveChain(local.latest, local.chain)).length, 1);
  });

  it('removes nothing from a chain it cannot follow to its root, and says why latest cannot be read', async () => {
    const local = new LocalSnapshots(dir.path, 0);
    await local.init();
    const spool = join(dir.path, 'spool');
    await mkdir(spool);
    await syncInto(local, spool, next.file, next.header);
    for (let i = 1; i < 3; i++) await syncInto(local, spool, chain.files[i]!, chain.headers[i]!);
    const logs = new LogEvents();
    await local.prune([], logs.logger);
    assert.equal(logs.count('a local snapshot chain is incomplete; keeping every chain link'), 1);
    assert.equal((await readdir(local.chainDir)).length, 3, 'the unrelated full sync stays too');
    assert.match(
      (await local.latestChainProblem()) ?? '',
      new RegExp(`parent sync ${chain.headers[0]!.syncId}`),
    );
  });
});

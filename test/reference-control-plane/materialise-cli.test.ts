import assert from 'node:assert/strict';
import { copyFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { materialiseSnapshotFile } from '../../src/snapshot/chain.js';
import { readSnapshotHeader } from '../../src/snapshot/file.js';
import { trustCa } from '../simulator/support/sim.js';
import { runCli } from '../support/cli.js';
import { exportOf, syncChain, type SyncedChain } from './diff-chain.js';
import {
  agentSettings,
  helloInfo,
  idleHandler,
  newAgent,
  newClient,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';

/** `control-plane syncs list` and `syncs materialise` over a control plane holding a chain of diffs. */
describe('control-plane CLI: stored diff snapshots', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let chain: SyncedChain;
  let plane: RunningControlPlane;
  const agents: ControlPlaneAgent[] = [];
  let cpDir: string;
  let clientA: string;

  /** Uploads chain snapshots `which` as `hostId` of a new client; returns the client id. */
  async function upload(name: string, hostId: string, which: number[]): Promise<string> {
    const creds = await newClient(plane, name);
    const agent = newAgent(
      agentSettings(plane.address, creds, join(dir.path, `agent-${name}`), {
        hostId,
        chain: { dirs: [chain.dir] },
      }),
    );
    agents.push(agent);
    await agent.start(idleHandler, helloInfo);
    for (const i of which) {
      const copy = join(dir.path, `${name}-${basename(chain.files[i]!)}`);
      await copyFile(chain.files[i]!, copy);
      await agent.submitSnapshot(copy, chain.headers[i]!);
    }
    await waitFor(
      () => listSyncs(plane.store).filter((s) => s.clientId === creds.clientId).length === which.length,
      `${name}'s uploads`,
    );
    return creds.clientId;
  }

  const materialise = (syncId: string, out: string, ...more: string[]) =>
    runCli(['control-plane', 'syncs', 'materialise', syncId, '--data-dir', cpDir, '--out', out, ...more]);

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 9 });
    trustCa(sim.caCertPem);
    dir = await tempDir('cp-materialise');
    chain = await syncChain(sim, join(dir.path, 'chain'), 2);
    cpDir = join(dir.path, 'cp');
    plane = await startPlane(cpDir);
    clientA = await upload('a', 'host-a', [0, 1, 2]);
  });
  after(async () => {
    await Promise.all(agents.map((a) => a.stop()));
    await plane?.close();
    await sim.close();
    await dir.cleanup();
  });

  it('syncs list shows how each sync is held: whole, or a diff of its parent', async () => {
    const [full, d1, d2] = chain.headers;
    const text = await runCli(['control-plane', 'syncs', 'list', '--data-dir', cpDir]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    assert.match(
      lines.find((l) => l.includes(full!.syncId))!,
      / {2}full {2}whole {2}/,
    );
    assert.match(
      lines.find((l) => l.includes(d2!.syncId))!,
      new RegExp(`  incremental  diff-of:${d1!.syncId}  `),
    );
    const json = await runCli(['control-plane', 'syncs', 'list', '--data-dir', cpDir, '--json']);
    const rows = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { syncId: string; diff: boolean; baseSyncId?: string });
    assert.deepEqual(
      rows.map((r) => [r.syncId, r.diff, r.baseSyncId]),
      [
        [full!.syncId, false, undefined],
        [d1!.syncId, true, full!.syncId],
        [d2!.syncId, true, d1!.syncId],
      ],
    );
  });

  it("syncs materialise writes a stored diff whole: the records of the daemon's own materialised snapshot", async () => {
    const d2 = chain.headers[2]!;
    const out = join(dir.path, 'd2-whole.snapshot');
    const res = await materialise(d2.syncId, out, '--json');
    assert.equal(res.code, 0, res.stderr);
    const { header } = await readSnapshotHeader(out);
    assert.deepEqual(JSON.parse(res.stdout), header);
    assert.equal(header.formatVersion, 1);
    assert.deepEqual([header.syncId, header.kind, header.counts], [d2.syncId, d2.kind, d2.counts]);
    // What the daemon side makes of the same diff with its local chain.
    const local = join(dir.path, 'd2-local.snapshot');
    await materialiseSnapshotFile(chain.files[2]!, local, { dirs: [chain.dir] });
    assert.deepEqual(await exportOf(out), await exportOf(local));
  });

  it('syncs materialise names what is wrong: an unknown sync, an existing --out, several owners, a lost parent', async () => {
    const [full, d1] = chain.headers;
    const unknown = await materialise('no-such-sync', join(dir.path, 'x.snapshot'));
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /sync no-such-sync is not stored/);

    const existing = join(dir.path, 'taken.snapshot');
    await writeFile(existing, 'mine');
    const taken = await materialise(full!.syncId, existing);
    assert.equal(taken.code, 1);
    assert.match(taken.stderr, /--out .*taken\.snapshot already exists/);

    // Sync ids are per client: a second client's upload of the same sync is its own.
    const clientB = await upload('b', 'host-b', [0]);
    const several = await materialise(full!.syncId, join(dir.path, 'either.snapshot'));
    assert.equal(several.code, 1);
    assert.match(several.stderr, /several clients.*give --client/);
    const chosen = await materialise(full!.syncId, join(dir.path, 'b.snapshot'), '--client', clientB);
    assert.equal(chosen.code, 0, chosen.stderr);
    const byHost = await materialise(full!.syncId, join(dir.path, 'a.snapshot'), '--host', 'host-a');
    assert.equal(byHost.code, 0, byHost.stderr);

    plane.store.db
      .prepare('DELETE FROM syncs WHERE client_id = ? AND sync_id = ?')
      .run(clientA, full!.syncId);
    const lost = await materialise(d1!.syncId, join(dir.path, 'lost.snapshot'));
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, new RegExp(`its parent sync ${full!.syncId} is not stored for client`));
  });
});

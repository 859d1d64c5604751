import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { ConnectorConfig } from '../../src/config/types.js';
import { runSync } from '../../src/connector/sync.js';
import { materialiseSnapshotFile } from '../../src/snapshot/chain.js';
import { MAGIC, readSnapshotHeader } from '../../src/snapshot/file.js';
import type { SnapshotHeader } from '../../src/snapshot/header.js';
import { openSnapshot } from '../../src/snapshot/open.js';
import { runCli } from '../support/cli.js';
import { simulatorEnv, useSimulator } from '../support/simulator-env.js';
import { applyMutation } from '../framework/engine/support/mutations.js';
import { exportOf } from '../framework/engine/support/harness.js';

/** Rewrites a snapshot's header (the body, and so its checksum, unchanged). */
function rewriteHeader(path: string, edit: (h: SnapshotHeader) => void): void {
  const buf = readFileSync(path);
  const len = buf.readUInt32BE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(buf.subarray(start, start + len).toString('utf8')) as SnapshotHeader;
  edit(header);
  const json = Buffer.from(JSON.stringify(header));
  const l = Buffer.alloc(4);
  l.writeUInt32BE(json.length);
  writeFileSync(path, Buffer.concat([MAGIC, l, json, buf.subarray(start + len)]));
}

describe('diff snapshots: an incremental holds the changes since its parent', function () {
  let config: ConnectorConfig;
  let clock = Date.parse('2026-11-30T12:00:00Z');
  const now = () => clock;
  /** full → inc1 (changes) → inc2 (no change) → inc3 (changes), all in `chainDir`. */
  let chainDir: string;
  const file = (name: string) => join(chainDir, `${name}.snapshot`);

  const fx = useSimulator({ preset: 'demo', seed: 5, host: '127.0.0.1', now });
  before(async () => {
    chainDir = join(fx.dir, 'chain');
    mkdirSync(chainDir);
    config = loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true' });
    await runSync({ config, outFile: file('full'), now });
    const change = (seed: number) => {
      for (const [i, op] of (
        ['addMember', 'removeAppRoleAssignment', 'updateUser', 'deleteUser'] as const
      ).entries())
        applyMutation(fx.sim.tenant, { op, a: seed + i, b: seed * 3 + i, c: seed });
      clock += 3_600_000;
    };
    change(1);
    await runSync({ config, outFile: file('inc1'), incrementalFrom: file('full'), now });
    clock += 3_600_000;
    await runSync({ config, outFile: file('inc2'), incrementalFrom: file('inc1'), now });
    change(2);
    await runSync({ config, outFile: file('inc3'), incrementalFrom: file('inc2'), now });
  });

  it('each patched incremental is a diff of its parent, far smaller than the whole, and reads whole', async () => {
    const full = (await readSnapshotHeader(file('full'))).header;
    let parent = full;
    for (const name of ['inc1', 'inc2', 'inc3']) {
      const { header } = await readSnapshotHeader(file(name));
      assert.equal(header.formatVersion, 2, name);
      assert.deepEqual(header.base, { syncId: parent.syncId, sha256: parent.sha256 });
      assert.ok(
        header.bodyBytes < full.bodyBytes / 4,
        `${name}: ${header.bodyBytes} of ${full.bodyBytes} bytes`,
      );
      parent = header;
    }
    // A sync with no change in the tenant holds no output record (the source cache may drop the
    // connector's notes of the last listing).
    const quiet = (await readSnapshotHeader(file('inc2'))).header;
    assert.ok(
      ['resources', 'entitlements', 'grants'].every(
        (t) => quiet.changes![t]!.put + quiet.changes![t]!.removed === 0,
      ),
      JSON.stringify(quiet.changes),
    );
    const busy = (await readSnapshotHeader(file('inc3'))).header;
    assert.ok(busy.changes!.grants!.put + busy.changes!.grants!.removed > 0, JSON.stringify(busy.changes));
    // Read whole through its chain, it is what a full sync of the tenant now says.
    const fresh = join(fx.dir, 'fresh');
    mkdirSync(fresh);
    await runSync({ config, outFile: join(fresh, 'now.snapshot'), now });
    assert.deepEqual(await exportOf(file('inc3')), await exportOf(join(fresh, 'now.snapshot')));
  });

  it('snapshot materialise writes the whole snapshot of the same sync; it needs no chain after', async () => {
    const out = join(fx.dir, 'whole', 'inc3.snapshot');
    mkdirSync(join(fx.dir, 'whole'));
    const r = await runCli(['snapshot', 'materialise', file('inc3'), '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const whole = (await readSnapshotHeader(out)).header;
    const diff = (await readSnapshotHeader(file('inc3'))).header;
    assert.equal(whole.formatVersion, 1);
    assert.equal(whole.base, undefined);
    assert.equal(whole.syncId, diff.syncId);
    assert.deepEqual(whole.counts, diff.counts);
    assert.deepEqual(await exportOf(out), await exportOf(file('inc3')));
    // And an incremental from the materialised file is a diff of it.
    assert.ok(statSync(out).size > statSync(file('inc3')).size);
  });

  it('inspect describes a diff without its parents; export, diff and access read it through --chain', async () => {
    const alone = join(fx.dir, 'alone');
    mkdirSync(alone);
    copyFileSync(file('inc3'), join(alone, 'inc3.snapshot'));
    const inspect = await runCli(['snapshot', 'inspect', join(alone, 'inc3.snapshot')]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.match(inspect.stdout, /diff snapshot: the changes since sync [0-9a-f-]{36}/);
    assert.match(inspect.stdout, /grants: \d+ written, \d+ removed/);
    // Without its parents: refused, naming the missing parent and what to give.
    const inc2 = (await readSnapshotHeader(file('inc2'))).header;
    const lost = await runCli(['snapshot', 'export', join(alone, 'inc3.snapshot')]);
    assert.equal(lost.code, 1);
    assert.match(lost.stderr, new RegExp(`parent sync ${inc2.syncId} .* is not found`));
    const exported = await runCli(['snapshot', 'export', join(alone, 'inc3.snapshot'), '--chain', chainDir]);
    assert.equal(exported.code, 0, exported.stderr);
    const records = exported.stdout.trim().split('\n');
    assert.equal(records.length, (await exportOf(file('inc3'))).length);
    const changes = await runCli([
      'snapshot',
      'diff',
      file('inc1'),
      join(alone, 'inc3.snapshot'),
      '--chain',
      chainDir,
    ]);
    assert.equal(changes.code, 0, changes.stderr);
    assert.match(changes.stdout, /^[+-] grant /m);
    const user = (await exportOf(file('inc3'))).find(
      (r) => r.kind === 'resource' && r.resource_type === 'user',
    )!;
    const access = await runCli([
      'snapshot',
      'access',
      join(alone, 'inc3.snapshot'),
      '--principal',
      user.id,
      '--chain',
      chainDir,
    ]);
    assert.equal(access.code, 0, access.stderr);
    assert.match(access.stdout, /^direct \(\d+\):/);
  });

  it('a diff whose header does not match what its body makes of the parent is refused', async () => {
    const bad = join(fx.dir, 'bad');
    mkdirSync(bad);
    for (const n of ['full', 'inc1']) copyFileSync(file(n), join(bad, `${n}.snapshot`));
    rewriteHeader(join(bad, 'inc1.snapshot'), (h) => {
      h.counts.grants += 1;
    });
    await assert.rejects(
      materialiseSnapshotFile(join(bad, 'inc1.snapshot'), join(bad, 'out.snapshot')),
      /inc1\.snapshot: applied to its parent holds \d+ grants, its header says \d+/,
    );
    // A parent of the same sync id but another body is not its parent.
    copyFileSync(file('inc1'), join(bad, 'inc1.snapshot'));
    rewriteHeader(join(bad, 'inc1.snapshot'), (h) => {
      h.base = { syncId: h.base!.syncId, sha256: '0'.repeat(64) };
    });
    await assert.rejects(
      materialiseSnapshotFile(join(bad, 'inc1.snapshot'), join(bad, 'out.snapshot')),
      /is not found/,
    );
    // A diff header without its base is malformed, not read as a whole snapshot.
    rewriteHeader(join(bad, 'inc1.snapshot'), (h) => {
      delete h.base;
    });
    await assert.rejects(readSnapshotHeader(join(bad, 'inc1.snapshot')), /base .* is missing or malformed/);
  });

  it('an incremental from a diff whose chain is gone (and no kept store) runs as a full sync', async () => {
    const lone = join(fx.dir, 'lone');
    mkdirSync(lone);
    copyFileSync(file('inc3'), join(lone, 'inc3.snapshot'));
    const lines: string[] = [];
    const { header } = await runSync({
      config,
      outFile: join(lone, 'next.snapshot'),
      incrementalFrom: join(lone, 'inc3.snapshot'),
      stateDir: join(lone, 'state'),
      now,
      logger: pino({ level: 'warn', base: null }, { write: (l: string) => void lines.push(l) }),
    });
    assert.equal(header.kind, 'full');
    assert.ok(
      lines.some(
        (l) => l.includes('previous snapshot unreadable; running a full sync') && l.includes('is not found'),
      ),
      lines.join(''),
    );
  });

  it('each file of a chain decompresses within its own bound: a diff may not expand as its root may', async () => {
    const bomb = join(fx.dir, 'bomb');
    mkdirSync(bomb);
    copyFileSync(file('full'), join(bomb, 'full.snapshot'));
    // 70 MiB of zeros: a few kilobytes compressed, past the 64 MiB a small body may reach.
    const body = zstdCompressSync(Buffer.alloc(70 * 1024 * 1024));
    const header = { ...(await readSnapshotHeader(file('inc1'))).header };
    header.bodyBytes = body.length;
    header.sha256 = createHash('sha256').update(body).digest('hex');
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    writeFileSync(join(bomb, 'inc1.snapshot'), Buffer.concat([MAGIC, len, json, body]));
    const bound = (h: SnapshotHeader) => Math.max(64 * 1024 * 1024, h.bodyBytes * 64);
    await assert.rejects(
      openSnapshot(join(bomb, 'inc1.snapshot'), bomb, { maxBytes: bound }),
      /inc1\.snapshot: body cannot be decompressed \(it decompresses to more than 67108864 bytes\)/,
    );
    // The root, far larger, is within its own.
    const root = await openSnapshot(join(bomb, 'full.snapshot'), bomb, { maxBytes: bound });
    await root.close();
  });
});

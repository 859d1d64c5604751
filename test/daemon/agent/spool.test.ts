import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Spool } from '../../../src/daemon/agent/spool.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { makeOpaqueFile, tempDir } from '../../reference-control-plane/helpers.js';

describe('snapshot spool', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let clock = 1_000;
  const now = () => clock++;
  beforeEach(async () => {
    dir = await tempDir('spool');
  });
  afterEach(() => dir.cleanup());

  async function add(spool: Spool, id: string, size: number, kind: 'full' | 'incremental') {
    const s = await makeOpaqueFile(dir.path, id, size, kind);
    await spool.add(s.path, s.header);
  }

  it('over its file limit drops the oldest incremental first and keeps the newest full snapshot', async () => {
    const spool = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 3 }, silentLogger, now);
    await spool.open();
    await add(spool, 'full-1', 10, 'full');
    await add(spool, 'inc-1', 10, 'incremental');
    await add(spool, 'full-2', 10, 'full');
    await add(spool, 'inc-2', 10, 'incremental');
    assert.equal(spool.depth(), 3);
    await add(spool, 'inc-3', 10, 'incremental');
    assert.equal(spool.next()?.syncId, 'full-1', 'delivered oldest first');
    const reopened = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 3 }, silentLogger, now);
    await reopened.open();
    const names = (await readdir(join(dir.path, 'spool')))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.replace(/^\d+-\d+-|\.json$/g, ''));
    assert.deepEqual(names.sort(), ['full-1', 'full-2', 'inc-3'].sort());
    // Over the byte limit with only full snapshots left, the newest full one survives.
    const tight = new Spool(dir.path, { maxBytes: 15, maxFiles: 10 }, silentLogger, now);
    await tight.open();
    await add(tight, 'full-3', 10, 'full');
    assert.deepEqual([tight.depth(), tight.next()?.syncId], [1, 'full-3']);
  });

  it('on open, drops half-written entries and keeps whole ones', async () => {
    const spool = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await spool.open();
    await add(spool, 'whole', 100, 'full');
    await writeFile(join(spool.dir, '000000000000001-0000-orphan.snapshot'), 'x');
    await writeFile(
      join(spool.dir, '000000000000002-0000-nofile.json'),
      JSON.stringify({ name: '000000000000002-0000-nofile', bytes: 5 }),
    );
    await writeFile(join(spool.dir, '.tmp-leftover.tmp'), 'x');
    const again = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await again.open();
    assert.equal(again.depth(), 1);
    assert.equal(again.next()?.syncId, 'whole');
    assert.equal((await readdir(spool.dir)).length, 2);
  });

  /** A spooled diff (opaque bytes; the spool reads only its sidecar's header). */
  async function addDiff(spool: Spool, id: string) {
    const s = await makeOpaqueFile(dir.path, id, 10, 'incremental');
    return spool.add(s.path, {
      ...s.header,
      formatVersion: 2,
      base: { syncId: 'parent', sha256: 'a'.repeat(64) },
    });
  }

  /** Writes a whole snapshot of sync `id` at `file`, as materialising a diff would. */
  const writeWhole = (id: string) => async (file: string) => {
    const w = await makeOpaqueFile(dir.path, `${id}-whole`, 30, 'incremental');
    await copyFile(w.path, file);
    return { ...w.header, syncId: id };
  };

  it('replaces a diff by the whole snapshot of its sync, in the same place in the order', async () => {
    const spool = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await spool.open();
    await add(spool, 'first', 10, 'full');
    const diff = await addDiff(spool, 'diff');
    await add(spool, 'last', 10, 'incremental');
    const whole = await spool.replace(diff, writeWhole('diff'));
    assert.equal(whole.bytes, 30);
    assert.equal(whole.header.formatVersion, 1);
    const reopened = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await reopened.open();
    const order: string[] = [];
    for (let e = reopened.next(); e; e = reopened.next()) {
      order.push(`${e.syncId}:${e.bytes}`);
      await reopened.remove(e);
    }
    assert.deepEqual(order, ['first:10', 'diff:30', 'last:10']);
    assert.deepEqual(await readdir(spool.dir), []);
  });

  it('a crash while a diff is replaced leaves one entry of its sync: the diff, or the whole one once complete', async () => {
    const spool = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await spool.open();
    const diff = await addDiff(spool, 'diff');
    // Killed after the whole file was written, before its sidecar: the diff stays.
    await copyFile(spool.file(diff), join(spool.dir, `${diff.name}.whole.snapshot`));
    const early = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await early.open();
    assert.equal(early.depth(), 1);
    assert.equal(early.next()?.header.formatVersion, 2);
    assert.deepEqual((await readdir(spool.dir)).sort(), [`${diff.name}.json`, `${diff.name}.snapshot`]);
    // Killed after the whole entry was complete, before the diff's was removed: the whole one stays.
    const diffBytes = await readFile(early.file(early.next()!));
    const whole = await early.replace(early.next()!, writeWhole('diff'));
    await writeFile(join(spool.dir, `${diff.name}.json`), JSON.stringify(diff));
    await writeFile(join(spool.dir, `${diff.name}.snapshot`), diffBytes);
    const late = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await late.open();
    assert.equal(late.depth(), 1);
    assert.deepEqual([late.next()?.name, late.next()?.header.formatVersion], [whole.name, 1]);
    assert.deepEqual((await readdir(spool.dir)).sort(), [`${whole.name}.json`, `${whole.name}.snapshot`]);
  });

  it('refuses a sync id that cannot be sent', async () => {
    const spool = new Spool(dir.path, { maxBytes: 1e9, maxFiles: 10 }, silentLogger, now);
    await spool.open();
    const s = await makeOpaqueFile(dir.path, 'ok', 10);
    await assert.rejects(spool.add(s.path, { ...s.header, syncId: '../evil' }), /header.syncId/);
  });
});

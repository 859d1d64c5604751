import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSync } from '../../src/connector/sync.js';
import { removeStaleTemps, STALE_AFTER_MS } from '../../src/snapshot/temp-files.js';
import { FakeGraph } from '../framework/engine/support/fake-graph.js';
import { demoTenant } from '../framework/engine/support/fake-tenant.js';
import { tempDir, testConfig } from '../framework/engine/support/harness.js';

/** A child that has exited: its pid names no running process. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid!;
}

describe('temp files of an interrupted snapshot write', function () {
  this.timeout(60_000);
  let tmp: ReturnType<typeof tempDir>;
  let live: ReturnType<typeof spawn> | undefined;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => {
    live?.kill();
    live = undefined;
    tmp.cleanup();
  });

  /** Plants small files of these names in the temp directory. */
  function plant(...names: string[]): void {
    for (const n of names) writeFileSync(join(tmp.dir, n), 'x'.repeat(64));
  }

  it('the next sync removes a dead writer’s .db, .zst, .tmp and journal files and keeps everything else', async () => {
    const dead = await deadPid();
    live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    await once(live, 'spawn');
    const stale = [
      `.out.snap.${dead}.0a1b2c3d.db`,
      `.out.snap.${dead}.0a1b2c3d.db-journal`,
      `.out.snap.${dead}.0a1b2c3d.db-wal`,
      `.out.snap.${dead}.0a1b2c3d.zst`,
      `.out.snap.${dead}.0a1b2c3d.tmp`,
      // This process's pid, but no write of this process: a previous life of a pid-1 daemon.
      `.out.snap.${process.pid}.ffffffff.zst`,
      // A running process's, but older than any write takes.
      `.out.snap.${live.pid!}.00000001.db`,
    ];
    const kept = [
      // A write in progress in another running process.
      `.out.snap.${live.pid!}.12345678.zst`,
      // Another output's temp files, and names that only look alike.
      `.other.snap.${dead}.0a1b2c3d.db`,
      `.out.snap.${dead}.0a1b2c3d.db.bak`,
      `.out.snap.${dead}.xyz.db`,
      `out.snap.${dead}.0a1b2c3d.db`,
      'notes.txt',
    ];
    plant(...stale, ...kept);
    const longAgo = (Date.now() - STALE_AFTER_MS - 60_000) / 1000;
    utimesSync(join(tmp.dir, `.out.snap.${live.pid!}.00000001.db`), longAgo, longAgo);

    await runSync({
      config: testConfig(),
      outFile: join(tmp.dir, 'out.snap'),
      graph: new FakeGraph(demoTenant()),
    });
    const left = readdirSync(tmp.dir).sort();
    for (const n of stale) assert.ok(!left.includes(n), `${n} removed`);
    for (const n of kept) assert.ok(left.includes(n), `${n} kept`);
    assert.ok(left.includes('out.snap'), 'the snapshot is written');
    // Nothing of this run's own write is left behind either.
    assert.deepEqual(
      left.filter((n) => n.startsWith('.out.snap.')),
      kept.filter((n) => n.startsWith('.out.snap.')).sort(),
    );
  });

  it('removeStaleTemps names what it removed; a missing directory removes nothing', async () => {
    const dead = await deadPid();
    plant(`.a.snap.${dead}.0a1b2c3d.zst`, `.a.snap.${dead}.0a1b2c3d.db-journal`);
    assert.deepEqual(await removeStaleTemps(join(tmp.dir, 'a.snap')), [
      `.a.snap.${dead}.0a1b2c3d.db-journal`,
      `.a.snap.${dead}.0a1b2c3d.zst`,
    ]);
    assert.deepEqual(await removeStaleTemps(join(tmp.dir, 'nowhere', 'a.snap')), []);
  });
});

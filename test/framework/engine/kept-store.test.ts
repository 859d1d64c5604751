import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pino } from 'pino';
import { loadConfig } from '../../../src/config/load.js';
import { runSync } from '../../../src/connector/sync.js';
import { SyncAbortedError } from '../../../src/framework/errors.js';
import { machineBootId } from '../../../src/sqlite/boot.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';
import { applyMutation, type Mutation } from './support/mutations.js';
import { exportOf } from './support/harness.js';

/** A logger keeping its lines, calling `on` with each message as it is logged. */
function recordingLogger(lines: string[], on: (msg: string) => void = () => undefined) {
  return pino(
    { level: 'info', base: null },
    {
      write: (s: string) => {
        lines.push(s);
        on((JSON.parse(s) as { msg: string }).msg);
      },
    },
  );
}

const CHANGES: Mutation[] = [
  { op: 'updateUser', a: 1, b: 0, c: 5 },
  { op: 'renameUserMail', a: 2, b: 0, c: 7 },
  { op: 'removeMember', a: 0, b: 3, c: 1 },
  { op: 'addMember', a: 0, b: 4, c: 9 },
  { op: 'deleteUser', a: 6, b: 2, c: 0 },
  { op: 'assignLicense', a: 8, b: 2, c: 3 },
  { op: 'removeAppRoleAssignment', a: 1, b: 0, c: 0 },
];

describe('the kept store an incremental patches', function () {
  const fx = useSimulator({ preset: 'demo', seed: 5, host: '127.0.0.1' });
  const config = () => loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true' });
  let n = 0;
  /** A fresh directory holding a full sync of the tenant as it is (and its kept store). */
  async function base(): Promise<{ dir: string; parent: string }> {
    const dir = join(fx.dir, `case-${++n}`);
    mkdirSync(join(dir, 'full'), { recursive: true });
    const parent = join(dir, 'base.snap');
    await runSync({ config: config(), outFile: parent });
    return { dir, parent };
  }
  async function fullExport(dir: string) {
    const out = join(dir, 'full', `full-${++n}.snap`);
    await runSync({ config: config(), outFile: out, stateDir: join(dir, 'full') });
    return exportOf(out);
  }
  const patched = (lines: string[]) => lines.some((l) => l.includes('"output patched"'));

  it('is the working database of the last sync, in the state directory, holding no progress', async () => {
    const { dir, parent } = await base();
    const stores = readdirSync(dir).filter((f) => f.endsWith('.store.db'));
    assert.equal(stores.length, 1);
    const db = new DatabaseSync(join(dir, stores[0]!), { readOnly: true });
    try {
      const meta = db.prepare("SELECT key FROM meta WHERE key LIKE 'work:%'").all();
      assert.deepEqual(meta, [], 'no working keys');
      assert.equal((db.prepare('SELECT count(*) AS n FROM checkpoints').get() as { n: number }).n, 0);
    } finally {
      db.close();
    }
    // The next sync replaces it with its own.
    const lines: string[] = [];
    const out = join(dir, 'next.snap');
    await runSync({
      config: config(),
      outFile: out,
      incrementalFrom: parent,
      logger: recordingLogger(lines),
    });
    assert.ok(patched(lines));
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.store.db')).length, 1);
  });

  for (const [where, at] of [
    ['while collecting', 'phase complete'],
    ['inside the patch', 'source index built'],
  ] as const) {
    it(`an incremental stopped ${where} resumes, patching, to the content of a full sync`, async () => {
      const { dir, parent } = await base();
      for (const m of CHANGES) applyMutation(fx.sim.tenant, m);
      const out = join(dir, 'inc.snap');
      const ac = new AbortController();
      const first: string[] = [];
      await assert.rejects(
        runSync({
          config: config(),
          outFile: out,
          incrementalFrom: parent,
          signal: ac.signal,
          logger: recordingLogger(first, (msg) => {
            if (msg === at) ac.abort(new Error('stop'));
          }),
        }),
        SyncAbortedError,
      );
      const second: string[] = [];
      await runSync({
        config: config(),
        outFile: out,
        incrementalFrom: parent,
        logger: recordingLogger(second),
      });
      assert.ok(
        second.some((l) => l.includes('resuming an interrupted sync')),
        'resumed from the checkpoint',
      );
      assert.ok(patched(first) || patched(second), 'patched, not rebuilt');
      assert.deepEqual(await exportOf(out), await fullExport(dir));
    });
  }

  it('an incremental whose snapshot cannot be written resumes without patching again', async () => {
    const { dir, parent } = await base();
    for (const m of CHANGES) applyMutation(fx.sim.tenant, m);
    const out = join(dir, 'inc.snap');
    mkdirSync(out); // the rename onto a directory fails at the very end
    const first: string[] = [];
    await assert.rejects(
      runSync({ config: config(), outFile: out, incrementalFrom: parent, logger: recordingLogger(first) }),
    );
    assert.ok(patched(first));
    rmdirSync(out);
    const second: string[] = [];
    await runSync({
      config: config(),
      outFile: out,
      incrementalFrom: parent,
      logger: recordingLogger(second),
    });
    assert.ok(!patched(second), 'the committed patch is not applied twice');
    assert.deepEqual(await exportOf(out), await fullExport(dir));
  });

  it('a parent without its kept store (another sync took it) is rebuilt from the snapshot', async () => {
    const { dir, parent } = await base();
    await runSync({ config: config(), outFile: join(dir, 'a.snap'), incrementalFrom: parent });
    for (const m of CHANGES) applyMutation(fx.sim.tenant, m);
    const lines: string[] = [];
    const out = join(dir, 'b.snap');
    await runSync({
      config: config(),
      outFile: out,
      incrementalFrom: parent,
      logger: recordingLogger(lines),
    });
    assert.ok(!patched(lines) && lines.some((l) => l.includes('"output":"rebuilt"')));
    assert.deepEqual(await exportOf(out), await fullExport(dir));
  });

  /**
   * Sets meta `key` of a fresh base's kept store to `value` (after `check` reads the store), then
   * syncs incrementally after CHANGES: the store must not be patched (the log saying `why`), and
   * the result must equal a full sync.
   */
  async function refusedStore(key: string, value: string, why: string, check?: (db: DatabaseSync) => void) {
    const { dir, parent } = await base();
    const store = readdirSync(dir).find((f) => f.endsWith('.store.db'))!;
    const db = new DatabaseSync(join(dir, store));
    check?.(db);
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(value, key);
    db.close();
    for (const m of CHANGES) applyMutation(fx.sim.tenant, m);
    const lines: string[] = [];
    const out = join(dir, 'b.snap');
    await runSync({
      config: config(),
      outFile: out,
      incrementalFrom: parent,
      logger: recordingLogger(lines),
    });
    assert.ok(lines.some((l) => l.includes(why)));
    assert.ok(!patched(lines));
    assert.deepEqual(await exportOf(out), await fullExport(dir));
  }

  it('a kept store that does not match the parent snapshot (its SHA-256) is not patched', () =>
    refusedStore('store:sha256', 'not-the-parent', 'kept store not usable'));

  it('a kept store written unsynced under another boot is not patched', async function () {
    const boot = machineBootId();
    if (boot === undefined) this.skip();
    // As after the machine stopped: another boot wrote it.
    await refusedStore('store:bootId', 'another-boot', 'the machine restarted since', (db) =>
      assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'store:bootId'").get()?.value, boot),
    );
  });

  it('a kept store of another configuration is not patched', async () => {
    const { dir, parent } = await base();
    const lines: string[] = [];
    const out = join(dir, 'b.snap');
    const other = loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'false' });
    await runSync({ config: other, outFile: out, incrementalFrom: parent, logger: recordingLogger(lines) });
    assert.ok(lines.some((l) => l.includes('made under another plan')));
    assert.ok(!patched(lines));
  });
});

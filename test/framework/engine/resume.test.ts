import assert from 'node:assert/strict';
import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { machineBootId } from '../../../src/sqlite/boot.js';
import { SyncAbortedError } from '../../../src/framework/errors.js';
import { GraphError } from '../../../src/graph/errors.js';
import { SyncOptionError } from '../../../src/framework/engine/errors.js';
import { runSync } from '../../../src/connector/sync.js';
import { expectedIds } from './expected.js';
import { FakeGraph } from './support/fake-graph.js';
import { demoTenant } from './support/fake-tenant.js';
import { exportOf, FIXED_NOW, idsOf, tempDir, testConfig } from './support/harness.js';

describe('resume edge cases', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const config = testConfig();

  async function interrupted(out: string, cut: number): Promise<void> {
    const ac = new AbortController();
    const graph = new FakeGraph(demoTenant());
    graph.onRequest = (n) => {
      if (n === cut) ac.abort(new Error('stop'));
    };
    await assert.rejects(
      runSync({ config, outFile: out, graph, now: () => FIXED_NOW, signal: ac.signal }),
      SyncAbortedError,
    );
  }

  it('a checkpointed page link that has expired restarts the sync instead of failing forever', async () => {
    const out = join(tmp.dir, 'a.snap');
    await interrupted(out, 3); // inside the users round, at a $skiptoken link
    const graph = new FakeGraph(demoTenant());
    let expired = false;
    graph.onRequest = (_n, url) => {
      if (!expired && url.includes('skiptoken')) {
        expired = true;
        throw new GraphError('expired', 'sync_state_expired', { status: 400, code: 'syncStateNotFound' });
      }
    };
    await runSync({ config, outFile: out, graph, now: () => FIXED_NOW });
    assert.ok(expired);
    assert.deepEqual(idsOf(await exportOf(out), 'grant'), expectedIds(demoTenant(), config).grants);
  });

  it('a sync whose snapshot cannot be written resumes without asking Graph again', async () => {
    const out = join(tmp.dir, 'a.snap');
    mkdirSync(out); // the rename onto a directory fails at the very end
    await assert.rejects(
      runSync({ config, outFile: out, graph: new FakeGraph(demoTenant()), now: () => FIXED_NOW }),
    );
    rmdirSync(out);
    const graph = new FakeGraph(demoTenant());
    await runSync({ config, outFile: out, graph, now: () => FIXED_NOW });
    assert.equal(graph.stats.requests, 0);
    assert.deepEqual(idsOf(await exportOf(out), 'grant'), expectedIds(demoTenant(), config).grants);
  });

  it('an interrupted sync older than six days is not resumed', async () => {
    const out = join(tmp.dir, 'a.snap');
    await interrupted(out, 6);
    const graph = new FakeGraph(demoTenant());
    await runSync({ config, outFile: out, graph, now: () => FIXED_NOW + 7 * 86_400_000 });
    assert.ok(graph.urls[0]?.startsWith('/organization'), 'started from the first phase');
    assert.deepEqual(idsOf(await exportOf(out), 'grant'), expectedIds(demoTenant(), config).grants);
  });

  it('a working database is written unsynced under the boot it records, and resumed under that boot only', async function () {
    const boot = machineBootId();
    if (boot === undefined) this.skip();
    const want = expectedIds(demoTenant(), config).grants;
    for (const restarted of [false, true]) {
      const out = join(tmp.dir, `${String(restarted)}.snap`);
      await interrupted(out, 6);
      const work = new DatabaseSync(`${out}.work.db`);
      assert.equal(work.prepare("SELECT value FROM meta WHERE key = 'work:bootId'").get()?.value, boot);
      // As after the machine stopped: another boot wrote it.
      if (restarted) work.prepare("UPDATE meta SET value = 'another-boot' WHERE key = 'work:bootId'").run();
      work.close();
      const graph = new FakeGraph(demoTenant());
      await runSync({ config, outFile: out, graph, now: () => FIXED_NOW });
      assert.equal(
        graph.urls[0]?.startsWith('/organization'),
        restarted,
        'started over only after a restart',
      );
      assert.deepEqual(idsOf(await exportOf(out), 'grant'), want);
    }
  });

  it('an unreadable working database is removed and the sync starts over', async () => {
    const out = join(tmp.dir, 'a.snap');
    writeFileSync(`${out}.work.db`, 'not a database: what a stopped machine may leave of one');
    await runSync({ config, outFile: out, graph: new FakeGraph(demoTenant()), now: () => FIXED_NOW });
    assert.deepEqual(idsOf(await exportOf(out), 'grant'), expectedIds(demoTenant(), config).grants);
  });

  it('a second sync into the same file is refused while the first runs; a dead holder’s lock is taken over', async () => {
    const out = join(tmp.dir, 'a.snap');
    let inner: Promise<unknown> | undefined; // settles to the error (or undefined)
    const graph = new FakeGraph(demoTenant());
    graph.onRequest = (n) => {
      if (n === 2) {
        inner = runSync({ config, outFile: out, graph: new FakeGraph(demoTenant()) }).then(
          () => undefined,
          (e: unknown) => e,
        );
      }
    };
    await runSync({ config, outFile: out, graph, now: () => FIXED_NOW });
    const refused = await inner;
    assert.ok(refused instanceof SyncOptionError && /another sync/.test(refused.message), String(refused));
    writeFileSync(`${out}.work.db.lock`, '999999999');
    await runSync({ config, outFile: out, graph: new FakeGraph(demoTenant()) });
  });
});

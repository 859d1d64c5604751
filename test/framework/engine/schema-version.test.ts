import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { createLogger } from '../../../src/observability/logger.js';
import { readSnapshotHeader } from '../../../src/snapshot/file.js';
import { openSnapshot } from '../../../src/snapshot/open.js';
import { SCHEMA_VERSION } from '../../../src/snapshot/schema.js';
import { runSync } from '../../../src/connector/sync.js';
import { runCli } from '../../support/cli.js';
import { expectedIds } from './expected.js';
import { FakeGraph } from './support/fake-graph.js';
import { demoTenant } from './support/fake-tenant.js';
import { exportOf, FIXED_NOW, idsOf, tempDir, testConfig } from './support/harness.js';
import { toSchema1Grants, writeOlderSnapshot } from './support/legacy-snapshot.js';

describe('snapshots of an older schema version', () => {
  let tmp: ReturnType<typeof tempDir>;
  let current: string;
  let old: string;
  let v2: string;
  const now = () => FIXED_NOW;
  before(async () => {
    tmp = tempDir();
    current = join(tmp.dir, 'current.snap');
    old = join(tmp.dir, 'old.snap');
    v2 = join(tmp.dir, 'v2.snap');
    await runSync({ config: testConfig(), outFile: current, graph: new FakeGraph(demoTenant()), now });
    await writeOlderSnapshot(current, old, join(tmp.dir, 'convert.db'), 1);
    await writeOlderSnapshot(current, v2, join(tmp.dir, 'convert.db'), 2);
  });
  after(() => tmp.cleanup());

  it('a new snapshot names its schema version; the old one has none (schema 1)', async () => {
    assert.equal((await readSnapshotHeader(current)).header.schemaVersion, SCHEMA_VERSION);
    assert.equal((await readSnapshotHeader(old)).header.schemaVersion, undefined);
  });

  for (const [name, file, version] of [
    ['schema 1', () => old, 1],
    ['schema 2', () => v2, 2],
  ] as const) {
    it(`${name} as the parent of an incremental sync: a full sync with a warning, not a crash`, async () => {
      const lines: string[] = [];
      const logger = createLogger({ level: 'warn', destination: { write: (s: string) => lines.push(s) } });
      const t = demoTenant();
      const graph = new FakeGraph(t);
      const out = join(tmp.dir, 'next.snap');
      const { header } = await runSync({
        config: testConfig(),
        outFile: out,
        incrementalFrom: file(),
        graph,
        now,
        logger,
      });
      assert.equal(header.kind, 'full');
      assert.equal(header.parentSyncId, undefined);
      assert.equal(header.schemaVersion, SCHEMA_VERSION);
      const warning = lines
        .map((l) => JSON.parse(l) as { msg: string; problem?: string })
        .find((l) => l.problem);
      assert.match(warning?.msg ?? '', /another schema; running a full sync/);
      assert.equal(warning?.problem, `has schema version ${version}, not ${SCHEMA_VERSION}`);
      // A full listing: the parent's delta links were not replayed.
      assert.ok(graph.urls.some((u) => u.includes('/users/delta') && !u.includes('deltatoken')));
      const records = await exportOf(out);
      const want = expectedIds(t, testConfig());
      assert.deepEqual(idsOf(records, 'grant'), want.grants);
      assert.deepEqual(idsOf(records, 'resource'), want.resources);
    });
  }

  it('an interrupted working database of the older schema is started over, not resumed', async () => {
    const out = join(tmp.dir, 'resumed.snap');
    const work = `${out}.work.db`;
    const probe = new FakeGraph(demoTenant());
    await runSync({ config: testConfig(), outFile: join(tmp.dir, 'probe.snap'), graph: probe, now });
    const total = probe.stats.requests;
    // Interrupted at its last request: everything is collected, and no output written yet.
    const ac = new AbortController();
    const cut = new FakeGraph(demoTenant());
    cut.onRequest = (n) => {
      if (n === total) ac.abort(new Error('stopped'));
    };
    await assert.rejects(runSync({ config: testConfig(), outFile: out, graph: cut, now, signal: ac.signal }));
    // As the older build would have left it: grants in the schema-1 layout, a plan without a schema.
    toSchema1Grants(work);
    const db = new DatabaseSync(work);
    const plan = JSON.parse(
      String(db.prepare("SELECT value FROM meta WHERE key = 'work:plan'").get()!.value),
    );
    delete (plan as Record<string, unknown>).schema;
    db.prepare("UPDATE meta SET value = ? WHERE key = 'work:plan'").run(JSON.stringify(plan));
    db.close();
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', destination: { write: (s: string) => lines.push(s) } });
    const t = demoTenant();
    const again = new FakeGraph(t);
    const { header } = await runSync({ config: testConfig(), outFile: out, graph: again, now, logger });
    assert.ok(lines.some((l) => l.includes('discarding the working database')));
    assert.equal(again.stats.requests, total);
    assert.deepEqual(idsOf(await exportOf(out), 'grant'), expectedIds(t, testConfig()).grants);
    assert.equal(header.counts.grants, expectedIds(t, testConfig()).grants.length);
  });

  it('readers refuse its body with a message naming both versions', async () => {
    await assert.rejects(
      openSnapshot(old),
      /old\.snap: has schema version 1; this build reads schema versions 2 and 3 only/,
    );
    const r = await runCli(['snapshot', 'export', old]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /has schema version 1; this build reads schema versions 2 and 3 only/);
  });

  it('schema 2 reads as schema 3 does: same export, same access', async () => {
    assert.deepEqual(await exportOf(v2), await exportOf(current));
    // The user with the most grants: the access walk has something to find.
    const grants = (await exportOf(current)).filter((r) => r.kind === 'grant');
    const count = new Map<string, number>();
    for (const g of grants) {
      const p = `${g.principal.type}:${g.principal.id}`;
      if (p.startsWith('user:')) count.set(p, (count.get(p) ?? 0) + 1);
    }
    const principal = [...count].sort((x, y) => y[1] - x[1])[0]![0];
    const [a, b] = await Promise.all(
      [current, v2].map((f) => runCli(['snapshot', 'access', f, '--principal', principal, '--json'])),
    );
    assert.equal(a!.code, 0, a!.stderr);
    assert.ok((JSON.parse(a!.stdout) as { effective: unknown[] }).effective.length > 1);
    assert.equal(b!.stdout, a!.stdout);
  });

  it('inspect still reads its header and delta links', async () => {
    const r = await runCli(['snapshot', 'inspect', old]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /schema version 1/);
    assert.match(r.stdout, /delta links: .*users/);
  });
});

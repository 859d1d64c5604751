import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { CollectContext } from '../../src/connector/shared/collect-context.js';
import { applyGroup, groupsPhase } from '../../src/connector/group/collect.js';
import type { GraphGroupDelta } from '../../src/connector/group/graph.js';
import type { GraphClient, GraphPage } from '../../src/graph/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { phaseStore } from '../../src/framework/engine/phase-store.js';
import type { Checkpoint } from '../../src/framework/collect.js';
import { tempDir, testConfig } from '../framework/engine/support/harness.js';

type Item = Record<string, unknown>;
const ref = (kind: string, id: string) => ({ '@odata.type': `#microsoft.graph.${kind}`, id });
const START = `/groups/delta?$select=`;

/**
 * A groups/delta round as Graph pages it: a big group repeats with further member chunks, a
 * member removal shows up in the initial round, and ids arrive in no particular order.
 */
const ROUND: GraphGroupDelta[][] = [
  [
    { id: 'g3', displayName: 'Three', 'members@delta': [ref('user', 'u1'), ref('user', 'u2')] },
    { id: 'g1', displayName: 'One', 'members@delta': [ref('user', 'u9'), ref('group', 'g3')] },
  ],
  [
    { id: 'g3', 'members@delta': [ref('user', 'u3'), { ...ref('user', 'u1'), '@removed': {} }] },
    { id: 'g2', displayName: 'Two', 'owners@delta': [ref('servicePrincipal', 's1')] },
  ],
  [{ id: 'g3', description: 'late', 'members@delta': [ref('device', 'd1')] }],
];

/** Serves `round` (ROUND by default) page by page; `failAt` makes that page's request fail (once). */
function roundGraph(failAt?: number, round = ROUND): GraphClient & { requests: string[] } {
  const requests: string[] = [];
  let failed = false;
  return {
    requests,
    stats: { requests: 0, batchedRequests: 0, throttled: 0, retries: 0 },
    async *pages<T>(url: string): AsyncIterable<GraphPage<T>> {
      let n = url.startsWith(START) ? 0 : Number(new URL(url).searchParams.get('page'));
      for (; n < round.length; n++) {
        requests.push(String(n));
        if (n === failAt && !failed) {
          failed = true;
          throw new Error(`page ${n} failed`);
        }
        const last = n === round.length - 1;
        yield {
          value: round[n] as T[],
          ...(last
            ? { deltaLink: 'https://graph.fake/v1.0/groups/delta?$deltatoken=x' }
            : { nextLink: `https://graph.fake/v1.0/groups/delta?page=${n + 1}` }),
        };
      }
    },
    get: () => Promise.reject(new Error('not used')),
    request: () => Promise.reject(new Error('not used')),
    batch: () => Promise.reject(new Error('not used')),
  };
}

function dump(db: SnapshotDb): unknown {
  return {
    objects: db.db.prepare('SELECT kind, id, data FROM source_objects ORDER BY kind, id').all(),
    links: db.db.prepare('SELECT * FROM source_links ORDER BY kind, owner_id, rel, target_id').all(),
  };
}

describe('paged phases stage a fresh round and apply it in id order', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const ctx = (db: SnapshotDb, graph: GraphClient): CollectContext => ({
    graph,
    store: phaseStore(db),
    work: { kind: 'full' },
    now: Date.now,
    config: testConfig(),
    logger: silentLogger,
    requestOptions: {},
    incremental: false,
  });

  it('gives the source cache that applying each page as it came gives, and leaves no stage', async () => {
    const db = new SnapshotDb(join(tmp.dir, 'a.db'), { working: true });
    assert.equal(await groupsPhase.run(ctx(db, roundGraph())), 5);
    // The same items applied in arrival order, one page at a time.
    const direct = new SnapshotDb(join(tmp.dir, 'b.db'), { working: true });
    for (const page of ROUND) for (const item of page) applyGroup(direct.source, item);
    assert.deepEqual(dump(db), dump(direct));
    const g3 = db.source.get<Item>('group', 'g3');
    assert.equal(g3?.displayName, 'Three', 'a repeat without the property keeps it');
    assert.equal(g3?.description, 'late');
    assert.deepEqual(
      db.source.links('group', 'g3', 'member').map((l) => l.targetId),
      ['d1', 'u2', 'u3'],
      'u1 was removed after it was added',
    );
    assert.equal(Number((db.db.prepare('SELECT count(*) AS n FROM staged_items').get() as Item).n), 0);
    assert.equal(db.getMeta('delta:groups'), 'https://graph.fake/v1.0/groups/delta?$deltatoken=x');
    db.close();
    direct.close();
  });

  it('resumes a round stopped mid-way at the first page not stored, losing nothing staged', async () => {
    const path = join(tmp.dir, 'a.db');
    const graph = roundGraph(2);
    let db = new SnapshotDb(path, { working: true });
    await assert.rejects(groupsPhase.run(ctx(db, graph)), /page 2 failed/);
    assert.equal(db.source.count('group'), 0, 'nothing is applied before the round ends');
    assert.equal(db.checkpoint('groups')?.status, 'running');
    db.close();
    db = new SnapshotDb(path, { working: true });
    assert.equal(await groupsPhase.run(ctx(db, graph)), 5);
    assert.deepEqual(graph.requests, ['0', '1', '2', '2'], 'only the failed page is asked for again');
    assert.deepEqual(
      db.db
        .prepare('SELECT id FROM source_objects ORDER BY id')
        .all()
        .map((r) => r.id),
      ['g1', 'g2', 'g3'],
    );
    assert.deepEqual(
      db.source.links('group', 'g3', 'member').map((l) => l.targetId),
      ['d1', 'u2', 'u3'],
    );
    db.close();
  });

  it('applies a big round in slices, letting other work in between, and resumes after the last slice', async () => {
    // 450 groups over three pages, each also repeated with a member on the last page.
    const groups = Array.from({ length: 450 }, (_, i) => `g${String((i * 7919) % 450).padStart(3, '0')}`);
    const round: GraphGroupDelta[][] = [
      groups.slice(0, 200).map((id) => ({ id, displayName: id, 'members@delta': [ref('user', `u-${id}`)] })),
      groups.slice(200).map((id) => ({ id, displayName: id })),
      groups.map((id) => ({ id, 'members@delta': [ref('device', `d-${id}`)] })),
    ];
    const path = join(tmp.dir, 'a.db');
    let db = new SnapshotDb(path, { working: true });
    // Every reading of the clock is 50 ms after the one before: each batch of items is its own slice.
    let clock = 0;
    const tick = () => (clock += 50);
    // The third slice fails part-way (the store refuses a write), as a killed process would stop.
    let puts = 0;
    const base = phaseStore(db);
    const failing = Object.create(base.source) as typeof base.source;
    failing.put = (kind, id, data) => {
      if (++puts === 250) throw new Error('disk full');
      base.source.put(kind, id, data);
    };
    const statuses: string[] = [];
    const store = {
      ...base,
      source: failing,
      checkpoints: {
        ...base.checkpoints,
        save: (c: Checkpoint) => (statuses.push(c.status), base.checkpoints.save(c)),
      },
    };
    const graph = roundGraph(undefined, round);
    await assert.rejects(groupsPhase.run({ ...ctx(db, graph), store, now: tick }), /disk full/);
    assert.deepEqual(statuses, ['running', 'running', 'running', 'applying', 'applying', 'applying']);
    assert.equal(db.checkpoint('groups')?.status, 'applying');
    // Two slices of 100 staged items (a group's two items each) stayed applied.
    assert.equal(db.source.count('group'), 100);
    db.close();

    db = new SnapshotDb(path, { working: true });
    let turns = 0;
    let spinning = true;
    const spin = () => {
      if (!spinning) return;
      turns++;
      setImmediate(spin);
    };
    spin();
    assert.equal(await groupsPhase.run({ ...ctx(db, graph), now: tick }), 900);
    spinning = false;
    assert.ok(turns >= 3, `other work ran between the slices (${turns} turns)`);
    assert.deepEqual(graph.requests, ['0', '1', '2'], 'no page is read again');
    const direct = new SnapshotDb(join(tmp.dir, 'b.db'), { working: true });
    for (const page of round) for (const item of page) applyGroup(direct.source, item);
    assert.deepEqual(dump(db), dump(direct));
    assert.equal(Number((db.db.prepare('SELECT count(*) AS n FROM staged_items').get() as Item).n), 0);
    db.close();
    direct.close();
  });
});

import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { entraConnector } from '../../src/connector/connector.js';
import { runSync } from '../../src/connector/sync.js';
import { drainPages } from '../../src/framework/pagination.js';
import type { ResourceSyncer } from '../../src/framework/types.js';
import type { GraphClient } from '../../src/graph/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { toGrantRow } from '../../src/snapshot/grant-row.js';
import { openSnapshot } from '../../src/snapshot/open.js';
import { simulatorEnv, useSimulator } from '../support/simulator-env.js';
import { FIXED_NOW } from '../framework/engine/support/harness.js';

/** Never called: the syncers read the source store only. */
const noGraph = {} as GraphClient;

type Row = [string, string, string, string | null];
const byKey = (a: Row, b: Row) => (a.join('\u0000') < b.join('\u0000') ? -1 : 1);

/**
 * A full sync's output step inserts group and licence grants with their syncers' SQL
 * (GrantsQuery), while every incremental re-derives a resource's grants with its `grants`: the two
 * must agree row for row, and count what they leave out alike. Checked on a synced tenant whose
 * store is given, besides its users, groups and devices as group members, every other kind a
 * member can be.
 */
describe('grants in SQL equal the syncers’ grants', function () {
  let dbFile: string;
  const now = () => FIXED_NOW;

  const fx = useSimulator({ preset: 'small', seed: 11, host: '127.0.0.1', now });
  before(async () => {
    const config = loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true' });
    const { file } = await runSync({ config, outFile: join(fx.dir, 'full.snap'), now });
    const snap = await openSnapshot(file);
    dbFile = join(fx.dir, 'store.db');
    try {
      copyFileSync(snap.db.path, dbFile);
    } finally {
      await snap.close();
    }
    // Members of every other kind, on two groups: a managed identity, a service principal the
    // store lacks, an organizational contact, a member of no kind, and a group as owner.
    const db = new SnapshotDb(dbFile);
    try {
      const groups = db.resourcesPage('group', '', 2).map((r) => r.id.resource);
      assert.equal(groups.length, 2);
      const sp = db.db
        .prepare("SELECT id FROM source_objects WHERE kind = 'servicePrincipal' LIMIT 1")
        .get() as { id: string };
      db.transaction(() => {
        db.source.put('servicePrincipal', 'mi-1', { id: 'mi-1', servicePrincipalType: 'ManagedIdentity' });
        for (const [i, owner] of groups.entries()) {
          const link = (rel: string, targetId: string, targetKind: string) =>
            db.source.link({ kind: 'group', ownerId: owner, rel, targetId, targetKind });
          link('member', 'mi-1', 'servicePrincipal');
          link('member', sp.id, 'servicePrincipal');
          link('member', `missing-sp-${i}`, 'servicePrincipal');
          link('member', `contact-${i}`, 'orgContact');
          link('member', `odd-${i}`, '');
          link('owner', groups[1 - i]!, 'group');
          link('owner', 'mi-1', 'servicePrincipal');
        }
      });
    } finally {
      db.close();
    }
  });

  /** Every resource's grants by `grants`. */
  async function bySyncer(db: SnapshotDb, s: ResourceSyncer): Promise<Row[]> {
    const rows: Row[] = [];
    for (let after = ''; ;) {
      const page = db.resourcesPage(s.resourceType.id, after, 50);
      if (!page.length) break;
      after = page.at(-1)!.id.resource;
      for (const r of page)
        for await (const items of drainPages('grants', (t) => s.grants(r, t)))
          rows.push(...items.map(toGrantRow));
    }
    return rows.sort(byKey);
  }

  /** The same by the syncer's GrantsQuery, over three ranges of resources (each bound in one). */
  function byQuery(db: SnapshotDb, s: ResourceSyncer): { rows: Row[]; dropped: Map<string, number> } {
    const q = s.grantsQuery!;
    const ids = db.resourcesPage(s.resourceType.id, '', 1_000_000).map((r) => r.id.resource);
    const bounds = ['', ids[0]!, ids[Math.floor(ids.length / 2)]!, ids.at(-1)!];
    const rows: Row[] = [];
    const dropped = new Map<string, number>();
    for (let i = 1; i < bounds.length; i++) {
      const got = db.db.prepare(q.select).all(bounds[i - 1]!, bounds[i]!) as Record<string, unknown>[];
      rows.push(...got.map((g) => Object.values(g) as Row));
      for (const d of q.drops ? db.db.prepare(q.drops).all(bounds[i - 1]!, bounds[i]!) : [])
        dropped.set(String(d.reason), (dropped.get(String(d.reason)) ?? 0) + Number(d.n));
    }
    return { rows: rows.sort(byKey), dropped };
  }

  for (const devices of [true, false]) {
    it(`with devices ${devices ? '' : 'not '}synced`, async () => {
      const config = loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: String(devices) });
      const db = new SnapshotDb(dbFile, { readOnly: true });
      try {
        const dropped = new Map<string, number>();
        const drop = (reason: string, n = 1) => dropped.set(reason, (dropped.get(reason) ?? 0) + n);
        const syncers = entraConnector(config, noGraph).syncers({
          source: db.source,
          logger: silentLogger,
          now,
          drop,
        });
        const group = syncers.find((s) => s.resourceType.id === 'group')!;
        assert.ok(group.grantsQuery);
        const expected = await bySyncer(db, group);
        assert.ok(dropped.size > 0, 'the store holds members that grants leaves out');
        const got = byQuery(db, group);
        assert.ok(expected.some((r) => r[1] === 'managed_identity'));
        assert.ok(expected.some((r) => r[1] === 'group' && r[3] !== null));
        assert.equal(
          expected.some((r) => r[1] === 'device'),
          devices,
        );
        assert.deepEqual(got.rows.length, expected.length);
        assert.deepEqual(got.rows, expected);
        assert.deepEqual(Object.fromEntries(got.dropped), Object.fromEntries(dropped));
      } finally {
        db.close();
      }
    });
  }

  it('licences: every holder of every licence', async () => {
    const config = loadConfig(simulatorEnv(fx.sim));
    const db = new SnapshotDb(dbFile, { readOnly: true });
    try {
      const license = entraConnector(config, noGraph)
        .syncers({ source: db.source, logger: silentLogger, now, drop: () => undefined })
        .find((s) => s.resourceType.id === 'license')!;
      const expected = await bySyncer(db, license);
      assert.ok(expected.length > 0);
      const got = byQuery(db, license);
      assert.deepEqual(got.rows, expected);
      assert.equal(got.dropped.size, 0);
    } finally {
      db.close();
    }
  });

  it('is not offered when members are filtered by their own properties (on-premises users)', () => {
    const noQuery = (env: Record<string, string>) => {
      const config = loadConfig({ ...simulatorEnv(fx.sim), ...env });
      const db = new SnapshotDb(dbFile, { readOnly: true });
      try {
        const syncers = entraConnector(config, noGraph).syncers({
          source: db.source,
          logger: silentLogger,
          now,
          drop: () => undefined,
        });
        return syncers.find((s) => s.resourceType.id === 'group')!.grantsQuery === undefined;
      } finally {
        db.close();
      }
    };
    assert.equal(noQuery({ BATON_SKIP_AD_GROUPS: 'true' }), true);
    assert.equal(
      noQuery({ BATON_SKIP_AD_GROUPS: 'true', BATON_INCLUDE_ON_PREM_GROUP_MEMBERS: 'true' }),
      false,
    );
  });
});

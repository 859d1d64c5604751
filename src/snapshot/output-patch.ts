import type { StatementSync } from 'node:sqlite';
import type { Entitlement, Grant, Resource, ResourceType } from '../framework/types.js';
import type { SnapshotDb } from './database.js';
import { toGrantRow } from './grant-row.js';

type Row = Record<string, unknown>;

/** Records added less records removed, per output table and per resource type. */
export interface CountDelta {
  resourceTypes: number;
  resources: number;
  entitlements: number;
  grants: number;
  resourcesByType: Record<string, number>;
}

/** What a patch did to one resource's record. */
export type ResourcePatch = 'added' | 'changed' | 'removed' | undefined;

const GRANT_KEY = ['entitlement_id', 'principal_type', 'principal_id'] as const;
const sameGrant = (a: string, b: string) => GRANT_KEY.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
/**
 * A grant's key in `output_changes`: its three key columns joined by U+001F (unit separator), which
 * no id holds; the export id joins them by ':', which entitlement ids hold too and so cannot be
 * split back (the diff writer looks each changed grant up by its key).
 */
const GRANT_ID = 'g.entitlement_id || char(31) || g.principal_type || char(31) || g.principal_id';

/**
 * Changes the output tables record by record, writing only what differs and noting every record
 * added, changed or removed in `output_changes` (what a diff of this sync against its parent
 * holds). Entitlements and grants are replaced a batch of resources at a time: the new ones are
 * staged in temporary tables and compared with the stored ones in SQL, so a resource with a
 * million grants is never held in memory.
 */
export class OutputPatch {
  private readonly s: Record<string, StatementSync> = {};
  /**
   * How the output's counts moved: records added less records removed, per table and per resource
   * type. The parent's counts plus these are the patched output's, without counting a million
   * grants again.
   */
  readonly delta: CountDelta = {
    resourceTypes: 0,
    resources: 0,
    entitlements: 0,
    grants: 0,
    resourcesByType: {},
  };

  constructor(private readonly snap: SnapshotDb) {
    snap.db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS patch_batch (
        resource_type TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (resource_type, id)) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS patch_entitlements (
        id TEXT PRIMARY KEY, resource_type TEXT NOT NULL, resource_id TEXT NOT NULL, slug TEXT NOT NULL,
        data TEXT NOT NULL) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS patch_grants (
        entitlement_id TEXT NOT NULL, principal_type TEXT NOT NULL, principal_id TEXT NOT NULL, extra TEXT,
        PRIMARY KEY (entitlement_id, principal_type, principal_id)) WITHOUT ROWID;
      CREATE TEMP TABLE IF NOT EXISTS patch_gone_entitlements (id TEXT PRIMARY KEY) WITHOUT ROWID;
    `);
  }

  private stmt(sql: string): StatementSync {
    let s = this.s[sql];
    if (!s) {
      s = this.snap.db.prepare(sql);
      this.s[sql] = s;
    }
    return s;
  }

  private note(
    record: 'resource_type' | 'resource' | 'entitlement' | 'grant',
    id: string,
    op: 'put' | 'delete',
  ): void {
    this.stmt('INSERT OR REPLACE INTO output_changes (record, id, op) VALUES (?, ?, ?)').run(record, id, op);
  }

  /** Writes a resource type whose definition differs from the stored one. */
  resourceType(t: ResourceType): void {
    const data = JSON.stringify(t);
    const row = this.stmt('SELECT data FROM resource_types WHERE id = ?').get(t.id) as Row | undefined;
    if (row?.data === data) return;
    if (!row) this.delta.resourceTypes++;
    this.snap.putResourceType(t);
    this.note('resource_type', t.id, 'put');
  }

  /**
   * Makes the stored resource `type`/`id` what `r` says: written where it differs, removed (with
   * its entitlements and their grants) when `r` is undefined.
   */
  resource(type: string, id: string, r: Resource | undefined): ResourcePatch {
    const row = this.stmt('SELECT data FROM resources WHERE resource_type = ? AND id = ?').get(type, id) as
      Row | undefined;
    const key = `${type}:${id}`;
    if (r === undefined) {
      if (!row) return undefined;
      for (const e of this.stmt(
        'SELECT id FROM entitlements WHERE resource_type = ? AND resource_id = ?',
      ).all(type, id) as Row[])
        this.removeEntitlement(e.id as string);
      this.stmt('DELETE FROM resources WHERE resource_type = ? AND id = ?').run(type, id);
      this.note('resource', key, 'delete');
      this.countResource(type, -1);
      return 'removed';
    }
    if (row?.data === JSON.stringify(r)) return undefined;
    this.snap.putResource(r);
    this.note('resource', key, 'put');
    if (row) return 'changed';
    this.countResource(type, 1);
    return 'added';
  }

  private countResource(type: string, n: number): void {
    this.delta.resources += n;
    this.delta.resourcesByType[type] = (this.delta.resourcesByType[type] ?? 0) + n;
  }

  private removeEntitlement(id: string): void {
    this.stmt(
      `INSERT OR REPLACE INTO output_changes (record, id, op)
       SELECT 'grant', ${GRANT_ID}, 'delete' FROM grants g WHERE g.entitlement_id = ?`,
    ).run(id);
    this.delta.grants -= Number(this.stmt('DELETE FROM grants WHERE entitlement_id = ?').run(id).changes);
    this.delta.entitlements -= Number(this.stmt('DELETE FROM entitlements WHERE id = ?').run(id).changes);
    this.note('entitlement', id, 'delete');
  }

  /** Starts a batch of resources whose entitlements and grants are replaced. */
  beginBatch(): void {
    this.snap.db.exec(
      'DELETE FROM temp.patch_batch; DELETE FROM temp.patch_entitlements; DELETE FROM temp.patch_grants;',
    );
  }

  /** One resource of the batch, with the entitlements it offers now. */
  stageResource(type: string, id: string, entitlements: Entitlement[]): void {
    this.stmt('INSERT OR IGNORE INTO temp.patch_batch (resource_type, id) VALUES (?, ?)').run(type, id);
    for (const e of entitlements)
      this.stmt(
        'INSERT OR REPLACE INTO temp.patch_entitlements (id, resource_type, resource_id, slug, data) VALUES (?, ?, ?, ?, ?)',
      ).run(e.id, e.resource.resourceType, e.resource.resource, e.slug, JSON.stringify(e));
  }

  stageGrant(g: Grant): void {
    this.stmt(
      'INSERT OR REPLACE INTO temp.patch_grants (entitlement_id, principal_type, principal_id, extra) VALUES (?, ?, ?, ?)',
    ).run(...toGrantRow(g));
  }

  // The joins below are CROSS JOINs: SQLite then loops over the small staged table and looks the
  // stored rows up by key. Left to itself (it has no statistics of temp tables) it scanned every
  // stored grant of the tenant for each batch.

  /**
   * Applies the batch: grants to principals the output does not hold are left out (as a full
   * output leaves them out), then entitlements and grants the resources no longer have go and new
   * or changed ones are written. Returns how many staged grants were left out, by principal type.
   */
  endBatch(): Map<string, number> {
    const db = this.snap.db;
    const unknown =
      'NOT EXISTS (SELECT 1 FROM resources r WHERE r.resource_type = g.principal_type AND r.id = g.principal_id)';
    const dropped = db
      .prepare(
        `SELECT principal_type AS type, count(*) AS n FROM temp.patch_grants g WHERE ${unknown} GROUP BY 1`,
      )
      .all() as Row[];
    if (dropped.length) db.exec(`DELETE FROM temp.patch_grants AS g WHERE ${unknown}`);
    // Entitlements the batch's resources offered and offer no more.
    db.exec(`
      DELETE FROM temp.patch_gone_entitlements;
      INSERT INTO temp.patch_gone_entitlements (id)
        SELECT e.id FROM temp.patch_batch b
        CROSS JOIN entitlements e ON e.resource_type = b.resource_type AND e.resource_id = b.id
        WHERE NOT EXISTS (SELECT 1 FROM temp.patch_entitlements n WHERE n.id = e.id);
    `);
    for (const e of db.prepare('SELECT id FROM temp.patch_gone_entitlements').all() as Row[])
      this.removeEntitlement(e.id as string);
    for (const e of db
      .prepare(
        `SELECT n.id, n.resource_type, n.resource_id, n.slug, n.data FROM temp.patch_entitlements n
         WHERE NOT EXISTS (SELECT 1 FROM entitlements e WHERE e.id = n.id AND e.data = n.data)`,
      )
      .all() as Row[]) {
      if (!this.stmt('SELECT 1 FROM entitlements WHERE id = ?').get(e.id as string))
        this.delta.entitlements++;
      this.stmt(
        'INSERT OR REPLACE INTO entitlements (id, resource_type, resource_id, slug, data) VALUES (?, ?, ?, ?, ?)',
      ).run(
        e.id as string,
        e.resource_type as string,
        e.resource_id as string,
        e.slug as string,
        e.data as string,
      );
      this.note('entitlement', e.id as string, 'put');
    }
    // Grants of the batch's entitlements that are not among the new ones, then new or changed
    // ones: noted and written in SQL, so a resource with a million grants is never in memory.
    const gone = `FROM temp.patch_entitlements n CROSS JOIN grants g ON g.entitlement_id = n.id
      WHERE NOT EXISTS (SELECT 1 FROM temp.patch_grants p WHERE ${sameGrant('p', 'g')})`;
    db.exec(
      `INSERT OR REPLACE INTO output_changes (record, id, op) SELECT 'grant', ${GRANT_ID}, 'delete' ${gone}`,
    );
    this.delta.grants -= Number(
      db
        .prepare(
          `DELETE FROM grants AS g WHERE g.entitlement_id IN (SELECT id FROM temp.patch_entitlements)
             AND NOT EXISTS (SELECT 1 FROM temp.patch_grants p WHERE ${sameGrant('p', 'g')})`,
        )
        .run().changes,
    );
    const fresh = `FROM temp.patch_grants g
      WHERE NOT EXISTS (SELECT 1 FROM grants o WHERE ${sameGrant('o', 'g')} AND o.extra IS g.extra)`;
    this.delta.grants += Number(
      (
        db
          .prepare(
            `SELECT count(*) AS n FROM temp.patch_grants g
             WHERE NOT EXISTS (SELECT 1 FROM grants o WHERE ${sameGrant('o', 'g')})`,
          )
          .get() as Row
      ).n,
    );
    db.exec(`
      INSERT OR REPLACE INTO output_changes (record, id, op) SELECT 'grant', ${GRANT_ID}, 'put' ${fresh};
      INSERT OR REPLACE INTO grants (entitlement_id, principal_type, principal_id, extra)
        SELECT g.entitlement_id, g.principal_type, g.principal_id, g.extra ${fresh};
    `);
    return new Map(dropped.map((r) => [r.type as string, Number(r.n)]));
  }

  /** Records changed by this patch so far, by kind and operation (for the log). */
  counts(): Record<string, number> {
    const rows = this.snap.db
      .prepare("SELECT record || ':' || op AS k, count(*) AS n FROM output_changes GROUP BY 1 ORDER BY 1")
      .all() as Row[];
    return Object.fromEntries(rows.map((r) => [r.k as string, Number(r.n)]));
  }
}

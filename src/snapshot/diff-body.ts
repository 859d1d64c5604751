import { DatabaseSync } from 'node:sqlite';
import type { SnapshotDb } from './database.js';
import { SNAPSHOT_TABLES } from './schema.js';

/**
 * The body of a diff snapshot: a small SQLite database holding what changed from the parent.
 * - `meta` and `resource_types` whole (a few rows; they replace the parent's);
 * - the other snapshot tables hold the rows added or changed, as they are now;
 * - `removed_<table>` hold the keys of the rows that went.
 * Applying it to the parent's database (`applyDiffBody`) gives this sync's database.
 */
const REMOVED_TABLES = `
CREATE TABLE IF NOT EXISTS removed_resources (
  resource_type TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (resource_type, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removed_entitlements (id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removed_grants (
  entitlement_id TEXT NOT NULL, principal_type TEXT NOT NULL, principal_id TEXT NOT NULL,
  PRIMARY KEY (entitlement_id, principal_type, principal_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removed_source_objects (
  kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS removed_source_links (
  kind TEXT NOT NULL, owner_id TEXT NOT NULL, rel TEXT NOT NULL, target_id TEXT NOT NULL,
  extra TEXT NOT NULL, PRIMARY KEY (kind, owner_id, rel, target_id, extra)) WITHOUT ROWID;
`;

/** Each changeable table with its key columns and its other columns. */
const TABLES: Record<string, { key: string[]; rest: string[] }> = {
  resources: { key: ['resource_type', 'id'], rest: ['display_name', 'data'] },
  entitlements: { key: ['id'], rest: ['resource_type', 'resource_id', 'slug', 'data'] },
  grants: { key: ['entitlement_id', 'principal_type', 'principal_id'], rest: ['extra'] },
  source_objects: { key: ['kind', 'id'], rest: ['data'] },
  source_links: { key: ['kind', 'owner_id', 'rel', 'target_id', 'extra'], rest: ['target_kind'] },
};

/** Records a diff holds, by table. */
export type DiffChanges = Record<string, { put: number; removed: number }>;

/** The working database cannot say what changed (a patch recorded by an older build): write it whole. */
export class DiffUnavailable extends Error {}

const on = (cols: string[], a: string, b: string) => cols.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');
const ENGINE_META = "key GLOB 'work:*' OR key GLOB 'replaying:*' OR key GLOB 'store:*' OR key GLOB 'sync:*'";

/**
 * The changed keys of each output table, from a patch's `output_changes`: resource keys are
 * `<type>:<id>` (types hold no ':'), grant keys their three columns joined by char(31).
 */
const CHANGED_KEYS: Record<'resources' | 'entitlements' | 'grants', string> = {
  resources: `SELECT substr(c.id, 1, instr(c.id, ':') - 1) AS resource_type, substr(c.id, instr(c.id, ':') + 1) AS id
    FROM main.output_changes c WHERE c.record = 'resource'`,
  entitlements: `SELECT c.id AS id FROM main.output_changes c WHERE c.record = 'entitlement'`,
  grants: `SELECT k.entitlement_id, substr(k.rest, 1, instr(k.rest, char(31)) - 1) AS principal_type,
      substr(k.rest, instr(k.rest, char(31)) + 1) AS principal_id
    FROM (SELECT substr(c.id, 1, instr(c.id, char(31)) - 1) AS entitlement_id, substr(c.id, instr(c.id, char(31)) + 1) AS rest
          FROM main.output_changes c WHERE c.record = 'grant') k`,
};

/**
 * Writes the changes a patching incremental made to `work` (its `output_changes` and source
 * before-images) as a new diff database at `path`, with `identity` (the sync's `sync:` keys) in its
 * meta. Only the records that differ from the parent: a key that was touched and is back as it was
 * is left out. Throws DiffUnavailable when the record of changes cannot be read.
 */
export function writeDiffBody(work: SnapshotDb, path: string, identity: Record<string, string>): DiffChanges {
  const db = work.db;
  const unreadable = db
    .prepare(
      `SELECT 1 FROM output_changes WHERE (record = 'grant' AND instr(id, char(31)) = 0)
         OR (record = 'resource' AND instr(id, ':') = 0) LIMIT 1`,
    )
    .get();
  if (unreadable) throw new DiffUnavailable('the changed grants are recorded in an older form');
  const out = new DatabaseSync(path);
  out.exec('PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;');
  out.exec(SNAPSHOT_TABLES);
  out.exec(REMOVED_TABLES);
  out.close();
  db.prepare('ATTACH DATABASE ? AS diff').run(path);
  try {
    db.exec('BEGIN');
    try {
      db.exec(
        `INSERT INTO diff.meta (key, value) SELECT key, value FROM main.meta WHERE NOT (${ENGINE_META})`,
      );
      const meta = db.prepare('INSERT OR REPLACE INTO diff.meta (key, value) VALUES (?, ?)');
      for (const [k, v] of Object.entries(identity)) meta.run(k, v);
      db.exec('INSERT INTO diff.resource_types (id, data) SELECT id, data FROM main.resource_types');
      for (const [table, keys] of Object.entries(CHANGED_KEYS)) {
        const { key, rest } = TABLES[table]!;
        const cols = [...key, ...rest].join(', ');
        // CROSS JOIN: loop over the few changed keys, look each row up by its key.
        db.exec(`
          INSERT OR IGNORE INTO diff.${table} (${cols})
            SELECT ${[...key, ...rest].map((c) => `t.${c}`).join(', ')} FROM (${keys}) k
            CROSS JOIN main.${table} t ON ${on(key, 't', 'k')};
          INSERT OR IGNORE INTO diff.removed_${table} (${key.join(', ')})
            SELECT ${key.map((c) => `k.${c}`).join(', ')} FROM (${keys}) k
            WHERE NOT EXISTS (SELECT 1 FROM main.${table} t WHERE ${on(key, 't', 'k')});
        `);
      }
      // Source rows: the before-images hold the parent's version of every row the collection
      // touched (NULL: it had none).
      db.exec(`
        INSERT INTO diff.source_objects (kind, id, data)
          SELECT o.kind, o.id, o.data FROM main.source_objects_before b
          CROSS JOIN main.source_objects o ON o.kind = b.kind AND o.id = b.id WHERE b.data IS NOT o.data;
        INSERT INTO diff.removed_source_objects (kind, id)
          SELECT b.kind, b.id FROM main.source_objects_before b WHERE b.data IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM main.source_objects o WHERE o.kind = b.kind AND o.id = b.id);
        INSERT INTO diff.source_links (kind, owner_id, rel, target_id, extra, target_kind)
          SELECT l.kind, l.owner_id, l.rel, l.target_id, l.extra, l.target_kind FROM main.source_links_before b
          CROSS JOIN main.source_links l ON ${on(TABLES.source_links!.key, 'l', 'b')}
          WHERE b.target_kind IS NOT l.target_kind;
        INSERT INTO diff.removed_source_links (kind, owner_id, rel, target_id, extra)
          SELECT b.kind, b.owner_id, b.rel, b.target_id, b.extra FROM main.source_links_before b
          WHERE b.target_kind IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM main.source_links l WHERE ${on(TABLES.source_links!.key, 'l', 'b')});
      `);
      db.exec('COMMIT');
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
    return countChanges(db, 'diff');
  } finally {
    db.exec('DETACH DATABASE diff');
  }
}

function countChanges(db: DatabaseSync, schema: string): DiffChanges {
  const n = (t: string) =>
    Number((db.prepare(`SELECT count(*) AS n FROM ${schema}.${t}`).get() as { n: number }).n);
  return Object.fromEntries(Object.keys(TABLES).map((t) => [t, { put: n(t), removed: n(`removed_${t}`) }]));
}

/** A diff body's record counts (for checking it against its header). */
export function diffBodyChanges(diffPath: string): DiffChanges {
  const db = new DatabaseSync(diffPath, { readOnly: true });
  try {
    return countChanges(db, 'main');
  } finally {
    db.close();
  }
}

/**
 * Applies the diff body at `diffPath` to `target` (the parent's database), in one transaction:
 * meta and resource types replaced, removed keys deleted, changed rows written. `check` runs last
 * inside the transaction: when it throws, nothing is applied.
 */
export function applyDiffBody(target: SnapshotDb, diffPath: string, check?: () => void): void {
  const db = target.db;
  db.prepare('ATTACH DATABASE ? AS diff').run(diffPath);
  try {
    target.transaction(() => {
      db.exec(`
        DELETE FROM main.meta; INSERT INTO main.meta (key, value) SELECT key, value FROM diff.meta;
        DELETE FROM main.resource_types;
        INSERT INTO main.resource_types (id, data) SELECT id, data FROM diff.resource_types;
      `);
      for (const [table, { key, rest }] of Object.entries(TABLES)) {
        const cols = [...key, ...rest].join(', ');
        db.exec(`
          DELETE FROM main.${table} WHERE (${key.join(', ')}) IN (SELECT ${key.join(', ')} FROM diff.removed_${table});
          INSERT OR REPLACE INTO main.${table} (${cols}) SELECT ${cols} FROM diff.${table};
        `);
      }
      check?.();
    });
  } finally {
    db.exec('DETACH DATABASE diff');
  }
}

import type { DatabaseSync } from 'node:sqlite';
import type { SourceLog } from '../framework/collect.js';
import type { LinkChange, ObjectChange, SourceChanges } from '../framework/source.js';

type Row = Record<string, unknown>;

const LINK_KEY = ['kind', 'owner_id', 'rel', 'target_id', 'extra'] as const;
const sameLink = (a: string, b: string) => LINK_KEY.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ');

/**
 * Before-images of every source row a statement is about to insert, replace, update or delete,
 * kept once per row (the first touch holds the parent's version). Triggers rather than calls in
 * the source store, so a connector's own SQL (a prune, a bulk delete) is recorded too. TEMP: they
 * belong to this connection and never reach a snapshot file; the before-images are written in the
 * same transaction as the change itself, so a resumed sync still has them.
 */
const OBJECT_BEFORE = (kind: string, id: string, data: string) =>
  `INSERT INTO source_objects_before (kind, id, data) SELECT ${kind}, ${id}, ${data}
   WHERE NOT EXISTS (SELECT 1 FROM source_objects_before b WHERE b.kind = ${kind} AND b.id = ${id});`;
const LINK_BEFORE = (row: string, targetKind: string) =>
  `INSERT INTO source_links_before (kind, owner_id, rel, target_id, extra, target_kind)
   SELECT ${row}.kind, ${row}.owner_id, ${row}.rel, ${row}.target_id, ${row}.extra, ${targetKind}
   WHERE NOT EXISTS (SELECT 1 FROM source_links_before b WHERE ${sameLink('b', row)});`;
const CURRENT_DATA = '(SELECT data FROM source_objects o WHERE o.kind = NEW.kind AND o.id = NEW.id)';
const CURRENT_TARGET_KIND = `(SELECT target_kind FROM source_links l WHERE ${sameLink('l', 'NEW')})`;

// No conflict clause in the bodies: an outer INSERT OR REPLACE would impose its own on them
// (https://www.sqlite.org/lang_createtrigger.html), replacing the first before-image.
const TRIGGERS = `
CREATE TEMP TRIGGER IF NOT EXISTS source_objects_insert BEFORE INSERT ON main.source_objects BEGIN
  ${OBJECT_BEFORE('NEW.kind', 'NEW.id', CURRENT_DATA)}
END;
CREATE TEMP TRIGGER IF NOT EXISTS source_objects_update BEFORE UPDATE ON main.source_objects BEGIN
  ${OBJECT_BEFORE('OLD.kind', 'OLD.id', 'OLD.data')}
  ${OBJECT_BEFORE('NEW.kind', 'NEW.id', CURRENT_DATA)}
END;
CREATE TEMP TRIGGER IF NOT EXISTS source_objects_delete BEFORE DELETE ON main.source_objects BEGIN
  ${OBJECT_BEFORE('OLD.kind', 'OLD.id', 'OLD.data')}
END;
CREATE TEMP TRIGGER IF NOT EXISTS source_links_insert BEFORE INSERT ON main.source_links BEGIN
  ${LINK_BEFORE('NEW', CURRENT_TARGET_KIND)}
END;
CREATE TEMP TRIGGER IF NOT EXISTS source_links_update BEFORE UPDATE ON main.source_links BEGIN
  ${LINK_BEFORE('OLD', 'OLD.target_kind')}
  ${LINK_BEFORE('NEW', CURRENT_TARGET_KIND)}
END;
CREATE TEMP TRIGGER IF NOT EXISTS source_links_delete BEFORE DELETE ON main.source_links BEGIN
  ${LINK_BEFORE('OLD', 'OLD.target_kind')}
END;
`;

/** Starts recording before-images of the source rows this connection changes. */
export function watchSourceChanges(db: DatabaseSync): void {
  db.exec(TRIGGERS);
}

/** Stops recording (the before-images stay until `forgetSourceChanges`). */
export function unwatchSourceChanges(db: DatabaseSync): void {
  for (const t of ['objects', 'links'])
    for (const op of ['insert', 'update', 'delete']) db.exec(`DROP TRIGGER IF EXISTS temp.source_${t}_${op}`);
}

export function forgetSourceChanges(db: DatabaseSync): void {
  db.exec('DELETE FROM source_objects_before; DELETE FROM source_links_before;');
}

const OBJECTS = 'temp.changed_objects';
const LINKS = 'temp.changed_links';

/**
 * The net changes the before-images record, compared with the rows as they are now: an object
 * whose data differ (or that came or went), an edge that came or went (an edge whose target kind
 * changed is the old one gone and the new one come).
 */
export function sourceChanges(db: DatabaseSync): SourceChanges {
  db.exec(`
    DROP TABLE IF EXISTS ${OBJECTS};
    CREATE TEMP TABLE changed_objects (kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id)) WITHOUT ROWID;
    INSERT INTO ${OBJECTS} (kind, id)
      SELECT b.kind, b.id FROM source_objects_before b
      LEFT JOIN source_objects o ON o.kind = b.kind AND o.id = b.id
      WHERE b.data IS NOT o.data;
    DROP TABLE IF EXISTS ${LINKS};
    CREATE TEMP TABLE changed_links (
      kind TEXT NOT NULL, owner_id TEXT NOT NULL, rel TEXT NOT NULL, target_id TEXT NOT NULL,
      extra TEXT NOT NULL, target_kind TEXT NOT NULL, added INTEGER NOT NULL,
      PRIMARY KEY (kind, owner_id, rel, target_id, extra, added)) WITHOUT ROWID;
    INSERT INTO ${LINKS} (kind, owner_id, rel, target_id, extra, target_kind, added)
      SELECT b.kind, b.owner_id, b.rel, b.target_id, b.extra, b.target_kind, 0 FROM source_links_before b
      LEFT JOIN source_links l ON ${sameLink('l', 'b')}
      WHERE b.target_kind IS NOT NULL AND b.target_kind IS NOT l.target_kind;
    INSERT INTO ${LINKS} (kind, owner_id, rel, target_id, extra, target_kind, added)
      SELECT l.kind, l.owner_id, l.rel, l.target_id, l.extra, l.target_kind, 1 FROM source_links_before b
      JOIN source_links l ON ${sameLink('l', 'b')}
      WHERE b.target_kind IS NOT l.target_kind;
  `);
  const objectsOf = db.prepare(
    `SELECT c.id, b.data AS before, o.data AS after FROM ${OBJECTS} c
     JOIN source_objects_before b ON b.kind = c.kind AND b.id = c.id
     LEFT JOIN source_objects o ON o.kind = c.kind AND o.id = c.id
     WHERE c.kind = ? ORDER BY c.id`,
  );
  const linksOf = db.prepare(
    `SELECT owner_id, rel, target_id, extra, target_kind, added FROM ${LINKS} WHERE kind = ?
     ORDER BY owner_id, rel, target_id, extra, added`,
  );
  const parse = <T>(v: unknown): T | undefined => (v == null ? undefined : (JSON.parse(v as string) as T));
  return {
    *objects<T>(kind: string): Generator<ObjectChange<T>> {
      for (const r of objectsOf.iterate(kind) as Iterable<Row>) {
        const c: ObjectChange<T> = { kind, id: r.id as string };
        const before = parse<T>(r.before);
        const after = parse<T>(r.after);
        if (before !== undefined) c.before = before;
        if (after !== undefined) c.after = after;
        yield c;
      }
    },
    *links(kind: string): Generator<LinkChange> {
      for (const r of linksOf.iterate(kind) as Iterable<Row>) {
        yield {
          link: {
            kind,
            ownerId: r.owner_id as string,
            rel: r.rel as string,
            targetId: r.target_id as string,
            targetKind: r.target_kind as string,
            extra: r.extra as string,
          },
          added: r.added === 1,
        };
      }
    },
    any(objectKinds, linkKinds = []) {
      const some = (table: string, kinds: readonly string[]) =>
        kinds.length > 0 &&
        db
          .prepare(`SELECT 1 FROM ${table} WHERE kind IN (${kinds.map(() => '?').join(',')}) LIMIT 1`)
          .get(...kinds) !== undefined;
      return some(OBJECTS, objectKinds) || some(LINKS, linkKinds);
    },
    tables: { objects: OBJECTS, links: LINKS },
  };
}

/** How many objects and edges of each kind changed (for the log). */
export function changeCounts(db: DatabaseSync): {
  objects: Record<string, number>;
  links: Record<string, number>;
} {
  const n = (t: string) =>
    Object.fromEntries(
      (db.prepare(`SELECT kind, count(*) AS n FROM ${t} GROUP BY kind ORDER BY kind`).all() as Row[]).map(
        (r) => [r.kind as string, Number(r.n)],
      ),
    );
  return { objects: n(OBJECTS), links: n(LINKS) };
}

/**
 * Answers `SourceLog` from the before-images: a few rows (those the collection touched), so each
 * question costs a lookup per touched row, not a pass over the store.
 */
export function sourceLog(db: DatabaseSync): SourceLog {
  const marks = (kinds: readonly string[]) => kinds.map(() => '?').join(', ');
  return {
    removedObjects: (kinds) =>
      kinds.length > 0 &&
      db
        .prepare(
          `SELECT 1 FROM source_objects_before b WHERE b.kind IN (${marks(kinds)}) AND b.data IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM source_objects o WHERE o.kind = b.kind AND o.id = b.id) LIMIT 1`,
        )
        .get(...kinds) !== undefined,
    addedLinks: (kinds) =>
      kinds.length > 0 &&
      db
        .prepare(
          `SELECT 1 FROM source_links_before b WHERE b.kind IN (${marks(kinds)}) AND b.target_kind IS NULL LIMIT 1`,
        )
        .get(...kinds) !== undefined,
  };
}

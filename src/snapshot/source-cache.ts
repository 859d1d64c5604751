import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { LinkKey, SourceLink, SourceSql, SourceStore } from '../framework/source.js';

export type { LinkKey, SourceLink };

type Row = Record<string, unknown>;

/**
 * A connector's objects and relationships as a sync last saw them (the source store), in SQLite so memory stays
 * flat in tenant size. Delta rounds upsert and remove by id; listings replace whole kinds.
 */
export class SourceCache implements SourceStore {
  private readonly s: Record<string, StatementSync>;

  readonly sql: SourceSql;

  constructor(private readonly db: DatabaseSync) {
    this.sql = db as unknown as SourceSql;
    this.s = {
      getObject: db.prepare('SELECT data FROM source_objects WHERE kind = ? AND id = ?'),
      putObject: db.prepare('INSERT OR REPLACE INTO source_objects (kind, id, data) VALUES (?, ?, ?)'),
      deleteObject: db.prepare('DELETE FROM source_objects WHERE kind = ? AND id = ?'),
      deleteOwnedLinks: db.prepare('DELETE FROM source_links WHERE kind = ? AND owner_id = ?'),
      deleteOwnedRel: db.prepare('DELETE FROM source_links WHERE kind = ? AND owner_id = ? AND rel = ?'),
      putLink: db.prepare(
        'INSERT OR IGNORE INTO source_links (kind, owner_id, rel, target_id, target_kind, extra) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      deleteLink: db.prepare(
        'DELETE FROM source_links WHERE kind = ? AND owner_id = ? AND rel = ? AND target_id = ?',
      ),
      objectsAfter: db.prepare(
        'SELECT id, data FROM source_objects WHERE kind = ? AND id > ? ORDER BY id LIMIT ?',
      ),
      linksOf: db.prepare(
        'SELECT rel, target_id, target_kind, extra FROM source_links WHERE kind = ? AND owner_id = ? ORDER BY rel, target_id, extra',
      ),
      linksOfRel: db.prepare(
        'SELECT target_id, target_kind, extra FROM source_links WHERE kind = ? AND owner_id = ? AND rel = ? ORDER BY target_id, extra',
      ),
      countKind: db.prepare('SELECT count(*) AS n FROM source_objects WHERE kind = ?'),
      linksPage: arrays(
        db.prepare(
          `SELECT rel, target_id, target_kind, extra FROM source_links
           WHERE kind = ? AND owner_id = ? AND rel >= ? AND rel < ? AND (rel, target_id, extra) > (?, ?, ?)
           ORDER BY rel, target_id, extra LIMIT ?`,
        ),
      ),
    };
  }

  get<T>(kind: string, id: string): T | undefined {
    const row = this.s.getObject!.get(kind, id) as Row | undefined;
    return row ? (JSON.parse(row.data as string) as T) : undefined;
  }

  put(kind: string, id: string, data: unknown): void {
    this.s.putObject!.run(kind, id, JSON.stringify(data));
  }

  /** Deletes an object and every relationship it owns. */
  remove(kind: string, id: string): void {
    this.s.deleteObject!.run(kind, id);
    this.s.deleteOwnedLinks!.run(kind, id);
  }

  link(l: SourceLink): void {
    this.s.putLink!.run(l.kind, l.ownerId, l.rel, l.targetId, l.targetKind, l.extra ?? '');
  }

  unlink(kind: string, ownerId: string, rel: string, targetId: string): void {
    this.s.deleteLink!.run(kind, ownerId, rel, targetId);
  }

  clearRel(kind: string, ownerId: string, rel: string): void {
    this.s.deleteOwnedRel!.run(kind, ownerId, rel);
  }

  /** Forgets every object and relationship of these kinds (before a listing replaces them). */
  clearKinds(objectKinds: readonly string[], linkKinds: readonly string[]): void {
    for (const k of objectKinds) this.db.prepare('DELETE FROM source_objects WHERE kind = ?').run(k);
    for (const k of linkKinds) this.db.prepare('DELETE FROM source_links WHERE kind = ?').run(k);
  }

  /** Up to `limit` objects of a kind with id greater than `afterId`, in id order (keyset paging). */
  page<T>(kind: string, afterId: string, limit: number): { id: string; data: T }[] {
    return (this.s.objectsAfter!.all(kind, afterId, limit) as Row[]).map((r) => ({
      id: r.id as string,
      data: JSON.parse(r.data as string) as T,
    }));
  }

  *all<T>(kind: string, pageSize = 500): Generator<{ id: string; data: T }> {
    let after = '';
    for (;;) {
      const rows = this.page<T>(kind, after, pageSize);
      yield* rows;
      if (rows.length < pageSize) return;
      after = rows.at(-1)!.id;
    }
  }

  links(kind: string, ownerId: string, rel?: string): SourceLink[] {
    const rows =
      rel === undefined
        ? (this.s.linksOf!.all(kind, ownerId) as Row[])
        : (this.s.linksOfRel!.all(kind, ownerId, rel) as Row[]);
    return rows.map((r) => ({
      kind,
      ownerId,
      rel: (r.rel as string | undefined) ?? rel!,
      targetId: r.target_id as string,
      targetKind: r.target_kind as string,
      extra: r.extra as string,
    }));
  }

  /**
   * Keyset page of the edges of `owner` whose rel starts with `relPrefix`, after the edge
   * `after` = [rel, targetId, extra] (exclusive); `['', '', '']` starts at the beginning.
   */
  linksPage(kind: string, ownerId: string, relPrefix: string, after: LinkKey, limit: number): SourceLink[] {
    // Rows as arrays: a million edges are read for every sync's output, and building a keyed row
    // object for each cost a third of the reading.
    const rows = this.s.linksPage!.all(
      kind,
      ownerId,
      relPrefix,
      `${relPrefix}\uffff`,
      ...after,
      limit,
    ) as unknown as string[][];
    return rows.map((r) => ({
      kind,
      ownerId,
      rel: r[0]!,
      targetId: r[1]!,
      targetKind: r[2]!,
      extra: r[3]!,
    }));
  }

  hasLinks(kind: string, ownerId: string, relPrefix: string): boolean {
    return this.linksPage(kind, ownerId, relPrefix, ['', '', ''], 1).length > 0;
  }

  count(kind: string): number {
    return Number((this.s.countKind!.get(kind) as Row).n);
  }
}

function arrays(s: StatementSync): StatementSync {
  s.setReturnArrays(true);
  return s;
}

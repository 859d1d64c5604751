import type { DatabaseSync, StatementSync } from 'node:sqlite';

/** One relationship edge as the source cache keeps it. */
export interface SourceLink {
  kind: string;
  ownerId: string;
  rel: string;
  targetId: string;
  targetKind: string;
  /** Distinguishes parallel edges (e.g. one role assignment per directory scope). */
  extra?: string;
}

type Row = Record<string, unknown>;

/** A position in a keyset walk over edges. */
export type LinkKey = [string, string, string];

/**
 * Graph objects and relationships as a sync last saw them, kept in SQLite so that memory stays
 * flat in tenant size. Delta rounds upsert and remove by id; listings replace whole kinds.
 */
export class SourceCache {
  private readonly s: Record<string, StatementSync>;

  constructor(private readonly db: DatabaseSync) {
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
      // `rel = 'license'` written out: only then can SQLite use the partial index.
      licensees: db.prepare(
        "SELECT kind, owner_id, target_kind, extra FROM source_links WHERE rel = 'license' AND target_id = ? ORDER BY kind, owner_id, extra",
      ),
      countKind: db.prepare('SELECT count(*) AS n FROM source_objects WHERE kind = ?'),
      // The manager as links() would list it first, and that user's mail (its UPN when it has none).
      usersPage: db.prepare(
        `SELECT u.id, u.data, u.manager_id,
           (SELECT coalesce(json_extract(m.data, '$.mail'), json_extract(m.data, '$.userPrincipalName'))
            FROM source_objects m WHERE m.kind = 'user' AND m.id = u.manager_id) AS manager_email
         FROM (SELECT o.id, o.data,
                 (SELECT l.target_id FROM source_links l
                  WHERE l.kind = 'user' AND l.owner_id = o.id AND l.rel = 'manager'
                  ORDER BY l.target_id, l.extra LIMIT 1) AS manager_id
               FROM source_objects o WHERE o.kind = 'user' AND o.id > ? ORDER BY o.id LIMIT ?) u
         ORDER BY u.id`,
      ),
      linksPage: arrays(
        db.prepare(
          `SELECT rel, target_id, target_kind, extra FROM source_links
           WHERE kind = ? AND owner_id = ? AND rel >= ? AND rel < ? AND (rel, target_id, extra) > (?, ?, ?)
           ORDER BY rel, target_id, extra LIMIT ?`,
        ),
      ),
      licenseesPage: db.prepare(
        `SELECT kind, owner_id, target_kind, extra FROM source_links
         WHERE rel = 'license' AND target_id = ? AND (kind, owner_id, extra) > (?, ?, ?)
         ORDER BY kind, owner_id, extra LIMIT ?`,
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
  clearKinds(objectKinds: string[], linkKinds: string[]): void {
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

  /**
   * Keyset page of users, each with its manager's id and email, in one statement: looked up one by
   * one, the manager lookups were most of the cost of listing a million users.
   */
  usersPage<T>(
    afterId: string,
    limit: number,
  ): { id: string; data: T; managerId?: string; managerEmail?: unknown }[] {
    return (this.s.usersPage!.all(afterId, limit) as Row[]).map((r) => ({
      id: r.id as string,
      data: JSON.parse(r.data as string) as T,
      ...(r.manager_id != null ? { managerId: r.manager_id as string } : {}),
      ...(r.manager_email != null ? { managerEmail: r.manager_email } : {}),
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

  /** The `license` edges pointing at SKU `skuId`: who holds the license. */
  licensees(skuId: string): SourceLink[] {
    return (this.s.licensees!.all(skuId) as Row[]).map((r) => licenseEdge(r, skuId));
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

  /** Keyset page of `licensees(skuId)`, after [kind, ownerId, extra] (exclusive). */
  licenseesPage(skuId: string, after: LinkKey, limit: number): SourceLink[] {
    const rows = this.s.licenseesPage!.all(skuId, ...after, limit) as Row[];
    return rows.map((r) => licenseEdge(r, skuId));
  }

  hasLinks(kind: string, ownerId: string, relPrefix: string): boolean {
    return this.linksPage(kind, ownerId, relPrefix, ['', '', ''], 1).length > 0;
  }

  count(kind: string): number {
    return Number((this.s.countKind!.get(kind) as Row).n);
  }
}

function licenseEdge(r: Row, skuId: string): SourceLink {
  return {
    kind: r.kind as string,
    ownerId: r.owner_id as string,
    rel: 'license',
    targetId: skuId,
    targetKind: r.target_kind as string,
    extra: r.extra as string,
  };
}

function arrays(s: StatementSync): StatementSync {
  s.setReturnArrays(true);
  return s;
}

import type { LinkKey, SourceLink, SourceSql } from '../../framework/source.js';

type Row = Record<string, unknown>;
type Statement = ReturnType<SourceSql['prepare']>;

/**
 * Who holds a license, read by the output step; written at random by users. Partial: the other
 * edges (a million group memberships) are never looked up by target, and indexing them cost a
 * second copy of the edges in every snapshot. Covering (it holds every column the reader asks
 * for), so reading a license's holders never touches the edges themselves: on a 1M-user tenant
 * those lookups, a million at random, added ~45 MiB to the sync's peak RSS.
 */
export const SOURCE_INDEXES = {
  source_links_by_license:
    "CREATE INDEX IF NOT EXISTS source_links_by_license ON source_links (target_id, kind, owner_id, extra, target_kind) WHERE rel = 'license'",
} as const;

/** A user's mail, or its UPN when it has none, from the user's row aliased `alias`. */
const mailOf = (alias: string) =>
  `coalesce(json_extract(${alias}.data, '$.mail'), json_extract(${alias}.data, '$.userPrincipalName'))`;

/**
 * The Entra connector's own queries over its source store: where one statement does what the
 * generic methods would do in a million lookups (a user's manager and the manager's mail, a
 * license's holders, the users of scope groups, edges to deleted principals).
 */
export class EntraSourceQueries {
  private readonly s: Record<'user' | 'licensees' | 'licenseesPage', Statement>;
  /** `usersPage`'s statement, prepared once the mail table it reads is built. */
  private usersPageStmt: Statement | undefined;

  constructor(private readonly sql: SourceSql) {
    this.s = {
      user: this.users(
        'o.id = ?',
        `(SELECT ${mailOf('m')} FROM source_objects m WHERE m.kind = 'user' AND m.id = u.manager_id)`,
      ),
      // `rel = 'license'` written out: only then can SQLite use the partial index.
      licensees: sql.prepare(
        "SELECT kind, owner_id, target_kind, extra FROM source_links WHERE rel = 'license' AND target_id = ? ORDER BY kind, owner_id, extra",
      ),
      licenseesPage: sql.prepare(
        `SELECT kind, owner_id, target_kind, extra FROM source_links
         WHERE rel = 'license' AND target_id = ? AND (kind, owner_id, extra) > (?, ?, ?)
         ORDER BY kind, owner_id, extra LIMIT ?`,
      ),
    };
  }

  /**
   * Users matching `where`, each with the manager as links() would list it first and that
   * manager's mail (`mail`, an expression over `u.manager_id`).
   */
  private users(where: string, mail: string): Statement {
    return this.sql.prepare(
      `SELECT u.id, u.data, u.manager_id, ${mail} AS manager_email
       FROM (SELECT o.id, o.data,
               (SELECT l.target_id FROM source_links l
                WHERE l.kind = 'user' AND l.owner_id = o.id AND l.rel = 'manager'
                ORDER BY l.target_id, l.extra LIMIT 1) AS manager_id
             FROM source_objects o WHERE o.kind = 'user' AND ${where}) u
       ORDER BY u.id`,
    );
  }

  /**
   * Keyset page of users, each with its manager's id and email, in one statement: looked up one by
   * one, the manager lookups were most of the cost of listing a million users.
   */
  usersPage<T>(
    afterId: string,
    limit: number,
  ): { id: string; data: T; managerId?: string; managerEmail?: unknown }[] {
    if (!this.usersPageStmt) {
      // Every user's mail, in one pass in id order into a narrow temp table: read from the users
      // themselves, each manager's mail cost a random read of a large row (most of this listing's
      // time on a large tenant). Built at the first page; the listing runs once the store is
      // complete, and a new set of queries (the next sync's) builds it again.
      this.sql.exec(
        `DROP TABLE IF EXISTS temp.user_mail;
         CREATE TEMP TABLE user_mail (id TEXT PRIMARY KEY, mail TEXT) WITHOUT ROWID;
         INSERT INTO temp.user_mail SELECT o.id, ${mailOf('o')}
           FROM source_objects o WHERE o.kind = 'user' ORDER BY o.id;`,
      );
      this.usersPageStmt = this.users(
        'o.id > ? ORDER BY o.id LIMIT ?',
        '(SELECT m.mail FROM temp.user_mail m WHERE m.id = u.manager_id)',
      );
    }
    return (this.usersPageStmt.all(afterId, limit) as Row[]).map((r) => userRow<T>(r));
  }

  /** One user as `usersPage` returns it, or undefined. */
  user<T>(id: string): { id: string; data: T; managerId?: string; managerEmail?: unknown } | undefined {
    const r = this.s.user.get(id) as Row | undefined;
    return r ? userRow<T>(r) : undefined;
  }

  /** The `license` edges pointing at SKU `skuId`: who holds the license. */
  licensees(skuId: string): SourceLink[] {
    return (this.s.licensees.all(skuId) as Row[]).map((r) => licenseEdge(r, skuId));
  }

  /** Keyset page of `licensees(skuId)`, after [kind, ownerId, extra] (exclusive). */
  licenseesPage(skuId: string, after: LinkKey, limit: number): SourceLink[] {
    const rows = this.s.licenseesPage.all(skuId, ...after, limit) as Row[];
    return rows.map((r) => licenseEdge(r, skuId));
  }

  /**
   * Users that are transitive members of the scope groups, computed once in SQLite (a recursive
   * walk over member edges; UNION makes it stop on membership cycles).
   */
  scopeFilter(scopeGroups: string[]): ((id: string) => boolean) | undefined {
    if (scopeGroups.length === 0) return undefined;
    this.sql.exec(
      'DROP TABLE IF EXISTS temp.scope_users; CREATE TEMP TABLE scope_users (id TEXT PRIMARY KEY) WITHOUT ROWID',
    );
    const placeholders = scopeGroups.map(() => '?').join(',');
    this.sql
      .prepare(
        `INSERT OR IGNORE INTO temp.scope_users (id)
         WITH RECURSIVE m(id, kind) AS (
           SELECT target_id, target_kind FROM source_links WHERE kind = 'group' AND rel = 'member' AND owner_id IN (${placeholders})
           UNION
           SELECT l.target_id, l.target_kind FROM source_links l JOIN m
             ON m.kind = 'group' AND l.kind = 'group' AND l.rel = 'member' AND l.owner_id = m.id)
         SELECT id FROM m WHERE kind = 'user'`,
      )
      .run(...scopeGroups);
    const has = this.sql.prepare('SELECT 1 AS x FROM temp.scope_users WHERE id = ?');
    return (id) => has.get(id) !== undefined;
  }

  /**
   * Fills temp table `table` (id) with the users that were transitive members of the scope groups
   * before the changes in `changedLinks` (see SourceChanges.tables.links): the member edges as
   * they are, less those added, plus those removed.
   */
  scopeUsersBefore(table: string, scopeGroups: string[], changedLinks: string): void {
    this.sql.exec(
      `DROP TABLE IF EXISTS temp.${table}; CREATE TEMP TABLE ${table} (id TEXT PRIMARY KEY) WITHOUT ROWID`,
    );
    const placeholders = scopeGroups.map(() => '?').join(',');
    const kept = `NOT EXISTS (SELECT 1 FROM ${changedLinks} c WHERE c.added = 1 AND c.kind = l.kind
      AND c.owner_id = l.owner_id AND c.rel = l.rel AND c.target_id = l.target_id AND c.extra = l.extra)`;
    this.sql
      .prepare(
        `INSERT OR IGNORE INTO temp.${table} (id)
         WITH RECURSIVE m(id, kind) AS (
           SELECT l.target_id, l.target_kind FROM source_links l
             WHERE l.kind = 'group' AND l.rel = 'member' AND l.owner_id IN (${placeholders}) AND ${kept}
           UNION
           SELECT c.target_id, c.target_kind FROM ${changedLinks} c
             WHERE c.kind = 'group' AND c.rel = 'member' AND c.added = 0 AND c.owner_id IN (${placeholders})
           UNION
           SELECT l.target_id, l.target_kind FROM source_links l JOIN m
             ON m.kind = 'group' AND l.kind = 'group' AND l.rel = 'member' AND l.owner_id = m.id
             WHERE ${kept}
           UNION
           SELECT c.target_id, c.target_kind FROM ${changedLinks} c JOIN m
             ON m.kind = 'group' AND c.kind = 'group' AND c.rel = 'member' AND c.owner_id = m.id
             WHERE c.added = 0)
         SELECT id FROM m WHERE kind = 'user'`,
      )
      .run(...scopeGroups, ...scopeGroups);
  }

  /**
   * Drops app-role, ownership and role edges that point at a user, group or service principal no
   * longer in the store (deleted since the parent snapshot). Returns how many went.
   */
  pruneDanglingEdges(): number {
    const result = this.sql
      .prepare(
        `DELETE FROM source_links
         WHERE kind IN ('servicePrincipal', 'roleDefinition')
           AND CASE
             WHEN target_kind IN ('user', 'group', 'servicePrincipal') THEN NOT EXISTS (
               SELECT 1 FROM source_objects o WHERE o.kind = source_links.target_kind AND o.id = source_links.target_id)
             WHEN target_kind = '' THEN NOT EXISTS (
               SELECT 1 FROM source_objects o
               WHERE o.kind IN ('user', 'group', 'servicePrincipal') AND o.id = source_links.target_id)
             ELSE 0
           END`,
      )
      .run();
    return Number(result.changes);
  }
}

function userRow<T>(r: Row): { id: string; data: T; managerId?: string; managerEmail?: unknown } {
  return {
    id: r.id as string,
    data: JSON.parse(r.data as string) as T,
    ...(r.manager_id != null ? { managerId: r.manager_id as string } : {}),
    ...(r.manager_email != null ? { managerEmail: r.manager_email } : {}),
  };
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

/**
 * The source store: a connector's copy of its system's objects and relationships, as the last
 * sync saw them. Collection phases fill it; syncers read it to produce resources, entitlements and
 * grants. Kept on disk (the engine backs it with the snapshot's SQLite tables), so memory stays flat
 * in tenant size, and carried from sync to sync, so an incremental replays changes onto it.
 */

/** One relationship edge: `ownerId` of `kind` has `rel` to `targetId` (of `targetKind`). */
export interface SourceLink {
  kind: string;
  ownerId: string;
  rel: string;
  targetId: string;
  targetKind: string;
  /** Distinguishes parallel edges (e.g. one role assignment per directory scope). */
  extra?: string;
}

/** A position in a keyset walk over one owner's edges: [rel, targetId, extra]. */
export type LinkKey = [string, string, string];

/**
 * SQL over the source tables (`source_objects (kind, id, data)`, `source_links (kind, owner_id,
 * rel, target_id, target_kind, extra)`), for a connector's own queries: a recursive walk or a join
 * that the generic methods would turn into a million lookups. A connector reads and prunes its own
 * rows through it; the engine's tables are not its business.
 */
export interface SourceSql {
  prepare(sql: string): {
    run(...params: (string | number | null)[]): { changes: number | bigint };
    get(...params: (string | number | null)[]): unknown;
    all(...params: (string | number | null)[]): unknown[];
  };
  exec(sql: string): void;
}

export interface SourceStore {
  get<T>(kind: string, id: string): T | undefined;
  put(kind: string, id: string, data: unknown): void;
  /** Deletes an object and every relationship it owns. */
  remove(kind: string, id: string): void;
  link(l: SourceLink): void;
  unlink(kind: string, ownerId: string, rel: string, targetId: string): void;
  clearRel(kind: string, ownerId: string, rel: string): void;
  /** Forgets every object and relationship of these kinds (before a listing replaces them). */
  clearKinds(objectKinds: readonly string[], linkKinds: readonly string[]): void;
  /** Up to `limit` objects of a kind with id greater than `afterId`, in id order (keyset paging). */
  page<T>(kind: string, afterId: string, limit: number): { id: string; data: T }[];
  all<T>(kind: string, pageSize?: number): Generator<{ id: string; data: T }>;
  links(kind: string, ownerId: string, rel?: string): SourceLink[];
  /** Keyset page of the edges of `ownerId` whose rel starts with `relPrefix`, after `after`. */
  linksPage(kind: string, ownerId: string, relPrefix: string, after: LinkKey, limit: number): SourceLink[];
  hasLinks(kind: string, ownerId: string, relPrefix: string): boolean;
  count(kind: string): number;
  readonly sql: SourceSql;
}

/** A source object that differs from what the parent sync held (`before`/`after` absent: not there). */
export interface ObjectChange<T = unknown> {
  kind: string;
  id: string;
  before?: T;
  after?: T;
}

/** A relationship edge the parent sync held and this one does not (`added` false), or the reverse. */
export interface LinkChange {
  link: SourceLink;
  added: boolean;
}

/**
 * What collection changed in the source store since the parent sync, net: an object listed again
 * as it was is no change. For joins, the same as SQL tables (`tables.objects`: kind, id;
 * `tables.links`: kind, owner_id, rel, target_id, extra, target_kind, added).
 */
export interface SourceChanges {
  objects<T>(kind: string): Generator<ObjectChange<T>>;
  links(kind: string): Generator<LinkChange>;
  /** Whether any object of `objectKinds` or edge of `linkKinds` changed. */
  any(objectKinds: readonly string[], linkKinds?: readonly string[]): boolean;
  readonly tables: { readonly objects: string; readonly links: string };
}

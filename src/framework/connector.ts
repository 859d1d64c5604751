import type { JsonObject, ResourceSyncer } from './types.js';
import type { CollectPhase } from './collect.js';
import type { Logger } from '../observability/logger.js';
import type { SourceChanges, SourceStore } from './source.js';

/** What a connector's syncers may use once collection has filled the source store. */
export interface SyncerContext {
  source: SourceStore;
  logger: Logger;
  now: () => number;
  /** Counts what was left out of the snapshot and why (logged at the end of the sync). */
  drop(reason: string, n?: number): void;
}

/** What a connector's patch rules see: the syncers' context, the changes, and where to mark. */
export interface PatchContext extends SyncerContext {
  changes: SourceChanges;
  /** The clock (ms) the parent's output was derived at: a time boundary since then changes records. */
  derivedAt: number;
  /** Marks a resource to derive again (its record, entitlements and grants). */
  mark(resourceType: string, id: string): void;
  /** Marks every id (first column) a query over the source tables selects. */
  markSql(resourceType: string, sql: string, ...params: (string | number | null)[]): void;
}

/**
 * How a connector's output depends on its source store, so that an incremental re-derives only
 * what its changes touch. Marking more than needed costs time; marking less makes the output wrong,
 * so whatever cannot be told from the changes is marked in full.
 */
export interface PatchRules {
  /** Marks the resources whose records the changes, or time passing since `derivedAt`, may change. */
  affected(ctx: PatchContext): void;
  /**
   * Marks the resources whose grants may name the principals in `principals` (a table of
   * resource_type, id): they appeared in the output or left it, and a grant names only principals
   * the output holds.
   */
  referencing(ctx: PatchContext, principals: string): void;
}

/**
 * A connector as the sync engine drives it: a collection plan that fills the source store from
 * the connected system, and syncers that map the store to resources, entitlements and grants.
 * The engine owns everything around them — checkpoints and resume, incremental state carried from
 * snapshot to snapshot, the output invariants and the snapshot file — and knows nothing of the
 * system behind the connector.
 */
export interface Connector {
  /** The connected system's identity (an Entra tenant id); a snapshot of another is refused as a parent. */
  readonly tenantId: string;
  /**
   * What makes two runs "the same sync" besides the parent snapshot: the options that change what
   * is read or produced. An interrupted sync resumes only with an equal plan key.
   */
  planKey(): JsonObject;
  /** The phases that fill the source store, in plan order. */
  collectPlan(): CollectPhase[];
  /**
   * Source kinds an incremental forgets before it collects (listings without change tracking,
   * read again in full, and the connector's own scratch kinds).
   */
  readonly relisted: { objects: readonly string[]; links: readonly string[] };
  /**
   * Indexes over the source tables that the syncers read (name → `CREATE INDEX IF NOT EXISTS …`).
   * A full sync drops them while it collects and builds them in one sorted pass before the output.
   */
  readonly sourceIndexes?: Readonly<Record<string, string>>;
  /** The syncers of the resource types this configuration syncs, in output order. */
  syncers(ctx: SyncerContext): ResourceSyncer[];
  /** The resource types `syncers` makes, in output order (without making them). */
  outputTypes?(): readonly string[];
  /**
   * The collection phases whose source the syncer of resource type `type` reads, for a full sync;
   * once all are done its output may be written while the rest of the collection runs. Undefined
   * (or absent): only after the whole collection (it reads everything, or the source indexes).
   */
  outputNeeds?(type: string): readonly string[] | undefined;
  /**
   * Lets an incremental patch the previous output instead of rebuilding it (with every syncer's
   * `resource`); without it, every incremental rebuilds.
   */
  readonly patch?: PatchRules;
  /** Requests made to the connected system so far (reported in the snapshot header). */
  requestCount(): number;
}

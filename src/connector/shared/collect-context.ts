import type { ConnectorConfig } from '../../config/types.js';
import type { GraphClient, GraphRequestOptions } from '../../graph/types.js';
import type { Logger } from '../../observability/logger.js';
import type { SnapshotDb } from '../../snapshot/database.js';
import type { SourceCache } from '../../snapshot/source-cache.js';

/** What a collection phase needs: Graph, the working database, the options and a way to stop. */
export interface CollectContext {
  graph: GraphClient;
  db: SnapshotDb;
  config: ConnectorConfig;
  logger: Logger;
  /** Sent with every request: background syncs go out at low throttle priority. */
  requestOptions: GraphRequestOptions;
  signal?: AbortSignal;
  /** True when this sync replays delta links recorded by a previous snapshot. */
  incremental: boolean;
  /** The sync's clock (audit windows, role expiry); `Date.now` when absent. */
  now?: () => number;
}

/** One step of the Graph access plan: fills part of the source cache, resumable at page boundaries. */
export interface CollectPhase {
  name: string;
  /**
   * Phases of the plan that must have finished before this one starts (`*`: all the others).
   * Phases without an order between them run side by side.
   */
  after?: readonly string[];
  run(ctx: CollectContext): Promise<number>;
}

/** A stored delta link could not be replayed (expired): the caller falls back to a full sync. */
export class DeltaExpiredError extends Error {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(`${phase}: the stored delta link has expired`, { cause });
    this.name = 'DeltaExpiredError';
  }
}

/** Graph's `@odata.type` (`#microsoft.graph.user`) as a directory object kind (`user`). */
export function odataKind(item: Record<string, unknown>): string {
  const t = item['@odata.type'];
  return typeof t === 'string' ? t.replace(/^#microsoft\.graph\./, '') : 'unknown';
}

/** The item's properties without OData annotations and `<rel>@delta` arrays. */
export function plainProperties(item: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!k.includes('@')) out[k] = v;
  return out;
}

export function isRemoved(item: Record<string, unknown>): boolean {
  return item['@removed'] !== undefined;
}

/**
 * Applies one delta item to the stored object of `kind`: a removal deletes it (and its edges);
 * anything else is merged into what is stored, since a changed object may come back with only its
 * changed properties. Returns false for a removal.
 */
export function applyDeltaObject(source: SourceCache, kind: string, item: Record<string, unknown>): boolean {
  const id = item.id as string;
  if (isRemoved(item)) {
    source.remove(kind, id);
    return false;
  }
  source.put(kind, id, {
    ...(source.get<Record<string, unknown>>(kind, id) ?? {}),
    ...plainProperties(item),
  });
  return true;
}

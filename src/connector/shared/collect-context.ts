import type { ConnectorConfig } from '../../config/types.js';
import type { CollectPhase as EnginePhase, PhaseContext } from '../../framework/collect.js';
import type { SourceStore } from '../../framework/source.js';
import type { GraphClient, GraphRequestOptions } from '../../graph/types.js';

export { DeltaExpiredError } from '../../framework/collect.js';

/** A Graph object as JSON: its properties by name (each type's `graph.ts` declares its shape). */
export type GraphObject = Record<string, unknown>;

/**
 * What an Entra collection phase works with: the engine's phase context (source store, state,
 * checkpoints, work state) plus this connector's Graph client and options.
 */
export interface CollectContext extends PhaseContext {
  graph: GraphClient;
  config: ConnectorConfig;
  /** Sent with every request: background syncs go out at low throttle priority. */
  requestOptions: GraphRequestOptions;
}

/** One step of the Graph access plan, written against this connector's context. */
export type CollectPhase = EnginePhase<CollectContext>;

/** Graph's `@odata.type` (`#microsoft.graph.user`) as a directory object kind (`user`). */
export function odataKind(item: GraphObject): string {
  const t = item['@odata.type'];
  return typeof t === 'string' ? t.replace(/^#microsoft\.graph\./, '') : 'unknown';
}

/** The item's properties without OData annotations and `<rel>@delta` arrays. */
export function plainProperties(item: GraphObject): GraphObject {
  const out: GraphObject = {};
  for (const [k, v] of Object.entries(item)) if (!k.includes('@')) out[k] = v;
  return out;
}

export function isRemoved(item: GraphObject): boolean {
  return item['@removed'] !== undefined;
}

/**
 * Applies one delta item to the stored object of `kind`: a removal deletes it (and its edges);
 * anything else is merged into what is stored, since a changed object may come back with only its
 * changed properties. Returns false for a removal.
 */
export function applyDeltaObject(
  source: SourceStore,
  kind: string,
  item: GraphObject & { id: string },
): boolean {
  const id = item.id;
  if (isRemoved(item)) {
    source.remove(kind, id);
    return false;
  }
  source.put(kind, id, {
    ...(source.get<GraphObject>(kind, id) ?? {}),
    ...plainProperties(item),
  });
  return true;
}

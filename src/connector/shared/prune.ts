import type { CollectPhase } from './collect-context.js';
import { EntraSourceQueries } from './source-queries.js';

/**
 * Incrementals keep the parent's app-role, ownership and role edges where nothing says they
 * changed. A principal deleted since takes its assignments with it (they come back only with a
 * restore, which relists everything), so edges to a user, group or service principal the deltas
 * removed are dropped here, as a fresh listing would not show them.
 * https://learn.microsoft.com/graph/api/directory-deleteditems-restore
 */
/** Objects an edge may point at, and the edges pruned (see EntraSourceQueries.pruneDanglingEdges). */
const PRINCIPAL_KINDS = ['user', 'group', 'servicePrincipal'];
const EDGE_KINDS = ['servicePrincipal', 'roleDefinition'];

export const pruneDanglingPhase: CollectPhase = {
  name: 'pruneDanglingEdges',
  run(ctx) {
    if (!ctx.incremental) return Promise.resolve(0);
    // Where the engine keeps a log of this sync's source changes, an edge can dangle only if a
    // principal went or an edge came (the parent's store was as a sync left it): otherwise the
    // pass over every edge (a third of a second on a large tenant) is skipped.
    const log = ctx.sourceLog;
    if (log && !log.removedObjects(PRINCIPAL_KINDS) && !log.addedLinks(EDGE_KINDS)) return Promise.resolve(0);
    const queries = new EntraSourceQueries(ctx.store.source.sql);
    return Promise.resolve(ctx.store.transaction(() => queries.pruneDanglingEdges()));
  },
};

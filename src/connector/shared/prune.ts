import type { CollectPhase } from './collect-context.js';
import { EntraSourceQueries } from './source-queries.js';

/**
 * Incrementals keep the parent's app-role, ownership and role edges where nothing says they
 * changed. A principal deleted since takes its assignments with it (they come back only with a
 * restore, which relists everything), so edges to a user, group or service principal the deltas
 * removed are dropped here, as a fresh listing would not show them.
 * https://learn.microsoft.com/graph/api/directory-deleteditems-restore
 */
export const pruneDanglingPhase: CollectPhase = {
  name: 'pruneDanglingEdges',
  run(ctx) {
    if (!ctx.incremental) return Promise.resolve(0);
    const queries = new EntraSourceQueries(ctx.store.source.sql);
    return Promise.resolve(ctx.store.transaction(() => queries.pruneDanglingEdges()));
  },
};

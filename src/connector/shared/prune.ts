import type { CollectPhase } from './collect-context.js';

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
    const result = ctx.db.transaction(() =>
      ctx.db.db
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
        .run(),
    );
    return Promise.resolve(Number(result.changes));
  },
};

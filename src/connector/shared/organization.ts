import type { CollectPhase } from './collect-context.js';
import { runPagedPhase } from './paged.js';
import type { GraphOrganization } from './graph.js';

/** The tenant's organization ids: apps they own are "tenant-owned". */
export const organizationPhase: CollectPhase = {
  name: 'organization',
  run(ctx) {
    return runPagedPhase<GraphOrganization>(ctx, {
      phase: 'organization',
      startUrl: '/organization?$select=id,displayName,verifiedDomains',
      onPage: (items) => {
        for (const o of items) ctx.store.source.put('organization', o.id, o);
      },
    });
  },
};

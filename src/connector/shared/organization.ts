import type { CollectPhase } from './collect-context.js';
import { runPagedPhase } from './paged.js';
import type { GraphObject as Item } from './collect-context.js';

/** The tenant's organization ids: apps they own are "tenant-owned". */
export const organizationPhase: CollectPhase = {
  name: 'organization',
  run(ctx) {
    return runPagedPhase<Item>(ctx, {
      phase: 'organization',
      startUrl: '/organization?$select=id,displayName,verifiedDomains',
      onPage: (items) => {
        for (const o of items) ctx.store.source.put('organization', o.id as string, o);
      },
    });
  },
};

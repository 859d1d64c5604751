import type { CollectPhase } from './collect-context.js';
import { runPagedPhase } from './paged.js';

type Item = Record<string, unknown>;

/** The tenant's organization ids: apps they own are "tenant-owned". */
export const organizationPhase: CollectPhase = {
  name: 'organization',
  run(ctx) {
    return runPagedPhase<Item>(ctx, {
      phase: 'organization',
      startUrl: '/organization?$select=id,displayName,verifiedDomains',
      onPage: (items) => {
        for (const o of items) ctx.db.source.put('organization', o.id as string, o);
      },
    });
  },
};

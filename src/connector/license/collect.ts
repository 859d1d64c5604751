import type { CollectPhase } from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphObject as Item } from '../shared/collect-context.js';

/** The tenant's SKUs; who holds them comes from the users' `assignedLicenses`. */
export const skusPhase: CollectPhase = {
  name: 'subscribedSkus',
  run(ctx) {
    return runPagedPhase<Item>(ctx, {
      phase: 'subscribedSkus',
      startUrl:
        '/subscribedSkus?$select=id,skuId,skuPartNumber,appliesTo,capabilityStatus,consumedUnits,prepaidUnits',
      onPage: (items) => {
        for (const s of items) ctx.store.source.put('sku', s.skuId as string, s);
      },
    });
  },
};

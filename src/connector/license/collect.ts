import type { CollectPhase } from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphSubscribedSku } from './graph.js';

/** The tenant's SKUs; who holds them comes from the users' `assignedLicenses`. */
export const skusPhase: CollectPhase = {
  name: 'subscribedSkus',
  run(ctx) {
    return runPagedPhase<GraphSubscribedSku>(ctx, {
      phase: 'subscribedSkus',
      startUrl:
        '/subscribedSkus?$select=id,skuId,skuPartNumber,appliesTo,capabilityStatus,consumedUnits,prepaidUnits',
      onPage: (items) => {
        for (const s of items) ctx.store.source.put('sku', s.skuId, s);
      },
    });
  },
};

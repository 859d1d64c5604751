import { applyDeltaObject, type CollectPhase } from './context.js';
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

/** The tenant's SKUs; who holds them comes from the users' `assignedLicenses`. */
export const skusPhase: CollectPhase = {
  name: 'subscribedSkus',
  run(ctx) {
    return runPagedPhase<Item>(ctx, {
      phase: 'subscribedSkus',
      startUrl:
        '/subscribedSkus?$select=id,skuId,skuPartNumber,appliesTo,capabilityStatus,consumedUnits,prepaidUnits',
      onPage: (items) => {
        for (const s of items) ctx.db.source.put('sku', s.skuId as string, s);
      },
    });
  },
};

export const DEVICE_SELECT = [
  'id',
  'deviceId',
  'displayName',
  'accountEnabled',
  'operatingSystem',
  'operatingSystemVersion',
  'trustType',
  'isCompliant',
  'isManaged',
  'approximateLastSignInDateTime',
  'registrationDateTime',
  'createdDateTime',
  'manufacturer',
  'model',
  'onPremisesSyncEnabled',
  'profileType',
];

/** https://learn.microsoft.com/graph/api/device-delta */
export const devicesPhase: CollectPhase = {
  name: 'devices',
  run(ctx) {
    return runPagedPhase<Item>(ctx, {
      phase: 'devices',
      startUrl: `/devices/delta?$select=${DEVICE_SELECT.join(',')}`,
      deltaKey: 'delta:devices',
      owns: { objects: ['device'], links: [] },
      itemKey: (item) => item.id as string,
      onPage: (items) => {
        for (const d of items) applyDeltaObject(ctx.db.source, 'device', d);
      },
    });
  },
};

import { applyDeltaObject, type CollectPhase } from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphObject as Item } from '../shared/collect-context.js';

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
        for (const d of items) applyDeltaObject(ctx.store.source, 'device', d);
      },
    });
  },
};

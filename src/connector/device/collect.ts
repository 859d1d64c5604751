import { applyDeltaObject, type CollectPhase } from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphDevice, GraphDeviceDelta } from './graph.js';

export const DEVICE_SELECT: (keyof GraphDevice)[] = [
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

/** The first request of a fresh devices round. */
export const DEVICES_DELTA_URL = `/devices/delta?$select=${DEVICE_SELECT.join(',')}`;

/** https://learn.microsoft.com/graph/api/device-delta */
export const devicesPhase: CollectPhase = {
  name: 'devices',
  run(ctx) {
    return runPagedPhase<GraphDeviceDelta>(ctx, {
      phase: 'devices',
      startUrl: DEVICES_DELTA_URL,
      deltaKey: 'delta:devices',
      total: '/devices/$count',
      owns: { objects: ['device'], links: [] },
      itemKey: (item) => item.id,
      onPage: (items) => {
        for (const d of items) applyDeltaObject(ctx.store.source, 'device', d);
      },
    });
  },
};

import type { DeviceJoinType } from '../../config/types.js';
import type { Entitlement, Grant, Page, Resource, ResourceSyncer } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { daysBefore, listKind, oneOfKind, pick, snake, type SyncerDeps } from '../shared/common.js';
import type { FieldMapping } from '../shared/mapping.js';
import type { GraphDevice } from './graph.js';

/** Device properties copied into the profile as they are (snake_case keys). */
const PROFILE_FIELDS = [
  'deviceId',
  'operatingSystem',
  'operatingSystemVersion',
  'isCompliant',
  'isManaged',
  'approximateLastSignInDateTime',
  'registrationDateTime',
  'manufacturer',
  'model',
  'onPremisesSyncEnabled',
  'profileType',
  'accountEnabled',
] as const satisfies readonly (keyof GraphDevice)[];

export const DEVICE_MAPPINGS: FieldMapping[] = [
  { entra: 'device.id', field: 'id.resource' },
  { entra: 'displayName', field: 'displayName' },
  { entra: 'accountEnabled (and staleness)', field: 'status', note: 'disabled when disabled or stale' },
  {
    entra: 'trustType',
    field: 'profile.join_type',
    note: 'AzureAd → entra, ServerAd → hybrid, Workplace → registered',
  },
  { entra: 'approximateLastSignInDateTime', field: 'profile.stale', note: 'BATON_DEVICE_STALE_DAYS' },
  ...PROFILE_FIELDS.map((k) => ({ entra: k, field: `profile.${snake(k)}` })),
];

/** https://learn.microsoft.com/graph/api/resources/device (trustType) */
export function joinType(trustType: unknown): DeviceJoinType | undefined {
  switch (trustType) {
    case 'AzureAd':
      return 'entra';
    case 'ServerAd':
      return 'hybrid';
    case 'Workplace':
      return 'registered';
    default:
      return undefined;
  }
}

/** Whether a device without a sign-in (or registration) for `staleDays` counts as stale at `now`. */
export function deviceStale(
  d: Pick<GraphDevice, 'approximateLastSignInDateTime' | 'registrationDateTime'>,
  now: number,
  staleDays: number,
): boolean {
  const last = d.approximateLastSignInDateTime ?? d.registrationDateTime;
  return last === undefined || last === null || Date.parse(last) < daysBefore(now, staleDays);
}

/** Pure: a Graph device → a `device` resource. */
export function toDeviceResource(d: GraphDevice, now: number, staleDays?: number): Resource {
  const id = d.id;
  const profile = pick(d, PROFILE_FIELDS);
  const jt = joinType(d.trustType);
  if (jt) profile.join_type = jt;
  let stale = false;
  if (staleDays !== undefined) {
    stale = deviceStale(d, now, staleDays);
    profile.stale = stale;
  }
  const r: Resource = {
    id: { resourceType: 'device', resource: id },
    displayName: d.displayName ?? id,
    status: d.accountEnabled === false || stale ? 'disabled' : 'enabled',
    profile,
  };
  if (typeof d.createdDateTime === 'string') r.createdAt = d.createdDateTime;
  return r;
}

export function createDeviceSyncer(deps: SyncerDeps): ResourceSyncer {
  const joinTypes = new Set(deps.config.deviceJoinTypes);
  const map = (_id: string, d: GraphDevice): Resource | undefined => {
    const jt = joinType(d.trustType);
    if (joinTypes.size > 0 && (!jt || !joinTypes.has(jt))) {
      deps.drop('device of an excluded join type');
      return undefined;
    }
    return toDeviceResource(d, deps.now(), deps.config.deviceStaleDays);
  };
  return {
    resourceType: RESOURCE_TYPES.device,
    list(token): Promise<Page<Resource>> {
      return listKind<GraphDevice>(deps, 'device', token, map);
    },
    resource: (id) => oneOfKind(deps, 'device', id, map),
    entitlements(): Entitlement[] {
      return [];
    },
    grants(): Promise<Page<Grant>> {
      return Promise.resolve({ items: [] });
    },
  };
}

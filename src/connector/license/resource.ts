import { entitlementId } from '../../framework/ids.js';
import type {
  Entitlement,
  Grant,
  GrantsQuery,
  Page,
  Resource,
  ResourceSyncer,
} from '../../framework/types.js';
import type { LinkKey } from '../../snapshot/source-cache.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { listKind, makeGrant, oneOfKind, PAGE_SIZE, type SyncerDeps } from '../shared/common.js';
import type { FieldMapping } from '../shared/mapping.js';
import type { GraphSubscribedSku } from './graph.js';

export const LICENSE_MAPPINGS: FieldMapping[] = [
  { entra: 'subscribedSku.skuId', field: 'id.resource' },
  { entra: 'skuPartNumber', field: 'displayName' },
  { entra: 'skuPartNumber', field: 'profile.sku_part_number' },
  { entra: 'capabilityStatus', field: 'profile.capability_status' },
  { entra: 'consumedUnits', field: 'profile.consumed_units' },
  { entra: 'prepaidUnits.enabled', field: 'profile.seats' },
  { entra: 'appliesTo', field: 'profile.applies_to' },
  {
    entra: 'user.assignedLicenses[].skuId',
    field: 'grants of license:<skuId>:assigned',
    note: 'users/delta',
  },
];

/** Pure: a subscribed SKU → a `license` resource. */
export function toLicenseResource(s: GraphSubscribedSku): Resource {
  const id = s.skuId;
  const name = s.skuPartNumber ?? id;
  const seats = s.prepaidUnits?.enabled;
  const profile: Resource['profile'] = { sku_part_number: name };
  if (typeof s.capabilityStatus === 'string') profile.capability_status = s.capabilityStatus;
  if (typeof s.consumedUnits === 'number') profile.consumed_units = s.consumedUnits;
  if (typeof seats === 'number') profile.seats = seats;
  if (typeof s.appliesTo === 'string') profile.applies_to = s.appliesTo;
  return {
    id: { resourceType: 'license', resource: id },
    displayName: name,
    status: s.capabilityStatus === 'Enabled' || s.capabilityStatus === undefined ? 'enabled' : 'disabled',
    profile,
  };
}

/**
 * The licence syncer's `grants` in SQL: the holders of the output's licences in (?1, ?2], read
 * through the covering index of licence edges (source-queries.ts), which `rel = 'license'` written
 * out lets SQLite use.
 */
const LICENSE_GRANTS: GrantsQuery = {
  select: `SELECT '${RESOURCE_TYPES.license.id}:' || l.target_id || ':assigned', 'user', l.owner_id, NULL
    FROM source_links l WHERE l.rel = 'license' AND l.target_id IN
      (SELECT id FROM resources WHERE resource_type = '${RESOURCE_TYPES.license.id}' AND id > ?1 AND id <= ?2)`,
};

export function createLicenseSyncer(deps: SyncerDeps): ResourceSyncer {
  return {
    resourceType: RESOURCE_TYPES.license,
    grantsQuery: LICENSE_GRANTS,
    list(token): Promise<Page<Resource>> {
      return listKind<GraphSubscribedSku>(deps, 'sku', token, (_id, s) => toLicenseResource(s));
    },
    resource: (id) => oneOfKind<GraphSubscribedSku>(deps, 'sku', id, (_id, s) => toLicenseResource(s)),
    entitlements(r): Entitlement[] {
      return [
        {
          id: entitlementId(r.id, 'assigned'),
          resource: r.id,
          slug: 'assigned',
          purpose: 'assignment',
          grantableTo: ['user'],
          displayName: `${r.displayName} assigned`,
        },
      ];
    },
    grants(resource, token): Promise<Page<Grant>> {
      const after = token ? (JSON.parse(token) as LinkKey) : (['', '', ''] as LinkKey);
      const links = deps.queries.licenseesPage(resource.id.resource, after, PAGE_SIZE);
      const ent = entitlementId(resource.id, 'assigned');
      const items = links.map((l) => makeGrant(ent, { principal: { type: 'user', id: l.ownerId } }));
      const last = links.at(-1);
      return Promise.resolve({
        items,
        nextPageToken:
          links.length === PAGE_SIZE && last
            ? JSON.stringify([last.kind, last.ownerId, last.extra ?? ''])
            : undefined,
      });
    },
  };
}

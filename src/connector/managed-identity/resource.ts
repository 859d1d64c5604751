import type { Entitlement, Grant, Page, Resource, ResourceSyncer } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import type { GraphServicePrincipal } from '../enterprise-application/graph.js';
import { listKind, oneOfKind, pick, type SyncerDeps } from '../shared/common.js';
import type { FieldMapping } from '../shared/mapping.js';

export const MANAGED_IDENTITY_MAPPINGS: FieldMapping[] = [
  { entra: 'servicePrincipal.id (servicePrincipalType ManagedIdentity)', field: 'id.resource' },
  { entra: 'displayName', field: 'displayName' },
  { entra: 'appId', field: 'user.login' },
  { entra: 'accountEnabled', field: 'user.status / status' },
  { entra: 'appId', field: 'profile.app_id' },
  { entra: 'alternativeNames', field: 'profile.alternative_names' },
  { entra: 'servicePrincipalType', field: 'profile.service_principal_type' },
];

/** Pure: a managed identity's service principal → a user-like `managed_identity` resource. */
export function toManagedIdentityResource(sp: GraphServicePrincipal): Resource {
  const id = sp.id;
  const status = sp.accountEnabled === false ? 'disabled' : 'enabled';
  const r: Resource = {
    id: { resourceType: 'managed_identity', resource: id },
    displayName: sp.displayName ?? id,
    status,
    profile: pick(sp, ['appId', 'alternativeNames', 'servicePrincipalType']),
    user: {
      login: sp.appId ?? id,
      emails: [],
      status,
      accountType: 'service',
      employeeIds: [],
    },
  };
  if (typeof sp.createdDateTime === 'string') r.createdAt = sp.createdDateTime;
  return r;
}

export function createManagedIdentitySyncer(deps: SyncerDeps): ResourceSyncer {
  const map = (_id: string, sp: GraphServicePrincipal): Resource | undefined =>
    sp.servicePrincipalType === 'ManagedIdentity' ? toManagedIdentityResource(sp) : undefined;
  return {
    resourceType: RESOURCE_TYPES.managed_identity,
    list(token): Promise<Page<Resource>> {
      return listKind<GraphServicePrincipal>(deps, 'servicePrincipal', token, map);
    },
    resource: (id) => oneOfKind(deps, 'servicePrincipal', id, map),
    entitlements(): Entitlement[] {
      return [];
    },
    grants(): Promise<Page<Grant>> {
      return Promise.resolve({ items: [] });
    },
  };
}

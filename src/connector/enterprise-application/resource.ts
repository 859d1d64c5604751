import type { ConnectorConfig } from '../../config/types.js';
import { entitlementId } from '../../framework/ids.js';
import type { Entitlement, Grant, Page, Resource, ResourceSyncer } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import {
  grantsFromLinks,
  listKind,
  makeGrant,
  oneOfKind,
  pick,
  principalFor,
  type SyncerDeps,
} from '../shared/common.js';
import type { FieldMapping } from '../shared/mapping.js';
import type { GraphServicePrincipal } from './graph.js';

/** The tenant that owns Microsoft's first-party applications. */
export const MICROSOFT_FIRST_PARTY_OWNER = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
/** appRoleId of "default access" (an assignment without a specific app role). */
export const DEFAULT_ACCESS_ROLE = '00000000-0000-0000-0000-000000000000';

export const APP_MAPPINGS: FieldMapping[] = [
  { entra: 'servicePrincipal.id', field: 'id.resource' },
  { entra: 'displayName', field: 'displayName' },
  { entra: 'description', field: 'description' },
  { entra: 'accountEnabled', field: 'status', note: 'true → enabled' },
  { entra: 'homepage', field: 'externalLink' },
  { entra: 'appId', field: 'profile.app_id' },
  { entra: 'appDisplayName', field: 'profile.app_display_name' },
  { entra: 'appOwnerOrganizationId', field: 'profile.app_owner_organization_id' },
  { entra: 'servicePrincipalType', field: 'profile.service_principal_type' },
  { entra: 'tags', field: 'profile.tags' },
  { entra: 'homepage', field: 'profile.homepage' },
  {
    entra: 'preferredSingleSignOnMode',
    field: 'profile.preferred_single_sign_on_mode',
    note: 'saml, oidc, …',
  },
  { entra: 'info.logoUrl', field: 'profile.logo_url', note: 'derived' },
  { entra: 'appOwnerOrganizationId ∈ organization ids', field: 'profile.tenant_owned', note: 'derived' },
  { entra: 'owners', field: 'grants of enterprise_application:<id>:owner', note: '$batch' },
  {
    entra: 'appRoleAssignedTo',
    field: 'grants of enterprise_application:<id>:assignment:<appRoleId>',
    note: 'groups expandable',
  },
];

/**
 * Which service principals are synced as enterprise applications: applications the tenant owns,
 * and any other (Microsoft first-party, third-party) that has assignments; with skipUnassignedApps
 * only those with assignments.
 */
export function isSyncedApplication(
  sp: Pick<GraphServicePrincipal, 'servicePrincipalType' | 'appOwnerOrganizationId'>,
  orgIds: Set<string>,
  hasAssignments: boolean,
  config: ConnectorConfig,
): boolean {
  if (sp.servicePrincipalType !== 'Application') return false;
  if (config.skipUnassignedApps) return hasAssignments;
  const owner = sp.appOwnerOrganizationId;
  return (
    hasAssignments ||
    (typeof owner === 'string' && owner !== MICROSOFT_FIRST_PARTY_OWNER && orgIds.has(owner))
  );
}

/** Pure: a Graph service principal → an `enterprise_application` resource. */
export function toAppResource(sp: GraphServicePrincipal, orgIds: Set<string>): Resource {
  const id = sp.id;
  const profile = pick(sp, [
    'appId',
    'appDisplayName',
    'appOwnerOrganizationId',
    'servicePrincipalType',
    'tags',
    'homepage',
    'preferredSingleSignOnMode',
  ]);
  const logo = sp.info?.logoUrl;
  if (typeof logo === 'string') profile.logo_url = logo;
  const owner = sp.appOwnerOrganizationId;
  profile.tenant_owned = typeof owner === 'string' && orgIds.has(owner);
  const r: Resource = {
    id: { resourceType: 'enterprise_application', resource: id },
    displayName: sp.displayName ?? id,
    status: sp.accountEnabled === false ? 'disabled' : 'enabled',
    profile,
  };
  if (typeof sp.description === 'string' && sp.description) r.description = sp.description;
  if (typeof sp.homepage === 'string' && sp.homepage) r.externalLink = sp.homepage;
  if (typeof sp.createdDateTime === 'string') r.createdAt = sp.createdDateTime;
  return r;
}

/** Who can hold an app role: `User` roles go to users and groups, `Application` roles to apps. */
const MEMBER_TYPE_GRANTEES: Record<string, string[]> = {
  User: ['user', 'group'],
  Application: ['enterprise_application', 'managed_identity'],
};

/**
 * Owner, default access, and one entitlement per app role, whatever its member types: an
 * application permission (`allowedMemberTypes: ["Application"]`, e.g. Microsoft Graph's
 * Directory.ReadWrite.All) granted to an app or a managed identity is access like any other.
 * https://learn.microsoft.com/graph/api/resources/approle
 */
export function appEntitlements(r: Resource, sp: Pick<GraphServicePrincipal, 'appRoles'>): Entitlement[] {
  const out: Entitlement[] = [
    {
      id: entitlementId(r.id, 'owner'),
      resource: r.id,
      slug: 'owner',
      purpose: 'ownership',
      grantableTo: ['user', 'enterprise_application', 'managed_identity'],
      displayName: `${r.displayName} owner`,
    },
    {
      id: entitlementId(r.id, `assignment:${DEFAULT_ACCESS_ROLE}`),
      resource: r.id,
      slug: `assignment:${DEFAULT_ACCESS_ROLE}`,
      purpose: 'assignment',
      grantableTo: MEMBER_TYPE_GRANTEES.User!,
      displayName: `${r.displayName} default access`,
    },
  ];
  for (const role of sp.appRoles ?? []) {
    if (role.id === DEFAULT_ACCESS_ROLE) continue;
    const grantableTo = [
      ...new Set((role.allowedMemberTypes ?? []).flatMap((t) => MEMBER_TYPE_GRANTEES[t] ?? [])),
    ];
    // A role open to no kind of principal Graph knows cannot be held; there is nothing to offer.
    if (grantableTo.length === 0) continue;
    const slug = `assignment:${role.id}`;
    out.push({
      id: entitlementId(r.id, slug),
      resource: r.id,
      slug,
      purpose: 'assignment',
      grantableTo,
      displayName: `${r.displayName} ${role.value ?? role.displayName ?? role.id}`,
      ...(role.displayName ? { description: role.displayName } : {}),
    });
  }
  return out;
}

export function createAppSyncer(deps: SyncerDeps): ResourceSyncer {
  const map = (id: string, sp: GraphServicePrincipal): Resource | undefined => {
    if (sp.servicePrincipalType !== 'Application') return undefined;
    const assigned = deps.source.hasLinks('servicePrincipal', id, 'assignment:');
    if (!isSyncedApplication(sp, deps.orgIds, assigned, deps.config)) {
      deps.drop('application not tenant-owned and unassigned');
      return undefined;
    }
    return toAppResource(sp, deps.orgIds);
  };
  return {
    resourceType: RESOURCE_TYPES.enterprise_application,
    list(token): Promise<Page<Resource>> {
      return listKind<GraphServicePrincipal>(deps, 'servicePrincipal', token, map);
    },
    resource: (id) => oneOfKind(deps, 'servicePrincipal', id, map),
    entitlements(resource): Entitlement[] {
      return appEntitlements(
        resource,
        deps.source.get<GraphServicePrincipal>('servicePrincipal', resource.id.resource) ?? {},
      );
    },
    grants(resource, token): Promise<Page<Grant>> {
      return grantsFromLinks(deps, 'servicePrincipal', resource.id.resource, '', token, (l) => {
        if (l.rel !== 'owner' && !l.rel.startsWith('assignment:')) return undefined;
        const p = principalFor(deps, l.targetKind, l.targetId);
        if (!p) return undefined;
        if (l.rel === 'owner') delete p.expandable;
        return makeGrant(entitlementId(resource.id, l.rel), p);
      });
    },
  };
}

import { entitlementId } from '../../framework/ids.js';
import type { Entitlement, Grant, Page, Resource, ResourceSyncer } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { kindOf, listKind, makeGrant, oneOfKind, principalFor, type SyncerDeps } from '../shared/common.js';
import type { FieldMapping } from '../shared/mapping.js';
import type { GraphRoleDefinition } from './graph.js';

export const ROLE_MAPPINGS: FieldMapping[] = [
  { entra: 'roleDefinition.id', field: 'id.resource' },
  { entra: 'displayName', field: 'displayName' },
  { entra: 'description', field: 'description' },
  { entra: 'templateId', field: 'profile.template_id' },
  { entra: 'isBuiltIn', field: 'profile.is_built_in' },
  { entra: 'isEnabled', field: 'profile.is_enabled' },
  {
    entra: 'roleAssignments + roleAssignmentScheduleInstances',
    field: 'grants of role:<id>:assigned',
    note: 'metadata.directory_scopes',
  },
  {
    entra: 'roleEligibilityScheduleInstances',
    field: 'grants of role:<id>:eligible',
    note: 'PIM; metadata.directory_scopes',
  },
];

/** Pure: a unified role definition → a `role` resource. */
export function toRoleResource(d: GraphRoleDefinition): Resource {
  const id = d.id;
  const r: Resource = {
    id: { resourceType: 'role', resource: id },
    displayName: d.displayName ?? id,
    status: d.isEnabled === false ? 'disabled' : 'enabled',
    profile: {
      template_id: d.templateId ?? id,
      is_built_in: d.isBuiltIn === true,
      is_enabled: d.isEnabled !== false,
    },
  };
  if (typeof d.description === 'string' && d.description) r.description = d.description;
  return r;
}

export function roleEntitlements(r: Resource): Entitlement[] {
  const grantableTo = ['user', 'group', 'enterprise_application', 'managed_identity'];
  return [
    {
      id: entitlementId(r.id, 'assigned'),
      resource: r.id,
      slug: 'assigned',
      purpose: 'assignment',
      grantableTo,
      displayName: `${r.displayName} (active)`,
    },
    {
      id: entitlementId(r.id, 'eligible'),
      resource: r.id,
      slug: 'eligible',
      purpose: 'assignment',
      grantableTo,
      displayName: `${r.displayName} (eligible)`,
    },
  ];
}

export function createRoleSyncer(deps: SyncerDeps): ResourceSyncer {
  return {
    resourceType: RESOURCE_TYPES.role,
    list(token): Promise<Page<Resource>> {
      return listKind<GraphRoleDefinition>(deps, 'roleDefinition', token, (_id, d) => toRoleResource(d));
    },
    resource: (id) =>
      oneOfKind<GraphRoleDefinition>(deps, 'roleDefinition', id, (_id, d) => toRoleResource(d)),
    entitlements: roleEntitlements,
    grants(resource): Promise<Page<Grant>> {
      // One grant per principal and slug; the directory scopes it holds the role at are merged
      // into its metadata. A role has few holders, so one page suffices.
      const byGrant = new Map<string, { grant: Grant; scopes: Set<string> }>();
      for (const l of deps.source.links('roleDefinition', resource.id.resource)) {
        if (l.rel !== 'assigned' && l.rel !== 'eligible') continue;
        const p = principalFor(deps, kindOf(deps, l.targetId), l.targetId);
        if (!p) continue;
        const grant = makeGrant(entitlementId(resource.id, l.rel), p);
        const seen = byGrant.get(grant.id) ?? { grant, scopes: new Set<string>() };
        seen.scopes.add(l.extra ?? '/');
        byGrant.set(grant.id, seen);
      }
      return Promise.resolve({
        items: [...byGrant.values()].map(({ grant, scopes }) => ({
          ...grant,
          metadata: { directory_scopes: [...scopes].sort() },
        })),
      });
    },
  };
}

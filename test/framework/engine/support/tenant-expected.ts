import type { ConnectorConfig } from '../../../../src/config/types.js';
import type { TenantStore } from '../../../../src/simulator/tenant/store-api.js';

const ZERO = '00000000-0000-0000-0000-000000000000';

/**
 * Every resource and grant id a sync of the simulator's tenant must produce, computed directly from
 * the TenantStore (no connector code), for the options the end-to-end tests use.
 */
export function expectedFromStore(
  t: TenantStore,
  c: ConnectorConfig,
): { resources: string[]; grants: string[] } {
  const resources = new Set<string>();
  for (const id of t.users.keys()) resources.add(`user:${id}`);
  for (const [id, g] of t.groups)
    if (!(c.skipAdGroups && g.onPremisesSyncEnabled === true)) resources.add(`group:${id}`);
  for (const id of t.roleDefinitions.keys()) resources.add(`role:${id}`);
  const orgId = t.organization.id;
  for (const [id, sp] of t.servicePrincipals) {
    if (sp.servicePrincipalType === 'ManagedIdentity') resources.add(`managed_identity:${id}`);
    if (sp.servicePrincipalType !== 'Application') continue;
    const assigned = t.appRoleAssignedTo(id).length > 0;
    if (assigned || (!c.skipUnassignedApps && sp.appOwnerOrganizationId === orgId))
      resources.add(`enterprise_application:${id}`);
  }
  if (c.syncResourceTypes.length === 0 || c.syncResourceTypes.includes('credential')) {
    for (const o of [...t.applications.values(), ...t.servicePrincipals.values()])
      for (const k of [...o.passwordCredentials, ...o.keyCredentials])
        resources.add(`credential:${o.id}:${k.keyId}`);
  }
  for (const s of t.subscribedSkus) resources.add(`license:${s.skuId}`);
  if (c.syncDevices) for (const id of t.devices.keys()) resources.add(`device:${id}`);

  const principal = (id: string): string | undefined => {
    const kind = t.kindOf(id);
    if (kind === 'user' || kind === 'group' || kind === 'device') return `${kind}:${id}`;
    if (kind === 'servicePrincipal') {
      const sp = t.servicePrincipals.get(id)!;
      return `${sp.servicePrincipalType === 'ManagedIdentity' ? 'managed_identity' : 'enterprise_application'}:${id}`;
    }
    return undefined;
  };
  const grants = new Set<string>();
  const add = (resource: string, slug: string, principalId: string) => {
    const p = principal(principalId);
    if (p && resources.has(p) && resources.has(resource)) grants.add(`${resource}:${slug}:${p}`);
  };
  for (const g of t.groups.keys()) {
    for (const m of t.membersOf(g)) add(`group:${g}`, 'member', m);
    for (const o of t.ownersOf(g)) add(`group:${g}`, 'owner', o);
  }
  for (const a of t.roleAssignments.values()) add(`role:${a.roleDefinitionId}`, 'assigned', a.principalId);
  for (const a of t.roleAssignmentScheduleInstances.values()) {
    if (a.memberType === 'Direct') add(`role:${a.roleDefinitionId}`, 'assigned', a.principalId);
  }
  for (const a of t.roleEligibilityScheduleInstances.values()) {
    if (a.memberType === 'Direct') add(`role:${a.roleDefinitionId}`, 'eligible', a.principalId);
  }
  for (const [id, sp] of t.servicePrincipals) {
    // Every app role is an entitlement, delegated (User) and application permissions alike: an app
    // holding Directory.ReadWrite.All on Microsoft Graph is a grant like any user's assignment.
    const roles = new Set([ZERO, ...sp.appRoles.map((r) => r.id)]);
    for (const a of t.appRoleAssignedTo(id)) {
      if (roles.has(a.appRoleId))
        add(`enterprise_application:${id}`, `assignment:${a.appRoleId}`, a.principalId);
    }
    for (const o of t.ownersOf(id)) add(`enterprise_application:${id}`, 'owner', o);
  }
  for (const u of t.users.values())
    for (const l of u.assignedLicenses) add(`license:${l.skuId}`, 'assigned', u.id);
  return { resources: [...resources].sort(), grants: [...grants].sort() };
}

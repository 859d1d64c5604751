import type { ConnectorConfig } from '../../../src/config/types.js';
import type { FakeTenant, Obj } from './support/fake-tenant.js';

const ZERO = '00000000-0000-0000-0000-000000000000';

/**
 * The resource and grant ids a sync of `t` must produce, computed straight from the tenant (for
 * the default options plus the ones the tests vary).
 */
export function expectedIds(t: FakeTenant, c: ConnectorConfig): { resources: string[]; grants: string[] } {
  const resources: string[] = [];
  const grants: string[] = [];
  const users = [...t.users.values()].filter(
    (u) => !c.licensedUsersOnly || (u.assignedLicenses as unknown[]).length > 0,
  );
  for (const u of users) resources.push(`user:${u.id as string}`);
  const groups = [...t.groups.values()].filter((g) => !(c.skipAdGroups && g.onPremisesSyncEnabled === true));
  for (const g of groups) resources.push(`group:${g.id as string}`);
  for (const id of t.roleDefs.keys()) resources.push(`role:${id}`);
  const assigned = new Set(t.assignments.map((a) => a.resourceId));
  const apps = [...t.sps.values()].filter(
    (s) =>
      s.servicePrincipalType === 'Application' &&
      (assigned.has(s.id as string) || (!c.skipUnassignedApps && s.appOwnerOrganizationId === t.orgId)),
  );
  for (const s of apps) resources.push(`enterprise_application:${s.id as string}`);
  for (const s of t.sps.values())
    if (s.servicePrincipalType === 'ManagedIdentity') resources.push(`managed_identity:${s.id as string}`);
  if (c.syncResourceTypes.length === 0 || c.syncResourceTypes.includes('credential')) {
    for (const o of [...t.apps.values(), ...t.sps.values()]) {
      const creds = [...((o.passwordCredentials as Obj[]) ?? []), ...((o.keyCredentials as Obj[]) ?? [])];
      for (const k of creds) resources.push(`credential:${o.id as string}:${k.keyId as string}`);
    }
  }
  for (const s of t.skus) resources.push(`license:${s.skuId as string}`);
  if (c.syncDevices) for (const id of t.devices.keys()) resources.push(`device:${id}`);
  const have = new Set(resources);
  const principal = (id: string): string | undefined => {
    if (t.users.has(id)) return `user:${id}`;
    if (t.groups.has(id)) return `group:${id}`;
    const sp = t.sps.get(id);
    if (sp)
      return `${sp.servicePrincipalType === 'ManagedIdentity' ? 'managed_identity' : 'enterprise_application'}:${id}`;
    if (t.devices.has(id)) return `device:${id}`;
    return undefined;
  };
  const add = (ent: string, id: string) => {
    const p = principal(id);
    if (p && have.has(p) && have.has(ent.split(':').slice(0, 2).join(':'))) grants.push(`${ent}:${p}`);
  };
  for (const [g, members] of t.members) {
    for (const m of members.keys()) {
      if (c.skipAdGroups && !c.includeOnPremGroupMembers && t.users.get(m)?.onPremisesSyncEnabled === true)
        continue;
      add(`group:${g}:member`, m);
    }
  }
  for (const [g, owners] of t.owners) for (const o of owners.keys()) add(`group:${g}:owner`, o);
  for (const a of t.roleAssignments) add(`role:${a.roleDefinitionId}:assigned`, a.principalId);
  if (t.pim) for (const a of t.eligible) add(`role:${a.roleDefinitionId}:eligible`, a.principalId);
  for (const a of t.assignments) {
    const sp = t.sps.get(a.resourceId)!;
    // Application permissions (roles for apps) are entitlements as much as roles for users.
    const roles = (sp.appRoles as { id: string }[]) ?? [];
    if (a.appRoleId === ZERO || roles.some((r) => r.id === a.appRoleId)) {
      add(`enterprise_application:${a.resourceId}:assignment:${a.appRoleId}`, a.principalId);
    }
  }
  for (const [sp, owners] of t.spOwners) for (const o of owners) add(`enterprise_application:${sp}:owner`, o);
  for (const u of users)
    for (const l of u.assignedLicenses as { skuId: string }[])
      add(`license:${l.skuId}:assigned`, u.id as string);
  return { resources: [...new Set(resources)].sort(), grants: [...new Set(grants)].sort() };
}

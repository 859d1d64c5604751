/**
 * Directory audit entries built from the tenant alone: the targets as Entra names them, and the
 * entry a change gets when it is made on the store directly (as an administrator in the portal
 * would), so that every change the tenant goes through is in the audit log.
 * https://learn.microsoft.com/graph/api/resources/directoryaudit
 */
import { randomUUID } from 'node:crypto';
import type { DirectoryAuditRecord, Guid } from './model.js';
import type { TenantStore } from './store-api.js';

export type AuditTarget = DirectoryAuditRecord['targetResources'][number];
export type AuditInitiator = DirectoryAuditRecord['initiatedBy'];
export type AuditCategory =
  'GroupManagement' | 'UserManagement' | 'ApplicationManagement' | 'RoleManagement' | 'Device';

/** The maps a target is looked up in. */
export type AuditDirectory = Pick<
  TenantStore,
  'users' | 'deletedUsers' | 'groups' | 'servicePrincipals' | 'devices' | 'roleDefinitions'
>;

/** Changes made outside Graph stand for an administrator working in the portal. */
export const PORTAL_INITIATOR: AuditInitiator = {
  user: {
    id: '00000000-0000-0000-0000-000000000000',
    displayName: 'Simulator control',
    userPrincipalName: null,
  },
  app: null,
};

/** An audit target for a directory object (or a role definition), named as Entra names it. */
export function auditTarget(
  dir: AuditDirectory,
  id: Guid,
  modified: AuditTarget['modifiedProperties'] = [],
): AuditTarget {
  const base = { id, userPrincipalName: null, modifiedProperties: modified };
  const u = dir.users.get(id) ?? dir.deletedUsers.get(id);
  if (u) return { ...base, displayName: u.displayName, type: 'User', userPrincipalName: u.userPrincipalName };
  const g = dir.groups.get(id);
  if (g) return { ...base, displayName: g.displayName, type: 'Group' };
  const sp = dir.servicePrincipals.get(id);
  if (sp) return { ...base, displayName: sp.displayName, type: 'ServicePrincipal' };
  const d = dir.devices.get(id);
  if (d) return { ...base, displayName: d.displayName, type: 'Device' };
  const r = dir.roleDefinitions.get(id);
  if (r) return { ...base, displayName: r.displayName, type: 'Role' };
  return { ...base, displayName: null, type: 'Other' };
}

function operationType(activity: string): string {
  const verb = activity.split(' ')[0];
  return verb === 'Add' ? 'Assign' : verb === 'Remove' ? 'Unassign' : verb === 'Delete' ? 'Delete' : 'Update';
}

/** PIM writes its own entries ("… in PIM completed …"); everything else is the core directory. */
function service(activity: string): string {
  return activity.includes(' in PIM ') ? 'PIM' : 'Core Directory';
}

export function auditEntry(
  at: number,
  initiatedBy: AuditInitiator,
  correlationId: string,
  activity: string,
  category: AuditCategory,
  targets: AuditTarget[],
): DirectoryAuditRecord {
  return {
    id: `Directory_${randomUUID()}`,
    category,
    correlationId,
    result: 'success',
    resultReason: '',
    activityDisplayName: activity,
    activityDateTime: new Date(at).toISOString(),
    loggedByService: service(activity),
    operationType: operationType(activity),
    initiatedBy,
    targetResources: targets,
    additionalDetails: [],
  };
}

/** The activity for an app-role grant or removal, by principal type. */
export function appRoleActivity(principalType: 'User' | 'Group' | 'ServicePrincipal', add: boolean): string {
  if (principalType === 'User')
    return add ? 'Add app role assignment grant to user' : 'Remove app role assignment from user';
  if (principalType === 'Group')
    return add ? 'Add app role assignment to group' : 'Remove app role assignment from group';
  return add
    ? 'Add app role assignment to service principal'
    : 'Remove app role assignment from service principal';
}

/**
 * Entra files an app-role grant under the principal's category: a user's under UserManagement, a
 * group's under GroupManagement, a service principal's under ApplicationManagement.
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 */
export function appRoleCategory(principalType: 'User' | 'Group' | 'ServicePrincipal'): AuditCategory {
  return principalType === 'User'
    ? 'UserManagement'
    : principalType === 'Group'
      ? 'GroupManagement'
      : 'ApplicationManagement';
}

/**
 * PIM's activity names for schedule instances (permanent or time-bound).
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 */
export function pimActivity(which: 'active' | 'eligible', add: boolean, timeBound: boolean): string {
  const who = which === 'eligible' ? 'eligible member' : 'member';
  const verb = add ? `Add ${who} to role` : `Remove ${who} from role`;
  return `${verb} in PIM completed (${timeBound ? 'timebound' : 'permanent'})`;
}

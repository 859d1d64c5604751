import { randomUUID } from 'node:crypto';
import type { SimContext } from '../context.js';
import type { DirectoryAuditRecord, Guid } from '../tenant/model.js';
import type { GraphRequest } from './route.js';

type Target = DirectoryAuditRecord['targetResources'][number];
export type Category =
  'GroupManagement' | 'UserManagement' | 'ApplicationManagement' | 'RoleManagement' | 'Device';

/** An audit target for a directory object (or a role definition), named as Entra names it. */
export function target(ctx: SimContext, id: Guid, modified: Target['modifiedProperties'] = []): Target {
  const s = ctx.store;
  const u = s.users.get(id) ?? s.deletedUsers.get(id);
  if (u)
    return {
      id,
      displayName: u.displayName,
      type: 'User',
      userPrincipalName: u.userPrincipalName,
      modifiedProperties: modified,
    };
  const g = s.groups.get(id);
  if (g)
    return {
      id,
      displayName: g.displayName,
      type: 'Group',
      userPrincipalName: null,
      modifiedProperties: modified,
    };
  const sp = s.servicePrincipals.get(id);
  if (sp)
    return {
      id,
      displayName: sp.displayName,
      type: 'ServicePrincipal',
      userPrincipalName: null,
      modifiedProperties: modified,
    };
  const d = s.devices.get(id);
  if (d)
    return {
      id,
      displayName: d.displayName,
      type: 'Device',
      userPrincipalName: null,
      modifiedProperties: modified,
    };
  const r = s.roleDefinitions.get(id);
  if (r)
    return {
      id,
      displayName: r.displayName,
      type: 'Role',
      userPrincipalName: null,
      modifiedProperties: modified,
    };
  return { id, displayName: null, type: 'Other', userPrincipalName: null, modifiedProperties: modified };
}

export type Initiator = DirectoryAuditRecord['initiatedBy'];

/** Changes made through `/_sim/mutate` stand for an administrator working in the portal. */
export const CONTROL_INITIATOR: Initiator = {
  user: {
    id: '00000000-0000-0000-0000-000000000000',
    displayName: 'Simulator control',
    userPrincipalName: null,
  },
  app: null,
};

function appInitiator(ctx: SimContext, appId: string): Initiator {
  const client = ctx.store.clients.get(appId);
  const sp = [...ctx.store.servicePrincipals.values()].find((x) => x.appId === appId);
  return {
    user: null,
    app: { appId, displayName: client?.displayName ?? null, servicePrincipalId: sp?.id ?? appId },
  };
}

function operationType(activity: string): string {
  const verb = activity.split(' ')[0];
  return verb === 'Add' ? 'Assign' : verb === 'Remove' ? 'Unassign' : verb === 'Delete' ? 'Delete' : 'Update';
}

export function recordAudit(
  ctx: SimContext,
  initiatedBy: Initiator,
  correlationId: string,
  activity: string,
  category: Category,
  targets: Target[],
): void {
  ctx.store.addAudit({
    id: `Directory_${randomUUID()}`,
    category,
    correlationId,
    result: 'success',
    resultReason: '',
    activityDisplayName: activity,
    activityDateTime: new Date(ctx.clock.now()).toISOString(),
    loggedByService: 'Core Directory',
    operationType: operationType(activity),
    initiatedBy,
    targetResources: targets,
    additionalDetails: [],
  });
}

/**
 * Records what a Graph write did in the directory audit log, initiated by the calling app, with
 * Entra's activity names ("Add member to group", "Add app role assignment grant to user", …), so a
 * client can drive incremental work from `/auditLogs/directoryAudits` as it would against Entra.
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 */
export function audit(
  ctx: SimContext,
  req: GraphRequest,
  activity: string,
  category: Category,
  targets: Target[],
): void {
  recordAudit(ctx, appInitiator(ctx, req.claims.appid), req.clientRequestId, activity, category, targets);
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

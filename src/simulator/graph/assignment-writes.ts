import { GraphHttpError, json, noContent } from '../http/message.js';
import type { AppRoleAssignmentRecord, Guid } from '../tenant/model.js';
import { appRoleCategory } from '../tenant/audit-entry.js';
import { appRoleActivity, audit, target as auditTarget } from './audit.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { route, type GraphRoute } from './route.js';
import { apply, badRequest, body } from './write-support.js';
import { appRoleAssignmentId as assignmentId, roleAssignmentId } from '../ids.js';

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

/** Grants and revocations of app roles and directory roles. */
export const assignmentWrites: GraphRoute[] = [
  // https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
  route('POST', '/servicePrincipals/{id}/appRoleAssignedTo', PERMS.appRoleWrite, (ctx, req, [spId]) => {
    const sp = ctx.store.servicePrincipals.get(spId as string);
    if (!sp) throw notFound(spId as string);
    const b = body(req) as { principalId?: Guid; resourceId?: Guid; appRoleId?: Guid };
    if (!b.principalId || !b.appRoleId)
      throw badRequest("Properties 'principalId', 'resourceId' and 'appRoleId' are required.");
    if (b.resourceId && b.resourceId !== sp.id)
      throw badRequest('The resourceId in the body does not match the service principal in the URL.');
    if (b.appRoleId !== ZERO_GUID && !sp.appRoles.some((r) => r.id === b.appRoleId))
      throw badRequest('Permission being assigned was not found on application');
    const kind = ctx.store.kindOf(b.principalId);
    if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw notFound(b.principalId);
    if (
      ctx.store
        .appRoleAssignedTo(sp.id)
        .some((a) => a.principalId === b.principalId && a.appRoleId === b.appRoleId)
    )
      throw badRequest('Permission being assigned already exists on the object');
    const principal = (
      kind === 'user' ? ctx.store.users : kind === 'group' ? ctx.store.groups : ctx.store.servicePrincipals
    ).get(b.principalId) as { displayName: string };
    const rec = {
      id: assignmentId(b.principalId),
      appRoleId: b.appRoleId,
      principalId: b.principalId,
      principalType: (kind === 'user'
        ? 'User'
        : kind === 'group'
          ? 'Group'
          : 'ServicePrincipal') as AppRoleAssignmentRecord['principalType'],
      principalDisplayName: principal.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      createdDateTime: new Date(ctx.clock.now()).toISOString(),
      deletedDateTime: null,
    };
    apply(() => ctx.store.addAppRoleAssignment(rec));
    audit(ctx, req, appRoleActivity(rec.principalType, true), appRoleCategory(rec.principalType), [
      auditTarget(ctx, rec.principalId),
      auditTarget(ctx, sp.id),
    ]);
    return json(201, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#servicePrincipals('${sp.id}')/appRoleAssignedTo/$entity`,
      ...rec,
    });
  }),
  route(
    'DELETE',
    '/servicePrincipals/{id}/appRoleAssignedTo/{assignment}',
    PERMS.appRoleWrite,
    (ctx, req, [spId, aid]) => {
      const a = ctx.store.appRoleAssignedTo(spId as string).find((x) => x.id === aid);
      if (!a) throw notFound(aid as string);
      apply(() => ctx.store.removeAppRoleAssignment(a.id));
      audit(ctx, req, appRoleActivity(a.principalType, false), appRoleCategory(a.principalType), [
        auditTarget(ctx, a.principalId),
        auditTarget(ctx, a.resourceId),
      ]);
      return noContent();
    },
  ),
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments
  route('POST', '/roleManagement/directory/roleAssignments', PERMS.rolesWrite, (ctx, req) => {
    const b = body(req) as { roleDefinitionId?: Guid; principalId?: Guid; directoryScopeId?: string };
    if (!b.roleDefinitionId || !b.principalId || !b.directoryScopeId)
      throw badRequest("Properties 'roleDefinitionId', 'principalId' and 'directoryScopeId' are required.");
    if (!ctx.store.roleDefinitions.has(b.roleDefinitionId)) throw notFound(b.roleDefinitionId);
    if (!ctx.store.kindOf(b.principalId)) throw notFound(b.principalId);
    const id = roleAssignmentId(b.roleDefinitionId, b.principalId);
    const exists = [...ctx.store.roleAssignments.values()].some(
      (a) =>
        a.principalId === b.principalId &&
        a.roleDefinitionId === b.roleDefinitionId &&
        a.directoryScopeId === b.directoryScopeId,
    );
    if (exists)
      throw new GraphHttpError(
        409,
        'Request_BadRequest',
        'A conflicting object with one or more of the specified property values is present in the directory.',
      );
    const rec = {
      id: b.directoryScopeId === '/' ? id : `${id.slice(0, -2)}-${b.directoryScopeId.split('/').pop()}`,
      principalId: b.principalId,
      roleDefinitionId: b.roleDefinitionId,
      directoryScopeId: b.directoryScopeId,
      appScopeId: null,
      condition: null,
    };
    apply(() => ctx.store.addRoleAssignment(rec));
    audit(ctx, req, 'Add member to role', 'RoleManagement', [
      auditTarget(ctx, rec.principalId),
      auditTarget(ctx, rec.roleDefinitionId),
    ]);
    return json(201, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#roleManagement/directory/roleAssignments/$entity`,
      ...rec,
    });
  }),
  route('DELETE', '/roleManagement/directory/roleAssignments/{id}', PERMS.rolesWrite, (ctx, req, [id]) => {
    const a = ctx.store.roleAssignments.get(id as string);
    if (!a) throw notFound(id as string);
    apply(() => ctx.store.removeRoleAssignment(a.id));
    audit(ctx, req, 'Remove member from role', 'RoleManagement', [
      auditTarget(ctx, a.principalId),
      auditTarget(ctx, a.roleDefinitionId),
    ]);
    return noContent();
  }),
];

import { randomBytes } from 'node:crypto';
import { GraphHttpError, json, noContent } from '../http/message.js';
import type { Guid } from '../tenant/model.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { route, type GraphRoute } from './route.js';
import { apply, badRequest, body } from './write-support.js';

/** appRoleAssignment ids: base64url(bytes_le(principalId) ‖ 16 opaque bytes). graph.md §8. */
function assignmentId(principalId: Guid): string {
  return Buffer.concat([guidBytesLe(principalId), randomBytes(16)]).toString('base64url');
}

function guidBytesLe(g: Guid): Buffer {
  const h = g.replace(/-/g, '');
  const b = Buffer.from(h, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** roleAssignment ids: base64url(bytes_le(roleDefinitionId) ‖ bytes_le(principalId)) + "-1". graph.md §5. */
function roleAssignmentId(roleDefinitionId: Guid, principalId: Guid): string {
  return `${Buffer.concat([guidBytesLe(roleDefinitionId), guidBytesLe(principalId)]).toString('base64url')}-1`;
}

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
      principalType: (kind === 'user' ? 'User' : kind === 'group' ? 'Group' : 'ServicePrincipal') as 'User',
      principalDisplayName: principal.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      createdDateTime: new Date(ctx.clock.now()).toISOString(),
      deletedDateTime: null,
    };
    apply(() => ctx.store.addAppRoleAssignment(rec));
    return json(201, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#servicePrincipals('${sp.id}')/appRoleAssignedTo/$entity`,
      ...rec,
    });
  }),
  route(
    'DELETE',
    '/servicePrincipals/{id}/appRoleAssignedTo/{assignment}',
    PERMS.appRoleWrite,
    (ctx, _req, [spId, aid]) => {
      if (!ctx.store.appRoleAssignedTo(spId as string).some((a) => a.id === aid))
        throw notFound(aid as string);
      apply(() => ctx.store.removeAppRoleAssignment(aid as string));
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
    return json(201, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#roleManagement/directory/roleAssignments/$entity`,
      ...rec,
    });
  }),
  route('DELETE', '/roleManagement/directory/roleAssignments/{id}', PERMS.rolesWrite, (ctx, _req, [id]) => {
    if (!ctx.store.roleAssignments.has(id as string)) throw notFound(id as string);
    apply(() => ctx.store.removeRoleAssignment(id as string));
    return noContent();
  }),
];

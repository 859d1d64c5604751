import { json, noContent } from '../http/message.js';
import type { AppRoleAssignmentRecord, Guid } from '../tenant/model.js';
import { appRoleCategory } from '../tenant/audit-entry.js';
import { appRoleActivity, audit, target as auditTarget } from './audit.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import type { SimContext } from '../context.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { apply, badRequest, body } from './write-support.js';
import { appRoleAssignmentId as assignmentId, scopedRoleAssignmentId } from '../ids.js';
import { isoSeconds } from '../tenant/ids.js';

const ZERO_GUID = '00000000-0000-0000-0000-000000000000';

const PRINCIPAL_TYPE = { user: 'User', group: 'Group', servicePrincipal: 'ServicePrincipal' } as const;

/**
 * Grants an app role of `resourceId` to `principalId`. The role must be one of the resource's
 * app roles, or the all-zero default-access role (which any service principal has), and allow the
 * principal's type; the same grant twice is a 400 "Permission being assigned already exists on
 * the object".
 * https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
 */
function grant(ctx: SimContext, req: GraphRequest, b: AssignmentBody, contextPath: string) {
  if (!b.principalId || !b.appRoleId || !b.resourceId)
    throw badRequest("Properties 'principalId', 'resourceId' and 'appRoleId' are required.");
  const sp = ctx.store.servicePrincipals.get(b.resourceId);
  if (!sp) throw notFound(b.resourceId);
  const role = sp.appRoles.find((r) => r.id === b.appRoleId);
  if (b.appRoleId !== ZERO_GUID && !role)
    throw badRequest('Permission being assigned was not found on application');
  const kind = ctx.store.kindOf(b.principalId);
  if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal') throw notFound(b.principalId);
  const principalType = PRINCIPAL_TYPE[kind];
  const member = principalType === 'ServicePrincipal' ? 'Application' : 'User';
  if (role && !role.allowedMemberTypes.includes(member))
    throw badRequest(
      `The app role '${role.id}' does not allow assignment to principals of type '${principalType}'.`,
    );
  if (
    ctx.store
      .appRoleAssignedTo(sp.id)
      .some((a) => a.principalId === b.principalId && a.appRoleId === b.appRoleId)
  )
    throw badRequest('Permission being assigned already exists on the object');
  const principal = (
    kind === 'user' ? ctx.store.users : kind === 'group' ? ctx.store.groups : ctx.store.servicePrincipals
  ).get(b.principalId) as { displayName: string };
  const rec: AppRoleAssignmentRecord = {
    id: assignmentId(b.principalId),
    appRoleId: b.appRoleId,
    principalId: b.principalId,
    principalType,
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
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#${contextPath}/$entity`,
    ...rec,
  });
}

function revoke(ctx: SimContext, req: GraphRequest, a: AppRoleAssignmentRecord | undefined, id: string) {
  if (!a) throw notFound(id);
  apply(() => ctx.store.removeAppRoleAssignment(a.id));
  audit(ctx, req, appRoleActivity(a.principalType, false), appRoleCategory(a.principalType), [
    auditTarget(ctx, a.principalId),
    auditTarget(ctx, a.resourceId),
  ]);
  return noContent();
}

interface AssignmentBody {
  principalId?: Guid;
  resourceId?: Guid;
  appRoleId?: Guid;
}

/**
 * The principal's side: `POST /groups/{id}/appRoleAssignments` (and service principals) grants
 * with the principal taken from the URL; `DELETE …/appRoleAssignments/{id}` revokes one the
 * principal holds. (Users' own side is left out: the connector's permission table, which a test
 * checks against every simulator route, names User.ReadWrite.All for it, which Graph does not
 * accept there.)
 * https://learn.microsoft.com/graph/api/group-post-approleassignments
 * https://learn.microsoft.com/graph/api/group-delete-approleassignments
 */
function principalSide(set: 'groups' | 'servicePrincipals', kind: string): GraphRoute[] {
  const must = (ctx: SimContext, id: string): Guid => {
    if (ctx.store.kindOf(id) !== kind) throw notFound(id);
    return id;
  };
  return [
    route('POST', `/${set}/{id}/appRoleAssignments`, PERMS.appRoleWrite, (ctx, req, [id]) => {
      const principalId = must(ctx, id as string);
      const b = body(req) as AssignmentBody;
      if (b.principalId && b.principalId !== principalId)
        throw badRequest('The principalId in the body does not match the principal in the URL.');
      return grant(ctx, req, { ...b, principalId }, `${set}('${principalId}')/appRoleAssignments`);
    }),
    route(
      'DELETE',
      `/${set}/{id}/appRoleAssignments/{assignment}`,
      PERMS.appRoleWrite,
      (ctx, req, [id, aid]) => {
        const principalId = must(ctx, id as string);
        const a = ctx.store.appRoleAssignmentsOf(principalId).find((x) => x.id === aid);
        return revoke(ctx, req, a, aid as string);
      },
    ),
  ];
}

/** Grants and revocations of app roles and directory roles. */
export const assignmentWrites: GraphRoute[] = [
  route('POST', '/servicePrincipals/{id}/appRoleAssignedTo', PERMS.appRoleWrite, (ctx, req, [spId]) => {
    const sp = ctx.store.servicePrincipals.get(spId as string);
    if (!sp) throw notFound(spId as string);
    const b = body(req) as AssignmentBody;
    if (b.resourceId && b.resourceId !== sp.id)
      throw badRequest('The resourceId in the body does not match the service principal in the URL.');
    return grant(ctx, req, { ...b, resourceId: sp.id }, `servicePrincipals('${sp.id}')/appRoleAssignedTo`);
  }),
  // https://learn.microsoft.com/graph/api/serviceprincipal-delete-approleassignedto
  route(
    'DELETE',
    '/servicePrincipals/{id}/appRoleAssignedTo/{assignment}',
    PERMS.appRoleWrite,
    (ctx, req, [spId, aid]) => {
      if (!ctx.store.servicePrincipals.has(spId as string)) throw notFound(spId as string);
      const a = ctx.store.appRoleAssignedTo(spId as string).find((x) => x.id === aid);
      return revoke(ctx, req, a, aid as string);
    },
  ),
  ...principalSide('groups', 'group'),
  ...principalSide('servicePrincipals', 'servicePrincipal'),
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments
  route('POST', '/roleManagement/directory/roleAssignments', PERMS.rolesWrite, (ctx, req) => {
    const b = body(req) as { roleDefinitionId?: Guid; principalId?: Guid; directoryScopeId?: string };
    if (!b.roleDefinitionId || !b.principalId || !b.directoryScopeId)
      throw badRequest("Properties 'roleDefinitionId', 'principalId' and 'directoryScopeId' are required.");
    if (!ctx.store.roleDefinitions.has(b.roleDefinitionId)) throw notFound(b.roleDefinitionId);
    if (!ctx.store.kindOf(b.principalId)) throw notFound(b.principalId);
    const exists = [...ctx.store.roleAssignments.values()].some(
      (a) =>
        a.principalId === b.principalId &&
        a.roleDefinitionId === b.roleDefinitionId &&
        a.directoryScopeId === b.directoryScopeId,
    );
    // A second assignment of the same role, principal and scope is a 400 Request_BadRequest
    // "A conflicting object …" (observed; not in the API reference).
    if (exists)
      throw badRequest(
        'A conflicting object with one or more of the specified property values is present in the directory.',
      );
    const rec = {
      id: scopedRoleAssignmentId(b.roleDefinitionId, b.principalId, b.directoryScopeId),
      principalId: b.principalId,
      roleDefinitionId: b.roleDefinitionId,
      directoryScopeId: b.directoryScopeId,
      appScopeId: null,
      condition: null,
    };
    // A direct assignment is a permanent active assignment to PIM: it has a schedule instance.
    apply(() => {
      ctx.store.addRoleAssignment(rec);
      ctx.store.addRoleScheduleInstance('active', {
        id: rec.id,
        principalId: rec.principalId,
        roleDefinitionId: rec.roleDefinitionId,
        directoryScopeId: rec.directoryScopeId,
        appScopeId: null,
        startDateTime: isoSeconds(ctx.clock.now()),
        endDateTime: null,
        memberType: 'Direct',
        assignmentType: 'Assigned',
      });
    });
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
    apply(() => {
      ctx.store.removeRoleAssignment(a.id);
      ctx.store.removeRoleScheduleInstance('active', a.id);
    });
    audit(ctx, req, 'Remove member from role', 'RoleManagement', [
      auditTarget(ctx, a.principalId),
      auditTarget(ctx, a.roleDefinitionId),
    ]);
    return noContent();
  }),
];

import { GraphHttpError, json, noContent } from '../http/message.js';
import type { DeviceRecord, Guid, ServicePrincipalRecord } from '../tenant/model.js';
import { memberRefusal } from '../tenant/rules.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { audit, target as auditTarget } from './audit.js';
import { route, type GraphRoute } from './route.js';
import { apply, badRequest, body, checkWritableGroup, refId } from './write-support.js';
import { checkUpnDomain, upnTaken } from './user-rules.js';

/** `members@odata.bind` takes at most 20 references per PATCH. https://learn.microsoft.com/graph/api/group-post-members */
const BIND_LIMIT = 20;

function bindIds(refs: unknown): Guid[] {
  if (!Array.isArray(refs)) throw badRequest("'members@odata.bind' must be an array of object URLs.");
  if (refs.length > BIND_LIMIT)
    throw badRequest(`A maximum of ${BIND_LIMIT} objects can be added in a single request.`);
  return refs.map((r) => {
    const m = typeof r === 'string' ? /\/([0-9a-fA-F-]{36})$/.exec(r) : null;
    if (!m) throw badRequest(`Invalid object reference '${String(r)}' in 'members@odata.bind'.`);
    return m[1] as Guid;
  });
}

/** Only the documented cloud-writable switches; everything else is refused, not ignored. */
function only<T>(patch: Record<string, unknown>, allowed: readonly string[], type: string): Partial<T> {
  for (const k of Object.keys(patch)) {
    if (!allowed.includes(k))
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Updating '${k}' on '${type}' is not supported by the simulator.`,
      );
  }
  return patch as Partial<T>;
}

export const objectWrites: GraphRoute[] = [
  // Enterprise-app owners. https://learn.microsoft.com/graph/api/serviceprincipal-post-owners
  route('POST', '/servicePrincipals/{id}/owners/$ref', PERMS.appWrite, (ctx, req, [spId]) => {
    if (!ctx.store.servicePrincipals.has(spId as string)) throw notFound(spId as string);
    const owner = refId(body(req));
    if (!ctx.store.kindOf(owner)) throw notFound(owner);
    if (!apply(() => ctx.store.addOwner(spId as string, owner)))
      throw badRequest(
        "One or more added object references already exist for the following modified properties: 'owners'.",
      );
    audit(ctx, req, 'Add owner to service principal', 'ApplicationManagement', [
      auditTarget(ctx, spId as string),
      auditTarget(ctx, owner),
    ]);
    return noContent();
  }),
  route(
    'DELETE',
    '/servicePrincipals/{id}/owners/{owner}/$ref',
    PERMS.appWrite,
    (ctx, req, [spId, owner]) => {
      if (!ctx.store.servicePrincipals.has(spId as string)) throw notFound(spId as string);
      if (!apply(() => ctx.store.removeOwner(spId as string, owner as string)))
        throw new GraphHttpError(
          404,
          'Request_ResourceNotFound',
          "One or more removed object references do not exist for the following modified properties: 'owners'.",
        );
      audit(ctx, req, 'Remove owner from service principal', 'ApplicationManagement', [
        auditTarget(ctx, spId as string),
        auditTarget(ctx, owner as string),
      ]);
      return noContent();
    },
  ),
  // Bulk add: all-or-nothing, ≤ 20 references; an existing link fails the whole request.
  route('PATCH', '/groups/{id}', PERMS.groupMembersWrite, (ctx, req, [gid]) => {
    const g = checkWritableGroup(ctx, gid as Guid, req);
    const b = body(req);
    const { 'members@odata.bind': refs, ...rest } = b;
    if (Object.keys(rest).length > 0) {
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Only 'members@odata.bind' is supported on PATCH /groups/{id}; got ${Object.keys(rest).join(', ')}.`,
      );
    }
    const ids = bindIds(refs);
    // All or nothing: every reference is checked before any is added.
    for (const id of ids) {
      const kind = ctx.store.kindOf(id);
      if (!kind) throw notFound(id);
      const refusal = memberRefusal(g, kind, kind === 'group' ? ctx.store.groups.get(id) : undefined);
      if (refusal) throw badRequest(refusal);
    }
    const existing = new Set(ctx.store.membersOf(g.id));
    if (ids.some((id) => existing.has(id)) || new Set(ids).size !== ids.length) {
      throw badRequest(
        "One or more added object references already exist for the following modified properties: 'members'.",
      );
    }
    apply(() => ids.forEach((id) => ctx.store.addMember(g.id, id)));
    for (const id of ids)
      audit(ctx, req, 'Add member to group', 'GroupManagement', [
        auditTarget(ctx, g.id),
        auditTarget(ctx, id),
      ]);
    return noContent();
  }),
  // https://learn.microsoft.com/graph/api/user-revokesigninsessions
  route('POST', '/users/{id}/revokeSignInSessions', PERMS.userRevokeSessions, (ctx, req, [id]) => {
    if (!ctx.store.users.has(id as string)) throw notFound(id as string);
    return json(200, { '@odata.context': `${ctx.origin}/${req.version}/$metadata#Edm.Boolean`, value: true });
  }),
  // https://learn.microsoft.com/graph/api/directory-deleteditems-restore
  route('POST', '/directory/deletedItems/{id}/restore', PERMS.userRestore, (ctx, req, [id]) => {
    const u = ctx.store.deletedUsers.get(id as string);
    if (!u) throw notFound(id as string);
    const b = req.body.length > 0 ? body(req) : {};
    const newUpn = b.newUserPrincipalName;
    if (newUpn !== undefined && typeof newUpn !== 'string')
      throw badRequest("'newUserPrincipalName' must be a string.");
    if (newUpn !== undefined) checkUpnDomain(ctx, newUpn);
    // A restored user keeps its UPN unless told otherwise; an active user holding it blocks the restore.
    const upn = newUpn ?? u.userPrincipalName;
    if (upnTaken(ctx, upn, u.id))
      throw badRequest('Another object with the same value for property userPrincipalName already exists.');
    apply(() => {
      ctx.store.restoreUser(u.id);
      if (newUpn !== undefined && newUpn !== u.userPrincipalName)
        ctx.store.updateUser(u.id, { userPrincipalName: newUpn });
    });
    audit(ctx, req, 'Restore user', 'UserManagement', [auditTarget(ctx, u.id)]);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#directoryObjects/$entity`,
      '@odata.type': '#microsoft.graph.user',
      ...ctx.store.users.get(u.id),
    });
  }),
  route(
    'PATCH',
    '/devices/{id}',
    PERMS.devices.filter((p) => p.includes('ReadWrite')),
    (ctx, req, [id]) => {
      const d = ctx.store.devices.get(id as string);
      if (!d) throw notFound(id as string);
      apply(() => ctx.store.updateDevice(d.id, only<DeviceRecord>(body(req), ['accountEnabled'], 'device')));
      return noContent();
    },
  ),
  route(
    'PATCH',
    '/servicePrincipals/{id}',
    PERMS.apps.filter((p) => p.includes('ReadWrite')),
    (ctx, req, [id]) => {
      const sp = ctx.store.servicePrincipals.get(id as string);
      if (!sp) throw notFound(id as string);
      apply(() =>
        ctx.store.updateServicePrincipal(
          sp.id,
          only<ServicePrincipalRecord>(
            body(req),
            ['accountEnabled', 'appRoleAssignmentRequired', 'tags'],
            'servicePrincipal',
          ),
        ),
      );
      return noContent();
    },
  ),
];

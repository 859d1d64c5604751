import type { SimContext } from '../context.js';
import { GraphHttpError, json } from '../http/message.js';
import type { Guid } from '../tenant/model.js';
import { entity, listPage, type CollectionRequest } from './collection.js';
import { asDirectoryObject, findUser, lookup, notFound, objects } from './directory.js';
import { PERMS } from './permissions.js';
import { parseQuery } from './query.js';
import { DEVICE, DIRECTORY_OBJECT, GROUP, USER, type ResourceType } from './resource-types.js';
import { countSegment } from './count.js';
import { relationList } from './relation-list.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';

const gr = (req: GraphRequest) => ({
  ...cr(req),
  headers: req.headers,
  ...(req.cast ? { cast: req.cast } : {}),
});
const cr = (req: GraphRequest): CollectionRequest => ({
  version: req.version,
  path: req.rest,
  query: req.query,
});

function userExpand(ctx: SimContext, id: Guid, name: string): unknown {
  if (name === 'manager') {
    const m = ctx.store.managerOf(id);
    const o = m ? lookup(ctx, m) : undefined;
    return o ? asDirectoryObject(o) : undefined;
  }
  if (name === 'memberOf') return objects(ctx, ctx.store.memberOf(id)).map(asDirectoryObject);
  if (name === 'directReports') return objects(ctx, ctx.store.directReportsOf(id)).map(asDirectoryObject);
  return [];
}

function groupExpand(ctx: SimContext, id: Guid, name: string): unknown {
  if (name === 'members') return objects(ctx, ctx.store.membersOf(id)).map(asDirectoryObject);
  if (name === 'owners') return objects(ctx, ctx.store.ownersOf(id)).map(asDirectoryObject);
  if (name === 'memberOf') return objects(ctx, ctx.store.memberOf(id)).map(asDirectoryObject);
  return [];
}

/** Selecting a single-GET-only property on a collection is a 501. https://learn.microsoft.com/graph/api/user-list */
function rejectSingleOnly(type: ResourceType, select: readonly string[] | undefined): void {
  const bad = select?.find((s) => type.singleOnly?.has(s));
  if (bad) throw new GraphHttpError(501, 'NotImplemented', `This operation target is not yet supported.`);
}

/**
 * signInActivity needs AuditLog.Read.All; without it the whole `/users` call fails 403.
 * https://learn.microsoft.com/graph/api/resources/signinactivity
 */
function requireAuditForSignIn(req: GraphRequest, names: boolean): void {
  if (
    names &&
    !req.claims.roles.includes('AuditLog.Read.All') &&
    !(req.claims.scp ?? '').includes('AuditLog.Read.All')
  ) {
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      "Neither tenant is B2C or tenant doesn't have premium license",
    );
  }
}

/** A soft-deleted user: a user with its deletion time. */
const DELETED_USER: ResourceType = {
  ...USER,
  properties: new Set([...USER.properties, 'deletedDateTime']),
  defaultSelect: [...(USER.defaultSelect ?? []), 'deletedDateTime'],
};

function transitive(ctx: SimContext, groupId: Guid): Guid[] {
  const seen = new Set<Guid>();
  const out: Guid[] = [];
  const walk = (g: Guid): void => {
    for (const m of ctx.store.membersOf(g)) {
      if (seen.has(m)) continue;
      seen.add(m);
      out.push(m);
      if (ctx.store.kindOf(m) === 'group') walk(m);
    }
  };
  walk(groupId);
  return out;
}

function mustUser(ctx: SimContext, key: string) {
  const u = findUser(ctx, key);
  if (!u) throw notFound(key);
  return u;
}
function mustGroup(ctx: SimContext, id: string) {
  const g = ctx.store.groups.get(id);
  if (!g) throw notFound(id);
  return g;
}

export const directoryRoutes: GraphRoute[] = [
  route('GET', '/users', PERMS.users, (ctx, req) => {
    const q = parseQuery(req.query, req.headers, USER);
    rejectSingleOnly(USER, q.select);
    requireAuditForSignIn(
      req,
      Boolean(q.select?.includes('signInActivity') || q.filter?.properties.has('signInActivity')),
    );
    return listPage(ctx, cr(req), q, {
      type: USER,
      items: [...ctx.store.users.values()],
      contextPath: 'users',
      expand: (u, n) => userExpand(ctx, u.id, n),
    });
  }),
  route('GET', '/users/$count', PERMS.users, (ctx, req) =>
    countSegment(req, USER, [...ctx.store.users.values()]),
  ),
  route('GET', '/users/{id}', PERMS.users, (ctx, req, [id]) => {
    const u = mustUser(ctx, id as string);
    const q = parseQuery(req.query, req.headers, USER);
    requireAuditForSignIn(req, Boolean(q.select?.includes('signInActivity')));
    const res = entity(ctx, cr(req), q, USER, u, 'users');
    for (const e of q.expand)
      (res.body as Record<string, unknown>)[e.name] = userExpand(ctx, u.id, e.name) ?? null;
    return res;
  }),
  route('GET', '/users/{id}/manager', PERMS.users, (ctx, req, [id]) => {
    const u = mustUser(ctx, id as string);
    const m = ctx.store.managerOf(u.id);
    const o = m ? lookup(ctx, m) : undefined;
    if (!o) throw notFound(`manager`);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#directoryObjects/$entity`,
      ...asDirectoryObject(o),
    });
  }),
  route('GET', '/users/{id}/memberOf', PERMS.users, (ctx, req, [id]) =>
    relationList(ctx, gr(req), ctx.store.memberOf(mustUser(ctx, id as string).id)),
  ),
  route('GET', '/users/{id}/directReports', PERMS.users, (ctx, req, [id]) =>
    relationList(ctx, gr(req), ctx.store.directReportsOf(mustUser(ctx, id as string).id)),
  ),
  route('GET', '/users/{id}/mailboxSettings', PERMS.users, (ctx, req, [id]) => {
    const u = mustUser(ctx, id as string);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#users('${u.id}')/mailboxSettings`,
      ...u.mailboxSettings,
    });
  }),
  route('GET', '/groups', PERMS.groups, (ctx, req) => {
    const q = parseQuery(req.query, req.headers, GROUP);
    return listPage(ctx, cr(req), q, {
      type: GROUP,
      items: [...ctx.store.groups.values()],
      contextPath: 'groups',
      expand: (g, n) => groupExpand(ctx, g.id, n),
    });
  }),
  route('GET', '/groups/$count', PERMS.groups, (ctx, req) =>
    countSegment(req, GROUP, [...ctx.store.groups.values()]),
  ),
  route('GET', '/groups/{id}', PERMS.groups, (ctx, req, [id]) => {
    const g = mustGroup(ctx, id as string);
    const q = parseQuery(req.query, req.headers, GROUP);
    const res = entity(ctx, cr(req), q, GROUP, g, 'groups');
    for (const e of q.expand)
      (res.body as Record<string, unknown>)[e.name] = (groupExpand(ctx, g.id, e.name) as unknown[]).slice(
        0,
        20,
      );
    return res;
  }),
  route('GET', '/groups/{id}/members', PERMS.groupMembers, (ctx, req, [id]) =>
    relationList(ctx, gr(req), ctx.store.membersOf(mustGroup(ctx, id as string).id)),
  ),
  route('GET', '/groups/{id}/members/$count', PERMS.groupMembers, (ctx, req, [id]) =>
    countSegment(
      req,
      DIRECTORY_OBJECT,
      objects(ctx, ctx.store.membersOf(mustGroup(ctx, id as string).id)).map((o) => o.rec),
    ),
  ),
  route('GET', '/groups/{id}/owners', PERMS.groupMembers, (ctx, req, [id]) =>
    relationList(ctx, gr(req), ctx.store.ownersOf(mustGroup(ctx, id as string).id)),
  ),
  route('GET', '/groups/{id}/transitiveMembers', PERMS.groupMembers, (ctx, req, [id]) =>
    relationList(ctx, gr(req), transitive(ctx, mustGroup(ctx, id as string).id)),
  ),
  route('GET', '/devices', PERMS.devices, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, DEVICE), {
      type: DEVICE,
      items: [...ctx.store.devices.values()],
      contextPath: 'devices',
    }),
  ),
  route('GET', '/devices/$count', PERMS.devices, (ctx, req) =>
    countSegment(req, DEVICE, [...ctx.store.devices.values()]),
  ),
  route('GET', '/devices/{id}', PERMS.devices, (ctx, req, [id]) => {
    const d = ctx.store.devices.get(id as string);
    if (!d) throw notFound(id as string);
    return entity(ctx, cr(req), parseQuery(req.query, req.headers, DEVICE), DEVICE, d, 'devices');
  }),
  // The recycle bin's users: soft-deleted (30 days restorable), filterable like /users, so a
  // client can find a deleted user's UPN (`$filter=startswith(userPrincipalName,'…')`).
  // https://learn.microsoft.com/graph/api/directory-deleteditems-list
  route('GET', '/directory/deletedItems/microsoft.graph.user', PERMS.users, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, DELETED_USER), {
      type: DELETED_USER,
      items: [...ctx.store.deletedUsers.values()],
      contextPath: 'directory/deletedItems/microsoft.graph.user',
    }),
  ),
  route('GET', '/directory/deletedItems/microsoft.graph.user/$count', PERMS.users, (ctx, req) =>
    countSegment(req, DELETED_USER, [...ctx.store.deletedUsers.values()]),
  ),
];

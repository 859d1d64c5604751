import type { SimContext } from '../context.js';
import type { Guid } from '../tenant/model.js';
import { listPage } from './collection.js';
import { notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { parseQuery } from './query.js';
import { relationList } from './relation-list.js';
import { APP_ROLE_ASSIGNMENT } from './resource-types.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';

const coll = (req: GraphRequest) => ({
  version: req.version,
  path: req.rest,
  query: req.query,
  headers: req.headers,
});

/** Groups an object belongs to, directly or through nested groups. */
function transitiveMemberOf(ctx: SimContext, id: Guid): Guid[] {
  const seen = new Set<Guid>();
  const walk = (x: Guid): void => {
    for (const g of ctx.store.memberOf(x)) {
      if (seen.has(g)) continue;
      seen.add(g);
      walk(g);
    }
  };
  walk(id);
  return [...seen];
}

function must(ctx: SimContext, id: string, kinds: readonly string[]): Guid {
  const kind = ctx.store.kindOf(id);
  if (!kind || !kinds.includes(kind)) throw notFound(id);
  return id;
}

/**
 * What a principal holds: app-role assignments (`appRoleAssignments`, 2 RU for service principals)
 * and group memberships seen from the member's side.
 * https://learn.microsoft.com/graph/api/user-list-approleassignments
 */
function assignmentsRoute(set: string, kind: string, perms: readonly string[]): GraphRoute {
  return route('GET', `/${set}/{id}/appRoleAssignments`, perms, (ctx, req, [id]) =>
    listPage(ctx, coll(req), parseQuery(req.query, req.headers, APP_ROLE_ASSIGNMENT), {
      type: APP_ROLE_ASSIGNMENT,
      items: ctx.store.appRoleAssignmentsOf(must(ctx, id as string, [kind])),
      contextPath: `${set}('${id}')/appRoleAssignments`,
    }),
  );
}

export const principalRoutes: GraphRoute[] = [
  assignmentsRoute('users', 'user', PERMS.users),
  assignmentsRoute('groups', 'group', PERMS.groups),
  assignmentsRoute('servicePrincipals', 'servicePrincipal', PERMS.apps),
  route('GET', '/users/{id}/transitiveMemberOf', PERMS.users, (ctx, req, [id]) =>
    relationList(ctx, coll(req), transitiveMemberOf(ctx, must(ctx, id as string, ['user']))),
  ),
  route('GET', '/groups/{id}/memberOf', PERMS.groups, (ctx, req, [id]) =>
    relationList(ctx, coll(req), ctx.store.memberOf(must(ctx, id as string, ['group']))),
  ),
  route('GET', '/servicePrincipals/{id}/memberOf', PERMS.apps, (ctx, req, [id]) =>
    relationList(ctx, coll(req), ctx.store.memberOf(must(ctx, id as string, ['servicePrincipal']))),
  ),
  route('GET', '/devices/{id}/memberOf', PERMS.devices, (ctx, req, [id]) =>
    relationList(ctx, coll(req), ctx.store.memberOf(must(ctx, id as string, ['device']))),
  ),
];

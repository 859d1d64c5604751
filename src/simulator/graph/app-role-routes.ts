import type { SimContext } from '../context.js';
import { json } from '../http/message.js';
import { entity, listPage, type CollectionRequest } from './collection.js';
import { asDirectoryObject, lookup, notFound, objects } from './directory.js';
import { PERMS } from './permissions.js';
import { requirePim } from './pim-license.js';
import { parseQuery } from './query.js';
import * as T from './resource-types.js';
import { countSegment } from './count.js';
import { relationList } from './relation-list.js';
import { liveInstances, liveRoleAssignments } from './role-live.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';

const cr = (req: GraphRequest): CollectionRequest => ({
  version: req.version,
  path: req.rest,
  query: req.query,
});

function spExpand(ctx: SimContext, id: string, name: string): unknown {
  if (name === 'appRoleAssignedTo') return ctx.store.appRoleAssignedTo(id);
  if (name === 'owners') return objects(ctx, ctx.store.ownersOf(id)).map(asDirectoryObject);
  if (name === 'memberOf') return objects(ctx, ctx.store.memberOf(id)).map(asDirectoryObject);
  return [];
}

function mustSp(ctx: SimContext, id: string) {
  const sp = ctx.store.servicePrincipals.get(id);
  if (!sp) throw notFound(id);
  return sp;
}

/** The activated directory roles: one per role definition that has an assignment at tenant scope. */
function directoryRoles(ctx: SimContext) {
  const active = new Set(
    liveRoleAssignments(ctx)
      .filter((a) => a.directoryScopeId === '/')
      .map((a) => a.roleDefinitionId),
  );
  return [...ctx.store.roleDefinitions.values()]
    .filter((d) => active.has(d.id))
    .map((d) => ({
      id: d.templateId,
      displayName: d.displayName,
      description: d.description,
      roleTemplateId: d.templateId,
    }));
}

function roleExpand(
  ctx: SimContext,
  a: { principalId: string; roleDefinitionId: string },
  name: string,
): unknown {
  if (name === 'principal') {
    const o = lookup(ctx, a.principalId);
    return o ? asDirectoryObject(o) : null;
  }
  const d = ctx.store.roleDefinitions.get(a.roleDefinitionId);
  return d ? { ...d } : null;
}

export const appAndRoleRoutes: GraphRoute[] = [
  route('GET', '/servicePrincipals', PERMS.apps, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.SERVICE_PRINCIPAL), {
      type: T.SERVICE_PRINCIPAL,
      items: [...ctx.store.servicePrincipals.values()],
      contextPath: 'servicePrincipals',
      expand: (s, n) => spExpand(ctx, s.id, n),
    }),
  ),
  route('GET', '/servicePrincipals/$count', PERMS.apps, (ctx, req) =>
    countSegment(req, T.SERVICE_PRINCIPAL, [...ctx.store.servicePrincipals.values()]),
  ),
  route('GET', '/servicePrincipals/{id}', PERMS.apps, (ctx, req, [id]) => {
    const sp = mustSp(ctx, id as string);
    const q = parseQuery(req.query, req.headers, T.SERVICE_PRINCIPAL);
    const res = entity(ctx, cr(req), q, T.SERVICE_PRINCIPAL, sp, 'servicePrincipals');
    for (const e of q.expand)
      (res.body as Record<string, unknown>)[e.name] = (spExpand(ctx, sp.id, e.name) as unknown[]).slice(
        0,
        20,
      );
    return res;
  }),
  route('GET', '/servicePrincipals/{id}/appRoleAssignedTo', PERMS.apps, (ctx, req, [id]) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.APP_ROLE_ASSIGNMENT), {
      type: T.APP_ROLE_ASSIGNMENT,
      items: ctx.store.appRoleAssignedTo(mustSp(ctx, id as string).id),
      contextPath: `servicePrincipals('${id}')/appRoleAssignedTo`,
    }),
  ),
  route('GET', '/servicePrincipals/{id}/owners', PERMS.apps, (ctx, req, [id]) =>
    relationList(
      ctx,
      { ...cr(req), headers: req.headers, ...(req.cast ? { cast: req.cast } : {}) },
      ctx.store.ownersOf(mustSp(ctx, id as string).id),
    ),
  ),
  route('GET', '/servicePrincipals/{id}/synchronization/jobs', PERMS.sync, (ctx, req, [id]) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.SYNCHRONIZATION_JOB), {
      type: T.SYNCHRONIZATION_JOB,
      items: ctx.store.synchronizationJobs.get(mustSp(ctx, id as string).id) ?? [],
      contextPath: `servicePrincipals('${id}')/synchronization/jobs`,
      unpaged: true,
    }),
  ),
  route('GET', '/applications', PERMS.apps, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.APPLICATION), {
      type: T.APPLICATION,
      items: [...ctx.store.applications.values()],
      contextPath: 'applications',
    }),
  ),
  route('GET', '/applications/$count', PERMS.apps, (ctx, req) =>
    countSegment(req, T.APPLICATION, [...ctx.store.applications.values()]),
  ),
  route('GET', '/applications/{id}', PERMS.apps, (ctx, req, [id]) => {
    const a = ctx.store.applications.get(id as string);
    if (!a) throw notFound(id as string);
    return entity(
      ctx,
      cr(req),
      parseQuery(req.query, req.headers, T.APPLICATION),
      T.APPLICATION,
      a,
      'applications',
    );
  }),
  route('GET', '/roleManagement/directory/roleDefinitions', PERMS.roles, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.ROLE_DEFINITION), {
      type: T.ROLE_DEFINITION,
      items: [...ctx.store.roleDefinitions.values()],
      contextPath: 'roleManagement/directory/roleDefinitions',
      unpaged: true,
    }),
  ),
  route('GET', '/roleManagement/directory/roleAssignments', PERMS.roles, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.ROLE_ASSIGNMENT), {
      type: T.ROLE_ASSIGNMENT,
      items: liveRoleAssignments(ctx),
      contextPath: 'roleManagement/directory/roleAssignments',
      expand: (a, n) => roleExpand(ctx, a, n),
    }),
  ),
  route(
    'GET',
    '/roleManagement/directory/roleAssignmentScheduleInstances',
    PERMS.roleSchedules,
    (ctx, req) => {
      requirePim(ctx);
      return listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.ROLE_ASSIGNMENT_INSTANCE), {
        type: T.ROLE_ASSIGNMENT_INSTANCE,
        items: liveInstances(ctx, 'active'),
        contextPath: 'roleManagement/directory/roleAssignmentScheduleInstances',
        expand: (a, n) => roleExpand(ctx, a, n),
      });
    },
  ),
  route(
    'GET',
    '/roleManagement/directory/roleEligibilityScheduleInstances',
    PERMS.roleSchedules,
    (ctx, req) => {
      requirePim(ctx);
      return listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.ROLE_ELIGIBILITY_INSTANCE), {
        type: T.ROLE_ELIGIBILITY_INSTANCE,
        items: liveInstances(ctx, 'eligible'),
        contextPath: 'roleManagement/directory/roleEligibilityScheduleInstances',
        expand: (a, n) => roleExpand(ctx, a, n),
      });
    },
  ),
  // Legacy directoryRoles: activated roles only, not paged. https://learn.microsoft.com/graph/api/directoryrole-list
  route('GET', '/directoryRoles', PERMS.roles, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.DIRECTORY_ROLE), {
      type: T.DIRECTORY_ROLE,
      items: directoryRoles(ctx),
      contextPath: 'directoryRoles',
      unpaged: true,
    }),
  ),
  route('GET', '/directoryRoles/{id}', PERMS.roles, (ctx, req, [id]) => {
    const role = directoryRoles(ctx).find((r) => r.id === id);
    if (!role) throw notFound(id as string);
    return entity(
      ctx,
      cr(req),
      parseQuery(req.query, req.headers, T.DIRECTORY_ROLE),
      T.DIRECTORY_ROLE,
      role,
      'directoryRoles',
    );
  }),
  route('GET', '/directoryRoles/{id}/members', PERMS.roles, (ctx, req, [id]) => {
    const role = directoryRoles(ctx).find((r) => r.id === id || r.roleTemplateId === id);
    if (!role) throw notFound(id as string);
    const defs = [...ctx.store.roleDefinitions.values()]
      .filter((d) => d.templateId === role.roleTemplateId)
      .map((d) => d.id);
    const ids = [
      ...new Set(
        liveRoleAssignments(ctx)
          .filter((a) => a.directoryScopeId === '/' && defs.includes(a.roleDefinitionId))
          .map((a) => a.principalId),
      ),
    ];
    return relationList(
      ctx,
      { ...cr(req), headers: req.headers, ...(req.cast ? { cast: req.cast } : {}) },
      ids,
      { unpaged: true },
    );
  }),
  route('GET', '/subscribedSkus', PERMS.skus, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.SUBSCRIBED_SKU), {
      type: T.SUBSCRIBED_SKU,
      items: ctx.store.subscribedSkus,
      contextPath: 'subscribedSkus',
      unpaged: true,
    }),
  ),
  route('GET', '/organization', PERMS.organization, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.ORGANIZATION), {
      type: T.ORGANIZATION,
      items: [ctx.store.organization],
      contextPath: 'organization',
      unpaged: true,
    }),
  ),
  route('GET', '/auditLogs/directoryAudits', PERMS.audit, (ctx, req) =>
    listPage(ctx, cr(req), parseQuery(req.query, req.headers, T.DIRECTORY_AUDIT), {
      type: T.DIRECTORY_AUDIT,
      items: [...ctx.store.directoryAudits].reverse(),
      contextPath: 'auditLogs/directoryAudits',
      maxTop: 1000,
    }),
  ),
  route('POST', '/directoryObjects/getByIds', PERMS.directoryObjects, (ctx, req) => {
    const body = JSON.parse(req.body.toString('utf8') || '{}') as { ids?: string[]; types?: string[] };
    const types = (body.types ?? []).map((t) => t.toLowerCase());
    const items = objects(ctx, body.ids ?? []).filter(
      (o) => types.length === 0 || types.includes(o.kind.toLowerCase()),
    );
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#directoryObjects`,
      value: items.map(asDirectoryObject),
    });
  }),
];

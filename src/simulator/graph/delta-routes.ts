import { serveDelta, relationTargets, type DeltaSet } from './delta.js';
import { PERMS } from './permissions.js';
import { APPLICATION, DEVICE, GROUP, SERVICE_PRINCIPAL, USER } from './resource-types.js';
import { route, type GraphRoute } from './route.js';

type PlainCollection = 'servicePrincipals' | 'applications' | 'devices';

/** A delta set of objects without tracked relationships, read straight from the store's map. */
function plainSet(name: PlainCollection, kind: DeltaSet['kind'], type: DeltaSet['type']): DeltaSet {
  return {
    name,
    kind,
    type,
    current: (ctx) => ctx.store[name].values(),
    get: (ctx, id) => ctx.store[name].get(id),
    relations: {},
  };
}

const SETS: Record<string, DeltaSet> = {
  users: {
    name: 'users',
    kind: 'user',
    type: USER,
    current: (ctx) => ctx.store.users.values(),
    get: (ctx, id) => ctx.store.users.get(id),
    relations: {
      manager: (ctx, id) => {
        const m = ctx.store.managerOf(id);
        return m ? relationTargets(ctx, [m]) : [];
      },
    },
  },
  groups: {
    name: 'groups',
    kind: 'group',
    type: GROUP,
    current: (ctx) => ctx.store.groups.values(),
    get: (ctx, id) => ctx.store.groups.get(id),
    relations: {
      members: (ctx, id) => ctx.store.membersOf(id),
      owners: (ctx, id) => ctx.store.ownersOf(id),
    },
  },
  servicePrincipals: plainSet('servicePrincipals', 'servicePrincipal', SERVICE_PRINCIPAL),
  // https://learn.microsoft.com/graph/api/application-delta
  applications: plainSet('applications', 'application', APPLICATION),
  devices: plainSet('devices', 'device', DEVICE),
};

const deltaRoute = (name: string, perms: readonly string[]): GraphRoute =>
  route('GET', `/${name}/delta`, perms, (ctx, req) =>
    serveDelta(
      ctx,
      { version: req.version, path: req.rest, query: req.query, headers: req.headers },
      SETS[name] as DeltaSet,
    ),
  );

/** Delta functions; listed before `/{set}/{id}` so `delta` is not taken for an id. */
export const deltaRoutes: GraphRoute[] = [
  deltaRoute('users', PERMS.users),
  deltaRoute('groups', PERMS.groups),
  deltaRoute('servicePrincipals', PERMS.apps),
  deltaRoute('devices', PERMS.devices),
  deltaRoute('applications', PERMS.apps),
];

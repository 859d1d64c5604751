import type { SimContext } from '../context.js';
import { GraphHttpError, json, noContent } from '../http/message.js';
import { newUser } from '../records.js';
import type { Guid, UserRecord } from '../tenant/model.js';
import { findUser, notFound } from './directory.js';
import { heldPermissions } from '../identity/bearer.js';
import { grants, PERMS } from './permissions.js';
import { USER } from './resource-types.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { assignmentWrites } from './assignment-writes.js';
import { authMethodRoutes } from './auth-methods.js';
import { groupCreateRoutes } from './group-create.js';
import { credentialWrites } from './credential-writes.js';
import { objectWrites } from './object-writes.js';
import { audit, target as auditTarget } from './audit.js';
import { checkUpnDomain, mergeExtensionAttributes, passwordComplies, upnTaken } from './user-rules.js';
import { apply, badRequest, body, checkWritableGroup, refId, SYNCED } from './write-support.js';

function linkRoutes(name: 'members' | 'owners'): GraphRoute[] {
  const add =
    name === 'members'
      ? (c: SimContext, g: Guid, m: Guid) => c.store.addMember(g, m)
      : (c: SimContext, g: Guid, m: Guid) => c.store.addOwner(g, m);
  const noun = name === 'members' ? 'member' : 'owner';
  const remove =
    name === 'members'
      ? (c: SimContext, g: Guid, m: Guid) => c.store.removeMember(g, m)
      : (c: SimContext, g: Guid, m: Guid) => c.store.removeOwner(g, m);
  return [
    route('POST', `/groups/{id}/${name}/$ref`, PERMS.groupMembersWrite, (ctx, req, [gid]) => {
      checkWritableGroup(ctx, gid as Guid, req);
      const target = refId(body(req));
      if (!ctx.store.kindOf(target)) throw notFound(target);
      if (!apply(() => add(ctx, gid as Guid, target)))
        throw badRequest(
          `One or more added object references already exist for the following modified properties: '${name}'.`,
        );
      audit(ctx, req, `Add ${noun} to group`, 'GroupManagement', [
        auditTarget(ctx, gid as Guid),
        auditTarget(ctx, target),
      ]);
      return noContent();
    }),
    route('DELETE', `/groups/{id}/${name}/{member}/$ref`, PERMS.groupMembersWrite, (ctx, req, [gid, mid]) => {
      checkWritableGroup(ctx, gid as Guid, req);
      if (!apply(() => remove(ctx, gid as Guid, mid as Guid))) {
        throw new GraphHttpError(
          404,
          'Request_ResourceNotFound',
          `One or more removed object references do not exist for the following modified properties: '${name}'.`,
        );
      }
      audit(ctx, req, `Remove ${noun} from group`, 'GroupManagement', [
        auditTarget(ctx, gid as Guid),
        auditTarget(ctx, mid as Guid),
      ]);
      return noContent();
    }),
  ];
}

const REQUIRED_ON_CREATE = [
  'accountEnabled',
  'displayName',
  'mailNickname',
  'userPrincipalName',
  'passwordProfile',
];
/** Properties a synced (on-premises mastered) user still takes from the cloud. */
const CLOUD_WRITABLE_ON_SYNCED = new Set(['usageLocation']);

function checkUserPatch(patch: Record<string, unknown>): void {
  for (const k of Object.keys(patch)) {
    if (!USER.properties.has(k) || k === 'id' || k === 'signInActivity' || k === 'createdDateTime') {
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Property '${k}' does not exist on type 'microsoft.graph.user' or is read-only.`,
      );
    }
  }
}

/** A manager change is an "Update user" naming the old and new manager, as the store's own entries do. */
function auditManager(ctx: SimContext, req: GraphRequest, userId: Guid, from: Guid | null, to: Guid | null) {
  audit(ctx, req, 'Update user', 'UserManagement', [
    auditTarget(ctx, userId, [
      { displayName: 'Manager', oldValue: JSON.stringify(from), newValue: JSON.stringify(to) },
    ]),
  ]);
}

export const writeRoutes: GraphRoute[] = [
  ...linkRoutes('members'),
  ...linkRoutes('owners'),
  // https://learn.microsoft.com/graph/api/user-post-users
  route('POST', '/users', PERMS.usersWrite, (ctx, req) => {
    const b = body(req);
    for (const p of REQUIRED_ON_CREATE)
      if (b[p] === undefined) throw badRequest(`Property '${p}' is required when creating the user.`);
    const { passwordProfile, ...props } = b as { passwordProfile: { password?: string } } & Record<
      string,
      unknown
    >;
    if (typeof passwordProfile?.password !== 'string')
      throw badRequest("Property 'passwordProfile.password' is required when creating the user.");
    checkUserPatch(props);
    checkUpnDomain(ctx, String(b.userPrincipalName));
    if (upnTaken(ctx, String(b.userPrincipalName)))
      throw badRequest('Another object with the same value for property userPrincipalName already exists.');
    if (!passwordComplies(passwordProfile.password))
      throw badRequest(
        'The specified password does not comply with password complexity requirements. Please provide a different password.',
      );
    const { onPremisesExtensionAttributes: ext, ...rest } = props;
    const user = newUser(
      rest as Partial<UserRecord> & Pick<UserRecord, 'userPrincipalName' | 'displayName'>,
      new Date(ctx.clock.now()).toISOString(),
    );
    if (ext !== undefined)
      user.onPremisesExtensionAttributes = mergeExtensionAttributes(
        user.onPremisesExtensionAttributes as unknown as Record<string, string | null>,
        ext,
      ) as unknown as UserRecord['onPremisesExtensionAttributes'];
    apply(() =>
      ctx.store.createUser(user, { password: passwordProfile.password as string, mfaRequired: false }),
    );
    audit(ctx, req, 'Add user', 'UserManagement', [auditTarget(ctx, user.id)]);
    return json(201, { '@odata.context': `${ctx.origin}/${req.version}/$metadata#users/$entity`, ...user });
  }),
  route('PATCH', '/users/{id}', PERMS.userEnable, (ctx, req, [id]) => {
    const u = findUser(ctx, id as string);
    if (!u) throw notFound(id as string);
    const patch = body(req);
    // User.EnableDisableAccount.All may change accountEnabled and nothing else.
    if (
      !grants(heldPermissions(req.claims), PERMS.usersWrite) &&
      Object.keys(patch).some((k) => k !== 'accountEnabled')
    ) {
      throw new GraphHttpError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    }
    checkUserPatch(patch);
    if (u.onPremisesSyncEnabled === true && Object.keys(patch).some((k) => !CLOUD_WRITABLE_ON_SYNCED.has(k)))
      throw badRequest(SYNCED);
    if (typeof patch.userPrincipalName === 'string') checkUpnDomain(ctx, patch.userPrincipalName);
    if (typeof patch.userPrincipalName === 'string' && upnTaken(ctx, patch.userPrincipalName, u.id))
      throw badRequest('Another object with the same value for property userPrincipalName already exists.');
    if (patch.onPremisesExtensionAttributes !== undefined)
      patch.onPremisesExtensionAttributes = mergeExtensionAttributes(
        u.onPremisesExtensionAttributes as unknown as Record<string, string | null>,
        patch.onPremisesExtensionAttributes,
      );
    const before = u as unknown as Record<string, unknown>;
    apply(() => ctx.store.updateUser(u.id, patch as Partial<UserRecord>));
    const modified = Object.keys(patch).map((k) => ({
      displayName: k,
      oldValue: JSON.stringify(before[k] ?? null),
      newValue: JSON.stringify(patch[k]),
    }));
    audit(
      ctx,
      req,
      patch.accountEnabled === false && Object.keys(patch).length === 1 ? 'Disable account' : 'Update user',
      'UserManagement',
      [auditTarget(ctx, u.id, modified)],
    );
    return noContent();
  }),
  route('DELETE', '/users/{id}', PERMS.usersWrite, (ctx, req, [id]) => {
    const u = findUser(ctx, id as string);
    if (!u) throw notFound(id as string);
    apply(() => ctx.store.deleteUser(u.id));
    audit(ctx, req, 'Delete user', 'UserManagement', [auditTarget(ctx, u.id)]);
    return noContent();
  }),
  route('PUT', '/users/{id}/manager/$ref', PERMS.usersWrite, (ctx, req, [id]) => {
    const u = findUser(ctx, id as string);
    if (!u) throw notFound(id as string);
    const m = refId(body(req));
    if (!ctx.store.users.has(m)) throw notFound(m);
    const old = ctx.store.managerOf(u.id) ?? null;
    apply(() => ctx.store.setManager(u.id, m));
    if (old !== m) auditManager(ctx, req, u.id, old, m);
    return noContent();
  }),
  route('DELETE', '/users/{id}/manager/$ref', PERMS.usersWrite, (ctx, req, [id]) => {
    const u = findUser(ctx, id as string);
    if (!u) throw notFound(id as string);
    const old = ctx.store.managerOf(u.id);
    if (!old) throw notFound('manager');
    apply(() => ctx.store.setManager(u.id, null));
    auditManager(ctx, req, u.id, old, null);
    return noContent();
  }),
  // https://learn.microsoft.com/graph/api/user-assignlicense
  route('POST', '/users/{id}/assignLicense', PERMS.licenseWrite, (ctx, req, [id]) => {
    const u = findUser(ctx, id as string);
    if (!u) throw notFound(id as string);
    const b = body(req) as {
      addLicenses?: { skuId: Guid; disabledPlans?: Guid[] }[];
      removeLicenses?: Guid[];
    };
    if (!Array.isArray(b.addLicenses) || !Array.isArray(b.removeLicenses))
      throw badRequest("Properties 'addLicenses' and 'removeLicenses' are required (use [] for none).");
    const skus = new Set(ctx.store.subscribedSkus.map((s) => s.skuId));
    for (const sku of [...b.addLicenses.map((l) => l.skuId), ...b.removeLicenses])
      if (!skus.has(sku)) throw badRequest(`License ${sku} does not correspond to a valid company License.`);
    if (b.addLicenses.length > 0 && !u.usageLocation)
      throw badRequest('License assignment cannot be done for user with invalid usage location.');
    apply(() =>
      ctx.store.assignLicense(
        u.id,
        b.addLicenses!.map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })),
        b.removeLicenses!,
      ),
    );
    audit(ctx, req, 'Change user license', 'UserManagement', [auditTarget(ctx, u.id)]);
    return json(200, {
      '@odata.context': `${ctx.origin}/${req.version}/$metadata#users/$entity`,
      ...ctx.store.users.get(u.id),
    });
  }),
  ...assignmentWrites,
  ...authMethodRoutes,
  ...groupCreateRoutes,
  ...objectWrites,
  ...credentialWrites,
];

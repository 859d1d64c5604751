import type { SimContext } from './context.js';
import { CONTROL_INITIATOR, recordAudit, target, type Category } from './graph/audit.js';
import { appRoleAssignmentId, roleAssignmentId } from './ids.js';
import { appRoleActivity, appRoleCategory } from './tenant/audit-entry.js';
import { newGroup, newUser } from './records.js';
import type { AppRoleAssignmentRecord, Guid } from './tenant/model.js';

type Body = Record<string, unknown>;

function str(body: Body, field: string): string {
  const v = body[field];
  if (typeof v !== 'string' || v === '') throw new Error(`${field}: expected a non-empty string`);
  return v;
}

function obj(body: Body, field: string): Body {
  const v = body[field];
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${field}: expected an object`);
  return v as Body;
}

function strings(body: Body, field: string): string[] {
  const v = body[field] ?? [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw new Error(`${field}: expected an array of ids`);
  return v as string[];
}

type Op = (
  ctx: SimContext,
  body: Body,
  log: (activity: string, category: Category, ids: Guid[]) => void,
) => Body;

/** The changes a person could make in the portal, applied through the store (and so the change log). */
const OPS: Record<string, Op> = {
  addMember: (ctx, b, log) => link(ctx, b, log, 'members', true),
  removeMember: (ctx, b, log) => link(ctx, b, log, 'members', false),
  addOwner: (ctx, b, log) => link(ctx, b, log, 'owners', true),
  removeOwner: (ctx, b, log) => link(ctx, b, log, 'owners', false),
  createUser: (ctx, b, log) => {
    const u = obj(b, 'user');
    const user = newUser(
      {
        ...(u as object),
        userPrincipalName: str(u, 'userPrincipalName'),
        displayName: str(u, 'displayName'),
      },
      iso(ctx),
    );
    const creds =
      typeof b.password === 'string'
        ? { password: b.password, mfaRequired: b.mfaRequired === true }
        : undefined;
    ctx.store.createUser(user, creds);
    log('Add user', 'UserManagement', [user.id]);
    return { id: user.id };
  },
  updateUser: (ctx, b, log) => {
    ctx.store.updateUser(str(b, 'id'), obj(b, 'patch'));
    log('Update user', 'UserManagement', [str(b, 'id')]);
    return { changed: true };
  },
  deleteUser: (ctx, b, log) => {
    ctx.store.deleteUser(str(b, 'id'));
    log('Delete user', 'UserManagement', [str(b, 'id')]);
    return { changed: true };
  },
  restoreUser: (ctx, b, log) => {
    ctx.store.restoreUser(str(b, 'id'));
    log('Restore user', 'UserManagement', [str(b, 'id')]);
    return { changed: true };
  },
  createGroup: (ctx, b, log) => {
    const g = obj(b, 'group');
    const group = newGroup({ ...(g as object), displayName: str(g, 'displayName') }, iso(ctx));
    ctx.store.createGroup(group);
    log('Add group', 'GroupManagement', [group.id]);
    return { id: group.id };
  },
  updateGroup: (ctx, b, log) => {
    ctx.store.updateGroup(str(b, 'id'), obj(b, 'patch'));
    log('Update group', 'GroupManagement', [str(b, 'id')]);
    return { changed: true };
  },
  deleteGroup: (ctx, b, log) => {
    log('Delete group', 'GroupManagement', [str(b, 'id')]);
    ctx.store.deleteGroup(str(b, 'id'));
    return { changed: true };
  },
  setManager: (ctx, b, log) => {
    const m = b.managerId;
    if (m !== null && typeof m !== 'string') throw new Error('managerId: expected a user id or null');
    ctx.store.setManager(str(b, 'userId'), m);
    log('Update user', 'UserManagement', [str(b, 'userId')]);
    return { changed: true };
  },
  grantAppRole: (ctx, b, log) => {
    const sp = ctx.store.servicePrincipals.get(str(b, 'resourceId'));
    if (!sp) throw new Error(`resourceId: no service principal '${String(b.resourceId)}'`);
    const principalId = str(b, 'principalId');
    const kind = ctx.store.kindOf(principalId);
    if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal')
      throw new Error(`principalId: no user, group or service principal '${principalId}'`);
    const principalType = ({ user: 'User', group: 'Group', servicePrincipal: 'ServicePrincipal' } as const)[
      kind
    ];
    const a: AppRoleAssignmentRecord = {
      id: appRoleAssignmentId(principalId),
      appRoleId: typeof b.appRoleId === 'string' ? b.appRoleId : '00000000-0000-0000-0000-000000000000',
      principalId,
      principalType,
      principalDisplayName: target(ctx, principalId).displayName ?? '',
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      createdDateTime: iso(ctx),
      deletedDateTime: null,
    };
    ctx.store.addAppRoleAssignment(a);
    log(appRoleActivity(principalType, true), appRoleCategory(principalType), [principalId, sp.id]);
    return { id: a.id };
  },
  revokeAppRole: (ctx, b, log) => {
    const a = ctx.store.appRoleAssignments.get(str(b, 'id'));
    if (!a) throw new Error(`id: no app role assignment '${String(b.id)}'`);
    ctx.store.removeAppRoleAssignment(a.id);
    log(appRoleActivity(a.principalType, false), appRoleCategory(a.principalType), [
      a.principalId,
      a.resourceId,
    ]);
    return { changed: true };
  },
  addRoleAssignment: (ctx, b, log) => {
    const roleDefinitionId = str(b, 'roleDefinitionId');
    const principalId = str(b, 'principalId');
    const directoryScopeId = typeof b.directoryScopeId === 'string' ? b.directoryScopeId : '/';
    const id = roleAssignmentId(roleDefinitionId, principalId);
    ctx.store.addRoleAssignment({
      id,
      principalId,
      roleDefinitionId,
      directoryScopeId,
      appScopeId: null,
      condition: null,
    });
    log('Add member to role', 'RoleManagement', [principalId, roleDefinitionId]);
    return { id };
  },
  removeRoleAssignment: (ctx, b, log) => {
    const a = ctx.store.roleAssignments.get(str(b, 'id'));
    if (!a) throw new Error(`id: no role assignment '${String(b.id)}'`);
    ctx.store.removeRoleAssignment(a.id);
    log('Remove member from role', 'RoleManagement', [a.principalId, a.roleDefinitionId]);
    return { changed: true };
  },
  assignLicense: (ctx, b, log) => {
    const add = strings(b, 'add').map((skuId) => ({ skuId, disabledPlans: [] }));
    ctx.store.assignLicense(str(b, 'userId'), add, strings(b, 'remove'));
    log('Change user license', 'UserManagement', [str(b, 'userId')]);
    return { changed: true };
  },
  updateServicePrincipal: (ctx, b, log) => {
    ctx.store.updateServicePrincipal(str(b, 'id'), obj(b, 'patch'));
    log('Update service principal', 'ApplicationManagement', [str(b, 'id')]);
    return { changed: true };
  },
  deleteDevice: (ctx, b, log) => {
    log('Delete device', 'Device', [str(b, 'id')]);
    ctx.store.deleteDevice(str(b, 'id'));
    return { changed: true };
  },
  updateClient: (ctx, b) => {
    ctx.store.updateClient(str(b, 'clientId'), obj(b, 'patch'));
    return { changed: true };
  },
};

export const MUTATION_OPS = Object.keys(OPS);

function iso(ctx: SimContext): string {
  return new Date(ctx.clock.now()).toISOString();
}

function link(
  ctx: SimContext,
  b: Body,
  log: Parameters<Op>[2],
  name: 'members' | 'owners',
  add: boolean,
): Body {
  const [objField, targetField] = name === 'members' ? ['groupId', 'memberId'] : ['objectId', 'ownerId'];
  const objectId = str(b, objField);
  const targetId = str(b, targetField);
  const s = ctx.store;
  const changed =
    name === 'members'
      ? add
        ? s.addMember(objectId, targetId)
        : s.removeMember(objectId, targetId)
      : add
        ? s.addOwner(objectId, targetId)
        : s.removeOwner(objectId, targetId);
  const noun = name === 'members' ? 'member' : 'owner';
  const kind = s.kindOf(objectId) === 'servicePrincipal' ? 'service principal' : 'group';
  if (changed)
    log(
      `${add ? 'Add' : 'Remove'} ${noun} ${add ? 'to' : 'from'} ${kind}`,
      kind === 'group' ? 'GroupManagement' : 'ApplicationManagement',
      [objectId, targetId],
    );
  return { changed };
}

/**
 * Applies one tenant mutation through the store, so it lands in the change log that delta replays,
 * and records it in the audit log as an administrator's change.
 */
export function mutate(ctx: SimContext, body: Body): Body {
  const op = str(body, 'op');
  const run = OPS[op];
  if (!run) throw new Error(`op: unknown operation '${op}'; expected one of ${MUTATION_OPS.join(', ')}`);
  const log = (activity: string, category: Category, ids: Guid[]): void =>
    recordAudit(
      ctx,
      CONTROL_INITIATOR,
      `control-${ctx.store.currentSeq}`,
      activity,
      category,
      ids.map((id) => target(ctx, id)),
    );
  return ctx.store.auditedByCaller(() => run(ctx, body, log));
}

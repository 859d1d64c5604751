/**
 * `POST /groups`: security and Microsoft 365 groups, with up to 20 owners and members bound in
 * the same request. Mail-enabled security groups and distribution lists cannot be created through
 * Graph (Exchange makes them).
 * https://learn.microsoft.com/graph/api/group-post-groups
 */
import type { SimContext } from '../context.js';
import { GraphHttpError, json } from '../http/message.js';
import { heldPermissions } from '../identity/bearer.js';
import { newGroup } from '../records.js';
import type { DirectoryObjectKind, GroupRecord, Guid } from '../tenant/model.js';
import { memberRefusal, OWNER_KINDS } from '../tenant/rules.js';
import { audit, target as auditTarget } from './audit.js';
import { notFound } from './directory.js';
import { grants, PERMS } from './permissions.js';
import { GROUP } from './resource-types.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { apply, badRequest, body } from './write-support.js';

/** "A maximum of 20 relationships, such as owners and members, can be added as part of group creation." */
const BIND_LIMIT = 20;

const WRITABLE = new Set([
  'displayName',
  'description',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'isAssignableToRole',
  'visibility',
  'classification',
  'membershipRule',
  'membershipRuleProcessingState',
]);

const forbidden = () =>
  new GraphHttpError(
    403,
    'Authorization_RequestDenied',
    'Insufficient privileges to complete the operation.',
  );

/** Graph's answer to a missing or malformed required property. */
function invalid(property: string): GraphHttpError {
  return new GraphHttpError(
    400,
    'Request_BadRequest',
    `Invalid value specified for property '${property}' of resource 'Group'.`,
    {},
    [{ code: 'InvalidValue', target: property }],
  );
}

/** ASCII 0–127 except `@ () \ [] " ; : . <> ,` and space; at most 64 characters. */
function validNickname(v: unknown): v is string {
  return (
    typeof v === 'string' &&
    v.length > 0 &&
    v.length <= 64 &&
    /^[\x21-\x7e]+$/.test(v) &&
    !/[@()\\[\]";:.<>,]/.test(v)
  );
}

function bindIds(raw: unknown, name: string): Guid[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw badRequest(`'${name}' must be an array of object URLs.`);
  return raw.map((r) => {
    const m = typeof r === 'string' ? /\/([0-9a-fA-F-]{36})(?:\/[^/]*)?$/.exec(r) : null;
    if (!m) throw badRequest(`Invalid object reference '${String(r)}' in '${name}'.`);
    return m[1] as Guid;
  });
}

/**
 * With Group.Create alone, an app may bind only objects it can read: users with a user-reading
 * permission, service principals with an application-reading one; itself always.
 */
function checkCanBind(ctx: SimContext, req: GraphRequest, id: Guid, kind: DirectoryObjectKind): void {
  const held = heldPermissions(req.claims);
  if (grants(held, ['Group.ReadWrite.All', 'Directory.ReadWrite.All', 'Directory.Read.All'])) return;
  if (kind === 'servicePrincipal' && ctx.store.servicePrincipals.get(id)?.appId === req.claims.appid) return;
  const reads =
    kind === 'user'
      ? ['User.Read.All', 'User.ReadWrite.All']
      : kind === 'servicePrincipal'
        ? ['Application.Read.All', 'Application.ReadWrite.All']
        : [];
  if (!grants(held, reads)) throw forbidden();
}

function defaultDomain(ctx: SimContext): string {
  return ctx.store.organization.verifiedDomains.find((d) => d.isDefault)?.name ?? ctx.store.initialDomain;
}

function createGroup(ctx: SimContext, req: GraphRequest) {
  const b = body(req);
  const { 'owners@odata.bind': ownersRaw, 'members@odata.bind': membersRaw, ...props } = b;
  for (const k of Object.keys(props))
    if (!WRITABLE.has(k))
      throw new GraphHttpError(
        400,
        'BadRequest',
        GROUP.properties.has(k)
          ? `Property '${k}' is read-only and cannot be set.`
          : `Property '${k}' does not exist on type 'microsoft.graph.group'.`,
      );
  if (typeof props.displayName !== 'string' || props.displayName === '' || props.displayName.length > 256)
    throw invalid('displayName');
  if (!validNickname(props.mailNickname)) throw invalid('mailNickname');
  if (typeof props.mailEnabled !== 'boolean') throw invalid('mailEnabled');
  if (typeof props.securityEnabled !== 'boolean') throw invalid('securityEnabled');
  const groupTypes = props.groupTypes ?? [];
  if (!Array.isArray(groupTypes) || groupTypes.some((t) => t !== 'Unified' && t !== 'DynamicMembership'))
    throw invalid('groupTypes');
  const unified = groupTypes.includes('Unified');
  const dynamic = groupTypes.includes('DynamicMembership');
  if (props.mailEnabled && !unified)
    throw badRequest(
      'The service does not currently support writes of mail-enabled groups. Please ensure that the mail-enablement property is unset and the security-enablement property is set.',
    );
  if (unified && !props.mailEnabled) throw invalid('mailEnabled');
  if (dynamic && typeof props.membershipRule !== 'string') throw invalid('membershipRule');
  if (
    props.visibility !== undefined &&
    props.visibility !== null &&
    !['Public', 'Private', 'HiddenMembership'].includes(props.visibility as string)
  )
    throw invalid('visibility');
  // "The calling user must be assigned the RoleManagement.ReadWrite.Directory permission to set
  // the isAssignableToRole property"; such a group is security-enabled and has fixed members.
  if (props.isAssignableToRole === true) {
    if (!grants(heldPermissions(req.claims), PERMS.rolesWrite)) throw forbidden();
    if (!props.securityEnabled || dynamic) throw invalid('isAssignableToRole');
  }
  // Microsoft 365 groups' aliases are their mail addresses: unique. Security groups may share one.
  if (
    unified &&
    [...ctx.store.groups.values()].some(
      (g) =>
        g.groupTypes.includes('Unified') &&
        g.mailNickname.toLowerCase() === (props.mailNickname as string).toLowerCase(),
    )
  )
    throw badRequest('Another object with the same value for property mailNickname already exists.');
  const owners = bindIds(ownersRaw, 'owners@odata.bind');
  const members = bindIds(membersRaw, 'members@odata.bind');
  if (owners.length + members.length > BIND_LIMIT)
    throw badRequest(
      `A maximum of ${BIND_LIMIT} relationships, such as owners and members, can be added as part of group creation.`,
    );
  const mail = unified ? `${props.mailNickname as string}@${defaultDomain(ctx)}` : null;
  const group = newGroup(
    {
      displayName: props.displayName,
      description: typeof props.description === 'string' ? props.description : null,
      classification: typeof props.classification === 'string' ? props.classification : null,
      groupTypes: groupTypes as string[],
      mailEnabled: props.mailEnabled,
      mailNickname: props.mailNickname,
      securityEnabled: props.securityEnabled,
      isAssignableToRole: props.isAssignableToRole === true ? true : null,
      membershipRule: dynamic ? (props.membershipRule as string) : null,
      membershipRuleProcessingState: dynamic
        ? ((props.membershipRuleProcessingState as 'On' | 'Paused') ?? 'On')
        : null,
      visibility: (props.visibility as GroupRecord['visibility']) ?? (unified ? 'Public' : null),
      mail,
      proxyAddresses: mail ? [`SMTP:${mail}`] : [],
    },
    new Date(ctx.clock.now()).toISOString(),
  );
  // Every reference is checked before anything is made: the request is all or nothing.
  for (const [ids, role] of [
    [owners, 'owner'],
    [members, 'member'],
  ] as const) {
    for (const id of ids) {
      const kind = ctx.store.kindOf(id);
      if (!kind) throw notFound(id);
      checkCanBind(ctx, req, id, kind);
      if (role === 'owner' && !OWNER_KINDS.includes(kind))
        throw badRequest(`A ${kind} cannot be a group owner.`);
      if (role === 'member') {
        const refusal = memberRefusal(group, kind, kind === 'group' ? ctx.store.groups.get(id) : undefined);
        if (refusal) throw badRequest(refusal);
      }
    }
  }
  if (new Set(owners).size !== owners.length || new Set(members).size !== members.length)
    throw badRequest(
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
  apply(() => {
    ctx.store.createGroup(group);
    for (const id of owners) ctx.store.addOwner(group.id, id);
    for (const id of members) ctx.store.addMember(group.id, id);
  });
  audit(ctx, req, 'Add group', 'GroupManagement', [auditTarget(ctx, group.id)]);
  for (const id of owners)
    audit(ctx, req, 'Add owner to group', 'GroupManagement', [
      auditTarget(ctx, group.id),
      auditTarget(ctx, id),
    ]);
  for (const id of members)
    audit(ctx, req, 'Add member to group', 'GroupManagement', [
      auditTarget(ctx, group.id),
      auditTarget(ctx, id),
    ]);
  return json(201, {
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#groups/$entity`,
    ...ctx.store.groups.get(group.id),
  });
}

export const groupCreateRoutes: GraphRoute[] = [route('POST', '/groups', PERMS.groupCreate, createGroup)];

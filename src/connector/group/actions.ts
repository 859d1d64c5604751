import type { ImplementationResult, OperationOptions } from '../../framework/capabilities.js';
import { grantId } from '../../framework/ids.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { Grant, JsonObject } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import { argumentsSchema, optText, text, type ActionDef } from '../shared/action-args.js';
import type { GraphGroup } from './graph.js';
import { answerLost, provisioningError, Writes, type ProvisionDeps } from '../shared/writes.js';
import { literal, resolveUser } from '../user/lookup.js';
import { toGroupResource } from './resource.js';

/** "A maximum of 20 relationships, such as owners and members, can be added as part of group creation." */
const BIND_LIMIT = 20;
const GROUP_SELECT =
  'id,displayName,description,mailNickname,mail,groupTypes,mailEnabled,securityEnabled,createdDateTime';

/**
 * A mail alias: ASCII without spaces or `@ ( ) \ [ ] " ; : . < > ,`, at most 64 characters.
 * https://learn.microsoft.com/graph/api/group-post-groups
 */
const NICKNAME = "^[!#-'*+\\-/-9=?A-Z^-~]{1,64}$";
const nicknameFrom = (name: string) => name.replace(/[^!#-'*+\-/-9=?A-Z^-~]/g, '').slice(0, 64);

async function groupsByNickname(
  deps: ProvisionDeps,
  nickname: string,
  signal?: AbortSignal,
): Promise<GraphGroup[]> {
  const page = await deps.graph.get<{ value: GraphGroup[] }>(
    `/groups?$filter=mailNickname eq ${literal(nickname)}&$select=${GROUP_SELECT}`,
    signal ? { signal } : {},
  );
  return page.value;
}

const ALREADY = /mailNickname already exists/i;

/**
 * `POST /groups` with owner and members bound in the same request (all or nothing). On a replay,
 * or after a lost answer, a group with the same mail alias and display name is the one this task
 * made; a Microsoft 365 group's alias is its address and unique, a security group's need not be.
 */
async function createGroup(
  deps: ProvisionDeps,
  args: JsonObject,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const displayName = args.displayName as string;
  const m365 = args.group_type === 'microsoft_365';
  const nickname = optText(args, 'mailNickname') ?? nicknameFrom(displayName);
  const what = `create_group ${nickname}`;
  if (!nickname)
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      'action create_group: argument mailNickname: required when displayName has no characters a mail alias can hold',
    );
  const ownerKey = optText(args, 'owner');
  const memberKeys = (args.userMembers as string[] | undefined) ?? [];
  if (memberKeys.length + (ownerKey ? 1 : 0) > BIND_LIMIT)
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `action create_group: argument userMembers: a group is created with at most ${BIND_LIMIT} owners and members together; grant the rest afterwards`,
    );
  const owner = ownerKey ? await resolveUser(deps, ownerKey, `${what}: owner`, o.signal) : undefined;
  const members = await Promise.all(
    memberKeys.map((k, i) => resolveUser(deps, k, `${what}: userMembers[${i}]`, o.signal)),
  );
  const done = (outcome: 'applied' | 'already_applied', g: GraphGroup): ImplementationResult => {
    const r = toGroupResource(g);
    const grants: Grant[] = [
      ...(owner ? [{ slug: 'owner', u: owner }] : []),
      ...members.map((u) => ({ slug: 'member', u })),
    ].map(({ slug, u }) => {
      const entitlement = `group:${r.id.resource}:${slug}`;
      const principal = { type: 'user', id: String(u.id) };
      return { id: grantId(entitlement, principal), entitlement, principal };
    });
    return { outcome, resource: r, grants, detail: { group_id: r.id.resource, mailNickname: nickname } };
  };
  const ours = async () =>
    (await groupsByNickname(deps, nickname, o.signal)).find((g) => g.displayName === displayName);
  const w = new Writes(deps, o);
  const ref = (u: GraphGroup) => w.directoryObject(String(u.id));
  try {
    if (o.replay) {
      const g = await ours();
      if (g) return done('already_applied', g);
    }
    const body = {
      displayName,
      mailNickname: nickname,
      ...(typeof args.description === 'string' ? { description: args.description } : {}),
      groupTypes: m365 ? ['Unified'] : [],
      mailEnabled: m365,
      securityEnabled: !m365,
      ...(args.isAssignableToRole === true ? { isAssignableToRole: true } : {}),
      ...(owner ? { 'owners@odata.bind': [ref(owner)] } : {}),
      ...(members.length ? { 'members@odata.bind': members.map(ref) } : {}),
    };
    let g: GraphGroup | undefined;
    try {
      g = await w.graph<GraphGroup>('POST', '/groups', body);
    } catch (err) {
      if (err instanceof GraphError && ALREADY.test(err.details.graphMessage ?? ''))
        throw new ProvisioningError(
          'FAILED_PRECONDITION',
          `${what}: a Microsoft 365 group with mailNickname ${nickname} already exists`,
          false,
          { cause: err },
        );
      if (!answerLost(err)) throw err;
      g = await ours();
      if (!g)
        throw new ProvisioningError(
          'UNAVAILABLE',
          `${what}: the answer was lost and no such group exists, so nothing was created; it is safe to run again`,
          true,
          { cause: err },
        );
    }
    if (!g) return { outcome: 'applied', detail: { mailNickname: nickname } };
    return done('applied', g);
  } catch (err) {
    throw provisioningError(what, err);
  }
}

export function groupActions(deps: ProvisionDeps): ActionDef[] {
  return [
    {
      schema: {
        name: 'create_group',
        displayName: 'Create group',
        description:
          'Creates a security or Microsoft 365 group, optionally with an owner and up to 20 initial members (users).',
        arguments: argumentsSchema(
          {
            displayName: text('display name', { minLength: 1, maxLength: 256 }),
            group_type: text('kind of group', { enum: ['security', 'microsoft_365'] }),
            mailNickname: text('mail alias (derived from displayName when absent)', { pattern: NICKNAME }),
            description: text('description', { maxLength: 1024 }),
            isAssignableToRole: {
              type: 'boolean',
              description:
                'whether directory roles can be assigned to the group (security groups; needs RoleManagement.ReadWrite.Directory)',
            },
            owner: text("the owner's object id or UPN", { minLength: 1 }),
            userMembers: {
              type: 'array',
              description: 'initial members: object ids or UPNs of users',
              items: text('object id or UPN', { minLength: 1 }),
              maxItems: BIND_LIMIT,
            },
          },
          ['displayName', 'group_type'],
        ),
        destructive: false,
      },
      run: (args, o) => createGroup(deps, args, o),
    },
  ];
}

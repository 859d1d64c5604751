import type { AccountInfo, ImplementationResult, OperationOptions } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { JsonValue } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import type { GraphUserRead } from './graph.js';
import { answerLost, provisioningError, Writes, type ProvisionDeps } from '../shared/writes.js';
import {
  literal,
  nextFreeUpn,
  resolveUser,
  splitUpn,
  USER_SELECT,
  userByUpn,
  userResource,
} from './lookup.js';

/** Profile properties a new user takes as they are, under Graph's names. https://learn.microsoft.com/graph/api/user-post-users */
export const USER_STRING_FIELDS = [
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'companyName',
  'employeeId',
  'employeeType',
  'employeeHireDate',
  'usageLocation',
  'mail',
  'country',
  'city',
  'officeLocation',
  'mobilePhone',
  'preferredLanguage',
] as const;

const EXTENSION = /^extensionAttribute([1-9]|1[0-5])$/;
const OPTIONS = ['mailNickname', 'accountEnabled', 'manager', 'check_upn', 'onPremisesExtensionAttributes'];

/** What a create request's profile says, checked. */
interface NewUser {
  props: Record<string, JsonValue>;
  extensions: Record<string, string | null>;
  mailNickname?: string;
  accountEnabled: boolean;
  manager?: string;
  checkUpn: boolean;
}

const invalid = (key: string, why: string) =>
  new ProvisioningError('INVALID_ARGUMENT', `profile.${key}: ${why}`);

/** Extension attributes given flat (`extensionAttribute3`) or as Graph's object; a string or null each. */
export function extensionAttributes(
  source: Record<string, unknown>,
  where: string,
): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(source)) {
    if (!EXTENSION.test(k)) continue;
    if (v !== null && typeof v !== 'string') throw invalid(`${where}${k}`, 'expected a string or null');
    if (typeof v === 'string' && v.length > 1024) throw invalid(`${where}${k}`, 'at most 1024 characters');
    out[k] = v;
  }
  return out;
}

function parseProfile(info: AccountInfo): NewUser {
  const profile = (info.profile ?? {}) as Record<string, unknown>;
  const props: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(profile)) {
    const known =
      (USER_STRING_FIELDS as readonly string[]).includes(k) || OPTIONS.includes(k) || EXTENSION.test(k);
    if (!known)
      throw invalid(
        k,
        `not a property a new account takes (allowed: ${[...USER_STRING_FIELDS, ...OPTIONS, 'extensionAttribute1…15'].join(', ')})`,
      );
    if ((USER_STRING_FIELDS as readonly string[]).includes(k)) {
      if (typeof v !== 'string' || v === '') throw invalid(k, 'expected a non-empty string');
      props[k] = v;
    }
  }
  // employeeId is at most 16 characters and usageLocation an ISO 3166 alpha-2 code (graph.md §7).
  if (typeof props.employeeId === 'string' && props.employeeId.length > 16)
    throw invalid('employeeId', 'at most 16 characters');
  if (typeof props.usageLocation === 'string' && !/^[A-Za-z]{2}$/.test(props.usageLocation))
    throw invalid('usageLocation', 'expected a two-letter country code (ISO 3166-1 alpha-2)');
  if (props.mail === undefined && info.emails?.[0]) props.mail = info.emails[0];
  if (info.emails && info.emails.length > 1) props.otherMails = info.emails.slice(1);
  const nested = profile.onPremisesExtensionAttributes;
  if (nested !== undefined && (nested === null || typeof nested !== 'object' || Array.isArray(nested)))
    throw invalid('onPremisesExtensionAttributes', 'expected an object of extensionAttribute1…15');
  const extensions = {
    ...extensionAttributes((nested ?? {}) as Record<string, unknown>, 'onPremisesExtensionAttributes.'),
    ...extensionAttributes(profile, ''),
  };
  const flag = (k: string, dflt: boolean): boolean => {
    const v = profile[k];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') throw invalid(k, 'expected true or false');
    return v;
  };
  const out: NewUser = {
    props,
    extensions,
    accountEnabled: flag('accountEnabled', true),
    checkUpn: flag('check_upn', false),
  };
  for (const k of ['mailNickname', 'manager'] as const) {
    const v = profile[k];
    if (v === undefined || v === '') continue;
    if (typeof v !== 'string') throw invalid(k, 'expected a string');
    out[k] = v;
  }
  if (out.mailNickname !== undefined && !validNickname(out.mailNickname))
    throw invalid('mailNickname', 'up to 64 characters, no spaces or any of @ ( ) \\ [ ] " ; : < > ,');
  return out;
}

const BAD_NICKNAME = /[\s@()\\[\]";:<>,]/g;

function validNickname(s: string): boolean {
  return (
    s.length > 0 && s.length <= 64 && !new RegExp(BAD_NICKNAME.source).test(s) && /^[\x21-\x7e]+$/.test(s)
  );
}

/** The mail alias a UPN gives: its local part without the characters an alias cannot hold. */
function nicknameOf(upn: string, given?: string): string {
  return given ?? splitUpn(upn).local.replace(BAD_NICKNAME, '').slice(0, 64);
}

/**
 * Whether an existing user is the one an earlier attempt of this task made: the UPN is the one asked
 * for (or, with check_upn, one of its numbered successors), and the display name, mail alias and
 * employee id are what this request sends. A user someone else made under the same UPN differs in
 * at least one of these in practice; the rule is only applied on a replay or after a lost answer.
 */
function isOurs(u: GraphUserRead, info: AccountInfo, n: NewUser, checkUpn: boolean): boolean {
  const upn = String(u.userPrincipalName ?? '');
  const { local, domain } = splitUpn(info.login);
  const family = new RegExp(`^${escape(local)}\\d*@${escape(domain)}$`, 'i');
  const upnFits = checkUpn ? family.test(upn) : upn.toLowerCase() === info.login.toLowerCase();
  return (
    upnFits &&
    u.displayName === info.displayName &&
    u.mailNickname === nicknameOf(upn, n.mailNickname) &&
    (n.props.employeeId === undefined || u.employeeId === n.props.employeeId)
  );
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function findOurs(deps: ProvisionDeps, info: AccountInfo, n: NewUser, signal?: AbortSignal) {
  if (!n.checkUpn) {
    const u = await userByUpn(deps, info.login, signal);
    return u && isOurs(u, info, n, false) ? u : undefined;
  }
  const { local } = splitUpn(info.login);
  const url = `/users?$filter=startswith(userPrincipalName,${literal(local)})&$select=${USER_SELECT}&$top=999`;
  for await (const page of deps.graph.pages<GraphUserRead>(url, signal ? { signal } : {}))
    for (const u of page.value) if (isOurs(u, info, n, true)) return u;
  return undefined;
}

const upnTaken = (err: unknown) =>
  err instanceof GraphError &&
  err.details.status === 400 &&
  /userPrincipalName already exists/i.test(err.details.graphMessage ?? '');

/**
 * `POST /users`, then the manager. A taken UPN fails naming it unless `profile.check_upn` asks for
 * the next free one; a replay or a lost answer re-reads by UPN and takes the user this request
 * made (see isOurs) instead of creating a second one. The password goes only into the request
 * body, which Writes records redacted.
 */
export async function createUser(
  deps: ProvisionDeps,
  info: AccountInfo,
  password: string,
  o: OperationOptions,
): Promise<ImplementationResult> {
  const n = parseProfile(info);
  splitUpn(info.login);
  const what = `create of account ${info.login}`;
  const manager = n.manager ? await resolveUser(deps, n.manager, 'profile.manager', o.signal) : undefined;
  const w = new Writes(deps, o);
  try {
    if (o.replay) {
      const mine = await findOurs(deps, info, n, o.signal);
      if (mine) return await finish(deps, w, mine, manager, 'already_applied', info.login);
    }
    const upn = n.checkUpn ? (await nextFreeUpn(deps, info.login, o.signal)).upn : info.login;
    const body = {
      accountEnabled: n.accountEnabled,
      displayName: info.displayName,
      mailNickname: nicknameOf(upn, n.mailNickname),
      userPrincipalName: upn,
      passwordProfile: { password, forceChangePasswordNextSignIn: true },
      ...n.props,
      // Cloud-only users take extension attributes on creation.
      // https://learn.microsoft.com/graph/api/resources/onpremisesextensionattributes
      ...(Object.keys(n.extensions).length ? { onPremisesExtensionAttributes: n.extensions } : {}),
    };
    let created: GraphUserRead | undefined;
    try {
      created = await w.graph<GraphUserRead>('POST', '/users', body);
    } catch (err) {
      if (answerLost(err)) {
        created = await userByUpn(deps, upn, o.signal);
        if (!created || !isOurs(created, info, n, n.checkUpn))
          throw new ProvisioningError(
            'UNAVAILABLE',
            `${what}: the answer was lost and no user ${upn} made by this request exists, so nothing was created; it is safe to run again`,
            true,
            { cause: err },
          );
      } else if (upnTaken(err)) {
        throw new ProvisioningError(
          'FAILED_PRECONDITION',
          `${what}: userPrincipalName ${upn} is already taken by an active or soft-deleted user${
            n.checkUpn ? '' : '; set profile.check_upn to true to take the next free one'
          }`,
          false,
          { cause: err },
        );
      } else throw err;
    }
    if (!created) {
      // A dry run: the plan names the new user by its UPN, which /users/{key} takes as well.
      if (manager)
        await w.graph('PUT', `/users/${encodeURIComponent(upn)}/manager/$ref`, managerRef(deps, manager));
      return { outcome: 'applied', detail: { upn } };
    }
    return await finish(deps, w, created, manager, 'applied', info.login);
  } catch (err) {
    throw provisioningError(what, err);
  }
}

function managerRef(deps: ProvisionDeps, manager: GraphUserRead) {
  return { '@odata.id': `${deps.graphBaseUrl.replace(/\/+$/, '')}/v1.0/users/${String(manager.id)}` };
}

/**
 * Sets the manager of a created user. The account exists by now: a failure here is reported as a
 * warning on the result rather than failing a task whose account was made.
 */
async function finish(
  deps: ProvisionDeps,
  w: Writes,
  u: GraphUserRead,
  manager: GraphUserRead | undefined,
  outcome: 'applied' | 'already_applied',
  requested: string,
): Promise<ImplementationResult> {
  const warnings: string[] = [];
  if (manager) {
    try {
      await w.graph('PUT', `/users/${String(u.id)}/manager/$ref`, managerRef(deps, manager));
    } catch (err) {
      warnings.push(`manager ${String(manager.id)} not set: ${provisioningError('manager', err).message}`);
    }
  }
  const upn = String(u.userPrincipalName);
  return {
    outcome,
    resource: userResource(deps.now(), u, warnings.length ? undefined : manager),
    detail: {
      upn,
      ...(upn.toLowerCase() !== requested.toLowerCase() ? { requested_upn: requested } : {}),
      ...(warnings.length ? { warnings } : {}),
    },
  };
}

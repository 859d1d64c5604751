import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { Resource } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import type { GraphUserRead } from './graph.js';
import { provisioningError, type ProvisionDeps } from '../shared/writes.js';
import { toUserResource } from './resource.js';

/** What account operations read of a user: the snapshot's properties and what deciding needs. */
export const USER_SELECT = [
  'id',
  'userPrincipalName',
  'displayName',
  'mail',
  'mailNickname',
  'otherMails',
  'accountEnabled',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'companyName',
  'country',
  'employeeId',
  'employeeType',
  'employeeHireDate',
  'userType',
  'createdDateTime',
  'onPremisesSyncEnabled',
  'onPremisesImmutableId',
  'onPremisesSamAccountName',
  'onPremisesDomainName',
  'onPremisesExtensionAttributes',
].join(',');

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isGuid = (s: string): boolean => GUID.test(s);

/** An OData string literal (quotes doubled), encoded for a query string. */
export function literal(s: string): string {
  return encodeURIComponent(`'${s.replace(/'/g, "''")}'`);
}

const sig = (signal?: AbortSignal) => (signal ? { signal } : {});

const notFound = (err: unknown) => err instanceof GraphError && err.kind === 'not_found';

/** A user by object id or UPN (`/users/{id | userPrincipalName}`); undefined when there is none. */
export async function readUser(
  deps: ProvisionDeps,
  key: string,
  signal?: AbortSignal,
): Promise<GraphUserRead | undefined> {
  try {
    return await deps.graph.get<GraphUserRead>(
      `/users/${encodeURIComponent(key)}?$select=${USER_SELECT}`,
      sig(signal),
    );
  } catch (err) {
    if (notFound(err)) return undefined;
    throw provisioningError(`read of user ${key}`, err);
  }
}

/** Like readUser, but a missing user is the caller's mistake: NOT_FOUND naming what was asked for. */
export async function mustReadUser(
  deps: ProvisionDeps,
  key: string,
  what: string,
  signal?: AbortSignal,
): Promise<GraphUserRead> {
  const u = await readUser(deps, key, signal);
  if (!u) throw new ProvisioningError('NOT_FOUND', `${what}: no user ${key}`);
  return u;
}

async function filterUsers(
  deps: ProvisionDeps,
  collection: string,
  filter: string,
  signal?: AbortSignal,
): Promise<GraphUserRead[]> {
  const out: GraphUserRead[] = [];
  const url = `${collection}?$filter=${filter}&$select=${USER_SELECT}&$top=999`;
  for await (const page of deps.graph.pages<GraphUserRead>(url, sig(signal))) out.push(...page.value);
  return out;
}

/** The active user holding a UPN, if any. */
export async function userByUpn(deps: ProvisionDeps, upn: string, signal?: AbortSignal) {
  const found = await filterUsers(deps, '/users', `userPrincipalName eq ${literal(upn)}`, signal);
  return found[0];
}

/**
 * A user named by object id, UPN or employee id, as the peer connector resolves a manager. An
 * employee id two users share is refused rather than guessed.
 */
export async function resolveUser(
  deps: ProvisionDeps,
  identifier: string,
  what: string,
  signal?: AbortSignal,
): Promise<GraphUserRead> {
  const id = identifier.trim();
  if (isGuid(id) || id.includes('@')) return mustReadUser(deps, id, what, signal);
  const found = await filterUsers(deps, '/users', `employeeId eq ${literal(id)}`, signal).catch((err) => {
    throw provisioningError(`${what}: lookup of employee id ${id}`, err);
  });
  if (found.length === 0)
    throw new ProvisioningError('NOT_FOUND', `${what}: no user with object id, UPN or employee id "${id}"`);
  if (found.length > 1)
    throw new ProvisioningError(
      'FAILED_PRECONDITION',
      `${what}: employee id "${id}" belongs to ${found.length} users; name the user by object id or UPN`,
    );
  return found[0]!;
}

export function splitUpn(upn: string, what = 'login'): { local: string; domain: string } {
  const at = upn.lastIndexOf('@');
  if (at <= 0 || at === upn.length - 1)
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `${what}: "${upn}" is not a user principal name (local@domain)`,
    );
  return { local: upn.slice(0, at), domain: upn.slice(at + 1) };
}

/**
 * The wanted UPN if no user holds it, else the first `<local><n>@<domain>` (n = 1, 2, …) none holds.
 * Soft-deleted users keep their UPN for 30 days and block it (graph.md §7), so the recycle bin
 * counts as taken.
 */
export async function nextFreeUpn(
  deps: ProvisionDeps,
  wanted: string,
  signal?: AbortSignal,
): Promise<{ upn: string; taken: boolean }> {
  const { local, domain } = splitUpn(wanted);
  const filter = `startswith(userPrincipalName,${literal(local)})`;
  const holders = await Promise.all([
    filterUsers(deps, '/users', filter, signal),
    filterUsers(deps, '/directory/deletedItems/microsoft.graph.user', filter, signal),
  ]).catch((err) => {
    throw provisioningError(`check of UPN ${wanted}`, err);
  });
  const taken = new Set(holders.flat().map((u) => String(u.userPrincipalName).toLowerCase()));
  if (!taken.has(wanted.toLowerCase())) return { upn: wanted, taken: false };
  for (let n = 1; ; n++) {
    const upn = `${local}${n}@${domain}`;
    if (!taken.has(upn.toLowerCase())) return { upn, taken: true };
  }
}

/** The user as the snapshot maps it (profile extras the snapshot reads elsewhere are left out). */
export function userResource(now: number, u: GraphUserRead, manager?: GraphUserRead): Resource {
  const extras: Parameters<typeof toUserResource>[1] = { now, extensionAttributes: false };
  if (manager) {
    extras.managerId = manager.id as string;
    extras.managerEmail = (manager.mail as string | null) || (manager.userPrincipalName as string);
  }
  return toUserResource(u, extras);
}

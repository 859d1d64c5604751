import type { Entitlement, Grant, Page, Resource, ResourceSyncer } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import { daysBefore, PAGE_SIZE, type SyncerDeps } from '../shared/common.js';
import { applyProfileMappings, type FieldMapping } from '../shared/mapping.js';
import type { GraphSignInActivity, GraphUser } from './graph.js';

export const USER_MAPPINGS: FieldMapping[] = [
  { entra: 'id', field: 'id.resource' },
  { entra: 'displayName', field: 'displayName' },
  { entra: 'userPrincipalName', field: 'user.login' },
  { entra: 'mail, otherMails (UPN when no mail)', field: 'user.emails', note: 'derived' },
  { entra: 'accountEnabled', field: 'user.status / status', note: 'true → enabled, false → disabled' },
  { entra: 'employeeId', field: 'user.employeeIds', note: 'derived' },
  {
    entra: 'signInActivity (latest of interactive / non-interactive)',
    field: 'user.lastLogin',
    note: 'BATON_SIGN_IN_ACTIVITY',
  },
  { entra: 'createdDateTime', field: 'createdAt', note: 'derived' },
  { entra: 'displayName', field: 'profile.display_name' },
  { entra: 'userPrincipalName', field: 'profile.user_principal_name' },
  { entra: 'mail', field: 'profile.mail' },
  { entra: 'givenName', field: 'profile.given_name' },
  { entra: 'surname', field: 'profile.surname' },
  { entra: 'jobTitle', field: 'profile.job_title' },
  { entra: 'department', field: 'profile.department' },
  { entra: 'companyName', field: 'profile.company_name' },
  { entra: 'employeeId', field: 'profile.employee_id' },
  { entra: 'employeeType', field: 'profile.employee_type' },
  { entra: 'employeeHireDate', field: 'profile.employee_hire_date' },
  { entra: 'userType', field: 'profile.user_type' },
  { entra: 'accountEnabled', field: 'profile.account_enabled' },
  { entra: 'createdDateTime', field: 'profile.created_date_time' },
  { entra: 'onPremisesSyncEnabled', field: 'profile.on_premises_sync_enabled' },
  { entra: 'onPremisesImmutableId', field: 'profile.on_premises_immutable_id' },
  { entra: 'onPremisesSamAccountName', field: 'profile.on_premises_sam_account_name' },
  { entra: 'onPremisesDomainName', field: 'profile.on_premises_domain_name' },
  { entra: 'manager (id)', field: 'profile.manager_id', note: 'users/delta manager@delta' },
  { entra: "manager's mail (UPN when no mail)", field: 'profile.manager_email', note: 'derived' },
  { entra: 'signInActivity', field: 'profile.last_sign_in', note: 'BATON_SIGN_IN_ACTIVITY' },
  {
    entra: 'onPremisesExtensionAttributes.extensionAttributeN',
    field: 'profile.extension_attribute_N',
    note: 'BATON_ON_PREMISES_EXTENSION_ATTRIBUTES',
  },
  {
    entra: 'signInActivity, createdDateTime',
    field: 'profile.stale',
    note: 'BATON_USER_STALE_DAYS: no sign-in within N days',
  },
];

export interface UserExtras {
  managerId?: string;
  managerEmail?: string;
  signIn?: GraphSignInActivity;
  /** Now, ms since epoch, and the stale threshold in days, if configured. */
  now: number;
  staleDays?: number;
  extensionAttributes: boolean;
}

function latest(...dates: unknown[]): string | undefined {
  const valid = dates.filter((d): d is string => typeof d === 'string' && d !== '');
  return valid.sort().at(-1);
}

/** The latest sign-in the activity records. */
export function lastLoginOf(signIn: GraphSignInActivity | undefined): string | undefined {
  return signIn
    ? latest(
        signIn.lastSignInDateTime,
        signIn.lastNonInteractiveSignInDateTime,
        signIn.lastSuccessfulSignInDateTime,
      )
    : undefined;
}

/** Whether a user last seen at `since` (sign-in, else creation) counts as stale at `now`. */
export function userStale(since: string | null | undefined, now: number, staleDays: number): boolean {
  // A null createdDateTime parses to NaN: not stale, as an unknown date never is.
  return since != null && Date.parse(since) < daysBefore(now, staleDays);
}

/** Pure: a Graph user (+ manager, sign-in) → a `user` resource. */
export function toUserResource(u: GraphUser, x: UserExtras): Resource {
  const id = u.id;
  const upn = u.userPrincipalName ?? id;
  const emails = [u.mail, ...(u.otherMails ?? [])].filter(
    (e): e is string => typeof e === 'string' && e !== '',
  );
  const status = u.accountEnabled === false ? 'disabled' : 'enabled';
  const profile = applyProfileMappings(u, USER_MAPPINGS);
  if (x.managerId) profile.manager_id = x.managerId;
  if (x.managerEmail) profile.manager_email = x.managerEmail;
  const lastLogin = lastLoginOf(x.signIn);
  if (lastLogin) profile.last_sign_in = lastLogin;
  if (
    x.extensionAttributes &&
    u.onPremisesExtensionAttributes &&
    typeof u.onPremisesExtensionAttributes === 'object'
  ) {
    for (const [k, v] of Object.entries(u.onPremisesExtensionAttributes)) {
      const n = /^extensionAttribute(\d+)$/.exec(k)?.[1];
      if (n && typeof v === 'string') profile[`extension_attribute_${n}`] = v;
    }
  }
  if (x.staleDays !== undefined)
    profile.stale = userStale(lastLogin ?? u.createdDateTime, x.now, x.staleDays);
  const r: Resource = {
    id: { resourceType: 'user', resource: id },
    displayName: u.displayName ?? upn,
    status,
    profile,
    user: {
      login: upn,
      emails: emails.length ? emails : [upn],
      status,
      accountType: 'human',
      employeeIds: typeof u.employeeId === 'string' && u.employeeId ? [u.employeeId] : [],
    },
  };
  if (lastLogin) r.user!.lastLogin = lastLogin;
  if (typeof u.createdDateTime === 'string') r.createdAt = u.createdDateTime;
  return r;
}

export function createUserSyncer(deps: SyncerDeps): ResourceSyncer {
  const { config } = deps;
  const include = (id: string, u: GraphUser): boolean => {
    if (config.licensedUsersOnly && !(Array.isArray(u.assignedLicenses) && u.assignedLicenses.length > 0)) {
      deps.drop('user without license (BATON_LICENSED_USERS_ONLY)');
      return false;
    }
    if (deps.scopedUsers && !deps.scopedUsers(id)) {
      deps.drop('user outside scope groups');
      return false;
    }
    return true;
  };
  const toResource = (row: {
    id: string;
    data: GraphUser;
    managerId?: string;
    managerEmail?: unknown;
  }): Resource | undefined => {
    const { id, data: u, managerId, managerEmail } = row;
    if (!include(id, u)) return undefined;
    const extras: UserExtras = {
      now: deps.now(),
      extensionAttributes: config.onPremisesExtensionAttributes,
    };
    if (managerId) {
      extras.managerId = managerId;
      if (typeof managerEmail === 'string' && managerEmail) extras.managerEmail = managerEmail;
    }
    const signIn = config.signInActivity ? deps.source.get<GraphSignInActivity>('signIn', id) : undefined;
    if (signIn) extras.signIn = signIn;
    // Staleness needs sign-in data; without it every old account would look stale.
    if (config.userStaleDays !== undefined && config.signInActivity) extras.staleDays = config.userStaleDays;
    return toUserResource(u, extras);
  };
  return {
    resourceType: RESOURCE_TYPES.user,
    list(token): Promise<Page<Resource>> {
      const rows = deps.queries.usersPage<GraphUser>(token ?? '', PAGE_SIZE);
      const items: Resource[] = [];
      for (const row of rows) {
        const r = toResource(row);
        if (r) items.push(r);
      }
      return Promise.resolve({
        items,
        nextPageToken: rows.length === PAGE_SIZE ? rows.at(-1)!.id : undefined,
      });
    },
    resource(id) {
      const row = deps.queries.user<GraphUser>(id);
      return row ? toResource(row) : undefined;
    },
    entitlements(): Entitlement[] {
      return [];
    },
    grants(): Promise<Page<Grant>> {
      return Promise.resolve({ items: [] });
    },
  };
}

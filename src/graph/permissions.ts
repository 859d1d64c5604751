/**
 * Least-privilege application permission for a Graph call, to name in a permission_denied error.
 * Taken from each API's "Permissions" table, e.g.
 * https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0#permissions
 * First match wins, so specific paths come before their parents.
 */
interface PermissionRule {
  pattern: RegExp;
  read: string;
  write?: string;
}

const ID = '[^/?]+';

const RULES: PermissionRule[] = [
  {
    pattern: new RegExp(`^/users/${ID}/revokeSignInSessions`),
    read: 'User.RevokeSessions.All',
    write: 'User.RevokeSessions.All',
  },
  {
    pattern: new RegExp(`^/users/${ID}/assignLicense`),
    read: 'LicenseAssignment.ReadWrite.All',
    write: 'LicenseAssignment.ReadWrite.All',
  },
  {
    pattern: new RegExp(`^/users/${ID}/authentication`),
    read: 'UserAuthenticationMethod.Read.All',
    write: 'UserAuthenticationMethod.ReadWrite.All',
  },
  { pattern: new RegExp(`^/users/${ID}/mailboxSettings`), read: 'MailboxSettings.Read' },
  { pattern: new RegExp(`^/users/${ID}/manager`), read: 'User.Read.All', write: 'User.ReadWrite.All' },
  { pattern: /^\/users/, read: 'User.Read.All', write: 'User.ReadWrite.All' },
  {
    pattern: /^\/directory\/deletedItems\/microsoft\.graph\.user/,
    read: 'User.Read.All',
    write: 'User.ReadWrite.All',
  },
  {
    pattern: /^\/directory\/deletedItems\/microsoft\.graph\.group/,
    read: 'Group.Read.All',
    write: 'Group.ReadWrite.All',
  },
  {
    pattern: new RegExp(`^/groups/${ID}/(members|transitiveMembers|owners)`),
    read: 'GroupMember.Read.All',
    write: 'GroupMember.ReadWrite.All',
  },
  // https://learn.microsoft.com/en-us/graph/api/group-list-approleassignments?view=graph-rest-1.0#permissions
  {
    pattern: new RegExp(`^/groups/${ID}/appRoleAssignments`),
    read: 'Directory.Read.All',
    write: 'AppRoleAssignment.ReadWrite.All',
  },
  // List groups accepts GroupMember.Read.All, which the member reads need anyway.
  // https://learn.microsoft.com/en-us/graph/api/group-list?view=graph-rest-1.0#permissions
  { pattern: /^\/groups/, read: 'GroupMember.Read.All', write: 'Group.ReadWrite.All' },
  {
    pattern: /^\/roleManagement\/directory\/roleEligibilitySchedule/,
    read: 'RoleEligibilitySchedule.Read.Directory',
    write: 'RoleEligibilitySchedule.ReadWrite.Directory',
  },
  {
    pattern: /^\/roleManagement\/directory\/roleAssignmentSchedule/,
    read: 'RoleAssignmentSchedule.Read.Directory',
    write: 'RoleAssignmentSchedule.ReadWrite.Directory',
  },
  {
    pattern: /^\/(roleManagement\/directory|directoryRoles)/,
    read: 'RoleManagement.Read.Directory',
    write: 'RoleManagement.ReadWrite.Directory',
  },
  {
    pattern: new RegExp(`^/servicePrincipals/${ID}/synchronization`),
    read: 'Synchronization.Read.All',
    write: 'Synchronization.ReadWrite.All',
  },
  {
    pattern: new RegExp(`^/servicePrincipals/${ID}/(appRoleAssignedTo|appRoleAssignments)`),
    read: 'Application.Read.All',
    write: 'AppRoleAssignment.ReadWrite.All',
  },
  {
    pattern: /^\/(servicePrincipals|applications)/,
    read: 'Application.Read.All',
    write: 'Application.ReadWrite.All',
  },
  { pattern: /^\/subscribedSkus/, read: 'LicenseAssignment.Read.All' },
  { pattern: /^\/devices/, read: 'Device.Read.All', write: 'Device.ReadWrite.All' },
  { pattern: /^\/auditLogs\//, read: 'AuditLog.Read.All' },
  { pattern: /^\/organization/, read: 'Organization.Read.All' },
  { pattern: /^\/directoryObjects\/getByIds/, read: 'Directory.Read.All' },
];

/**
 * The permission a call needs, from its method and URL or path (host and `/v1.0`|`/beta` prefix are
 * ignored). Reading `signInActivity` additionally needs AuditLog.Read.All, which is what a 403 on
 * such a request usually means.
 */
export function requiredPermission(method: string, pathOrUrl: string): string | undefined {
  const { path, query } = splitPath(pathOrUrl);
  if (/^\/users/.test(path) && /signInActivity/i.test(query)) return 'AuditLog.Read.All';
  const rule = RULES.find((r) => r.pattern.test(path));
  if (!rule) return undefined;
  return method === 'GET' ? rule.read : (rule.write ?? rule.read);
}

/** The path without origin and API version, and the decoded query. */
export function splitPath(pathOrUrl: string): { path: string; query: string } {
  const url = new URL(pathOrUrl, 'https://graph.invalid');
  const path = url.pathname.replace(/^\/(v1\.0|beta)(?=\/|$)/, '') || '/';
  let query = url.search;
  try {
    query = decodeURIComponent(query);
  } catch {
    // keep the raw query
  }
  return { path, query };
}

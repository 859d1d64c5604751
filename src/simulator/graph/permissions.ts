/**
 * Application permissions each Graph endpoint accepts (any one suffices), from the "Permissions"
 * tables of the API reference, e.g. https://learn.microsoft.com/graph/api/user-list#permissions.
 * A `*.ReadWrite.*` permission also grants the matching `*.Read.*`.
 */
export const PERMS = {
  users: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  usersWrite: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/directory-deleteditems-restore#permissions
  userRestore: ['User.DeleteRestore.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/authentication-list-methods#permissions
  authMethods: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/phoneauthenticationmethod-delete#permissions
  authMethodsWrite: ['UserAuthenticationMethod.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/user-revokesigninsessions#permissions
  userRevokeSessions: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  userEnable: ['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  groups: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  groupMembers: [
    'GroupMember.Read.All',
    'Group.Read.All',
    'GroupMember.ReadWrite.All',
    'Group.ReadWrite.All',
    'Directory.Read.All',
  ],
  groupMembersWrite: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/group-post-groups#permissions
  groupCreate: ['Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  roles: [
    'RoleManagement.Read.Directory',
    'RoleManagement.Read.All',
    'RoleManagement.ReadWrite.Directory',
    'Directory.Read.All',
  ],
  rolesWrite: ['RoleManagement.ReadWrite.Directory'],
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignmentschedulerequests#permissions
  roleAssignmentScheduleWrite: [
    'RoleAssignmentSchedule.ReadWrite.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests#permissions
  roleEligibilityScheduleWrite: [
    'RoleEligibilitySchedule.ReadWrite.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  roleSchedules: [
    'RoleAssignmentSchedule.Read.Directory',
    'RoleEligibilitySchedule.Read.Directory',
    'RoleManagement.Read.Directory',
    'RoleManagement.Read.All',
    'RoleManagement.ReadWrite.Directory',
  ],
  apps: [
    'Application.Read.All',
    'Application.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  appRoleWrite: ['AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  appWrite: ['Application.ReadWrite.All', 'Application.ReadWrite.OwnedBy', 'Directory.ReadWrite.All'],
  sync: ['Synchronization.Read.All', 'Synchronization.ReadWrite.All', 'Application.Read.All'],
  // https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand#permissions
  syncWrite: ['Synchronization.ReadWrite.All'],
  skus: [
    'LicenseAssignment.Read.All',
    'Organization.Read.All',
    'Directory.Read.All',
    'Organization.ReadWrite.All',
  ],
  licenseWrite: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  devices: ['Device.Read.All', 'Device.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  organization: [
    'Organization.Read.All',
    'Organization.ReadWrite.All',
    'Directory.Read.All',
    'User.Read.All',
  ],
  audit: ['AuditLog.Read.All'],
  directoryObjects: [
    'Directory.Read.All',
    'Directory.ReadWrite.All',
    'User.Read.All',
    'Group.Read.All',
    'Application.Read.All',
    'Device.Read.All',
  ],
} as const;

export function grants(held: readonly string[], accepted: readonly string[]): boolean {
  const have = new Set(held.map((h) => h.toLowerCase()));
  for (const h of held) have.add(h.replace('.ReadWrite.', '.Read.').toLowerCase());
  return accepted.some((a) => have.has(a.toLowerCase()));
}

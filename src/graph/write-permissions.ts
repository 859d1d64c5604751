/**
 * The application permission each provisioning feature needs, least privileged first; any one of
 * `anyOf` suffices. https://learn.microsoft.com/graph/permissions-reference
 */
export interface WriteFeature {
  feature: string;
  /** What the feature does, for the report. */
  what: string;
  anyOf: readonly string[];
  /** Only checked when this holds for the configuration. */
  when?: 'scim';
}

export const WRITE_FEATURES: readonly WriteFeature[] = [
  {
    feature: 'group_membership',
    what: 'grant and revoke group members and owners',
    anyOf: ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'create_group',
    what: 'the create_group action',
    anyOf: ['Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'role_assignment',
    what: 'directory role assignments and PIM eligibility',
    anyOf: ['RoleManagement.ReadWrite.Directory'],
  },
  {
    feature: 'app_role_assignment',
    what: 'enterprise application and managed identity assignments',
    anyOf: ['AppRoleAssignment.ReadWrite.All'],
  },
  {
    feature: 'app_owner',
    what: 'service principal owners',
    anyOf: ['Application.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'license',
    what: 'license assignment',
    anyOf: ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'account',
    what: 'create, update, delete accounts; set manager',
    anyOf: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'account_enable',
    what: 'enable and disable accounts',
    anyOf: ['User.EnableDisableAccount.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'account_restore',
    what: 'restore deleted accounts',
    anyOf: ['User.DeleteRestore.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'revoke_sessions',
    what: 'the revoke_sessions action',
    anyOf: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  {
    feature: 'revoke_mfa',
    what: 'the revoke_mfa action',
    anyOf: ['UserAuthenticationMethod.ReadWrite.All'],
  },
  {
    feature: 'scim',
    what: 'provisioning on demand (BATON_SCHEDULE_SCIM_PROVISIONING)',
    anyOf: ['Synchronization.ReadWrite.All'],
    when: 'scim',
  },
];

/** Features whose permission the granted roles lack, each with the least privileged one to grant. */
export function missingWritePermissions(
  granted: readonly string[],
  o: { scim: boolean },
): { feature: string; what: string; missingPermission: string }[] {
  const have = new Set(granted);
  return WRITE_FEATURES.filter((f) => (f.when === 'scim' ? o.scim : true))
    .filter((f) => !f.anyOf.some((p) => have.has(p)))
    .map((f) => ({ feature: f.feature, what: f.what, missingPermission: f.anyOf[0]! }));
}

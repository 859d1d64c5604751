/**
 * The application permission each provisioning feature needs, least privileged first; any one of
 * `anyOf` suffices. https://learn.microsoft.com/graph/permissions-reference
 */
export interface WriteFeature {
  feature: string;
  /** What the feature does, for the report. */
  what: string;
  anyOf: readonly string[];
  /**
   * Only checked when this holds: SCIM provisioning is on; the tenant has PIM (or it is not known
   * that it lacks it); the tenant is known to lack PIM (Entra ID P2).
   */
  when?: 'scim' | 'pim' | 'no_pim';
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
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignmentschedulerequests#permissions
  {
    feature: 'role_assignment',
    what: 'active directory role assignments (PIM requests)',
    anyOf: ['RoleAssignmentSchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'],
    when: 'pim',
  },
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests#permissions
  {
    feature: 'role_eligibility',
    what: 'eligible directory role assignments (PIM requests)',
    anyOf: ['RoleEligibilitySchedule.ReadWrite.Directory', 'RoleManagement.ReadWrite.Directory'],
    when: 'pim',
  },
  // Without Entra ID P2 active assignments go to roleAssignments.
  // https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments#permissions
  {
    feature: 'role_assignment',
    what: 'active directory role assignments (roleAssignments: the tenant has no Entra ID P2)',
    anyOf: ['RoleManagement.ReadWrite.Directory'],
    when: 'no_pim',
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

/**
 * Features whose permission the granted roles lack, each with the least privileged one to grant.
 * `pim: false` when the tenant is known to lack PIM (Entra ID P2): role grants then need the
 * permission of `roleAssignments` instead of PIM's.
 */
export function missingWritePermissions(
  granted: readonly string[],
  o: { scim: boolean; pim?: boolean },
): { feature: string; what: string; missingPermission: string }[] {
  const have = new Set(granted);
  const applies = (f: WriteFeature): boolean => {
    if (f.when === 'scim') return o.scim;
    if (f.when === 'pim') return o.pim !== false;
    if (f.when === 'no_pim') return o.pim === false;
    return true;
  };
  return WRITE_FEATURES.filter(applies)
    .filter((f) => !f.anyOf.some((p) => have.has(p)))
    .map((f) => ({ feature: f.feature, what: f.what, missingPermission: f.anyOf[0]! }));
}

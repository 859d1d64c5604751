/**
 * Graph's rules on what may be linked to what, checked by the store so that neither the
 * generator nor the server can build a tenant Entra would refuse.
 */
import type { DirectoryObjectKind, GroupRecord } from './model.js';

/** The broad kinds of group Entra distinguishes, from its flags. */
export type GroupFlavour = 'microsoft365' | 'dynamic' | 'distribution' | 'mailEnabledSecurity' | 'security';

/** https://learn.microsoft.com/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph */
export function groupFlavour(
  g: Pick<GroupRecord, 'groupTypes' | 'mailEnabled' | 'securityEnabled'>,
): GroupFlavour {
  if (g.groupTypes.includes('DynamicMembership')) return 'dynamic';
  if (g.groupTypes.includes('Unified')) return 'microsoft365';
  if (g.mailEnabled && !g.securityEnabled) return 'distribution';
  if (g.mailEnabled && g.securityEnabled) return 'mailEnabledSecurity';
  return 'security';
}

/**
 * Why `memberKind` cannot be a direct member of `group`, or undefined when it can.
 * - Microsoft 365 groups hold users only and cannot be nested
 *   (https://learn.microsoft.com/graph/api/group-post-members).
 * - Dynamic groups get their members from the rule; they cannot be edited.
 * - Distribution and mail-enabled security groups hold mail recipients: users, contacts, groups.
 * - Role-assignable groups cannot contain groups
 *   (https://learn.microsoft.com/entra/identity/role-based-access-control/groups-concept).
 * - Security groups take users, groups, service principals, devices and contacts.
 */
export function memberRefusal(
  group: GroupRecord,
  memberKind: DirectoryObjectKind,
  member?: GroupRecord,
): string | undefined {
  const flavour = groupFlavour(group);
  if (flavour === 'dynamic') {
    return `group ${group.id} has dynamic membership; its members come from membershipRule and cannot be added or removed`;
  }
  if (flavour === 'microsoft365' && memberKind !== 'user') {
    return `group ${group.id} is a Microsoft 365 group and only accepts users as members, not ${memberKind}`;
  }
  if (
    (flavour === 'distribution' || flavour === 'mailEnabledSecurity') &&
    !['user', 'orgContact', 'group'].includes(memberKind)
  ) {
    return `group ${group.id} is mail-enabled (${flavour}) and only accepts users, contacts and groups, not ${memberKind}`;
  }
  if (!['user', 'group', 'servicePrincipal', 'device', 'orgContact'].includes(memberKind)) {
    return `a ${memberKind} cannot be a group member`;
  }
  if (memberKind === 'group') {
    if (group.isAssignableToRole) return `group ${group.id} is role-assignable and cannot contain groups`;
    if (member && groupFlavour(member) === 'microsoft365')
      return `Microsoft 365 group ${member.id} cannot be nested in another group`;
  }
  return undefined;
}

/** Which object kinds can have owners, and which kinds can own them. */
export const OWNABLE_KINDS: readonly DirectoryObjectKind[] = ['group', 'servicePrincipal', 'application'];
export const OWNER_KINDS: readonly DirectoryObjectKind[] = ['user', 'servicePrincipal'];

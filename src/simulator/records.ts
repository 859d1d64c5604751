import { randomUUID } from 'node:crypto';
import type { GroupRecord, UserRecord } from './tenant/model.js';

/** A complete user record from the few properties a create names (Graph fills the rest). */
export function newUser(
  p: Partial<UserRecord> & Pick<UserRecord, 'userPrincipalName' | 'displayName'>,
  nowIso: string,
): UserRecord {
  const ext = Object.fromEntries(
    Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]),
  ) as unknown as UserRecord['onPremisesExtensionAttributes'];
  return {
    id: randomUUID(),
    givenName: null,
    surname: null,
    mail: null,
    mailNickname: p.userPrincipalName.split('@')[0] ?? p.userPrincipalName,
    otherMails: [],
    userType: 'Member',
    accountEnabled: true,
    jobTitle: null,
    department: null,
    companyName: null,
    country: null,
    city: null,
    officeLocation: null,
    usageLocation: null,
    preferredLanguage: null,
    mobilePhone: null,
    businessPhones: [],
    employeeId: null,
    employeeType: null,
    employeeHireDate: null,
    createdDateTime: nowIso,
    creationType: null,
    externalUserState: null,
    onPremisesSyncEnabled: null,
    onPremisesImmutableId: null,
    onPremisesSamAccountName: null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    onPremisesExtensionAttributes: ext,
    assignedLicenses: [],
    mailboxSettings: { userPurpose: 'user' },
    ...p,
  };
}

export function newGroup(
  p: Partial<GroupRecord> & Pick<GroupRecord, 'displayName'>,
  nowIso: string,
): GroupRecord {
  return {
    id: randomUUID(),
    description: null,
    classification: null,
    groupTypes: [],
    mail: null,
    mailEnabled: false,
    mailNickname: p.displayName.replace(/[^A-Za-z0-9]/g, '').toLowerCase() || 'group',
    securityEnabled: true,
    securityIdentifier: `S-1-12-1-${Math.floor(Math.random() * 1e9)}`,
    isAssignableToRole: null,
    isManagementRestricted: null,
    membershipRule: null,
    membershipRuleProcessingState: null,
    visibility: null,
    createdDateTime: nowIso,
    onPremisesSyncEnabled: null,
    onPremisesSamAccountName: null,
    onPremisesSecurityIdentifier: null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    proxyAddresses: [],
    ...p,
  };
}

import type {
  GroupRecord,
  Guid,
  ServicePrincipalRecord,
  UserRecord,
  DeviceRecord,
  ApplicationRecord,
} from '../../../src/simulator/tenant/model.js';
import { FixtureTenant } from './fixture-store.js';

/** Deterministic GUIDs: `prefix` (8 hex) + a counter, so failures name recognisable ids. */
export function guid(prefix: string, n: number): Guid {
  return `${prefix.padStart(8, '0').slice(0, 8)}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const TENANT_ID = guid('7e4a0000', 1);
export const CLIENT_ID = guid('c11e0000', 1);
export const CLIENT_SECRET = 'fixture-secret~value';
export const SKU_E5 = guid('5c000000', 5);
const T0 = '2026-01-01T00:00:00Z';

const ext = Object.fromEntries(
  Array.from({ length: 15 }, (_, i) => [`extensionAttribute${i + 1}`, null]),
) as unknown as UserRecord['onPremisesExtensionAttributes'];

export function makeUser(i: number, over: Partial<UserRecord> = {}): UserRecord {
  return {
    id: guid('00000a11', i),
    userPrincipalName: `user${i}@fixture.onmicrosoft.com`,
    displayName: `User ${i}`,
    givenName: 'User',
    surname: String(i),
    mail: `user${i}@fixture.example`,
    mailNickname: `user${i}`,
    otherMails: [],
    userType: 'Member',
    accountEnabled: i % 7 !== 3,
    jobTitle: i % 2 === 0 ? 'Engineer' : 'Analyst',
    department: i % 3 === 0 ? 'Sales' : 'R&D',
    companyName: null,
    country: null,
    city: null,
    officeLocation: null,
    usageLocation: 'US',
    preferredLanguage: null,
    mobilePhone: null,
    businessPhones: [],
    employeeId: `E${i}`,
    employeeType: null,
    employeeHireDate: null,
    createdDateTime: T0,
    creationType: null,
    externalUserState: null,
    onPremisesSyncEnabled: i % 5 === 0 ? true : null,
    onPremisesImmutableId: null,
    onPremisesSamAccountName: null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    onPremisesExtensionAttributes: ext,
    signInActivity:
      i % 4 === 0
        ? undefined
        : {
            lastSignInDateTime: T0,
            lastSignInRequestId: null,
            lastNonInteractiveSignInDateTime: null,
            lastNonInteractiveSignInRequestId: null,
            lastSuccessfulSignInDateTime: T0,
            lastSuccessfulSignInRequestId: null,
          },
    assignedLicenses: i % 2 === 0 ? [{ skuId: SKU_E5, disabledPlans: [] }] : [],
    mailboxSettings: { userPurpose: 'user' },
    ...over,
  };
}

export function makeGroup(i: number, over: Partial<GroupRecord> = {}): GroupRecord {
  return {
    id: guid('00006400', i),
    displayName: `Group ${i}`,
    description: null,
    classification: null,
    groupTypes: i % 4 === 1 ? ['Unified'] : [],
    mail: i % 3 === 2 ? `group${i}@fixture.example` : null,
    mailEnabled: i % 3 === 2,
    mailNickname: `group${i}`,
    securityEnabled: i % 6 !== 2,
    securityIdentifier: `S-1-12-1-${i}`,
    isAssignableToRole: null,
    isManagementRestricted: null,
    membershipRule: null,
    membershipRuleProcessingState: null,
    visibility: null,
    createdDateTime: T0,
    onPremisesSyncEnabled: i % 5 === 0 ? true : null,
    onPremisesSamAccountName: null,
    onPremisesSecurityIdentifier: null,
    onPremisesDomainName: null,
    onPremisesLastSyncDateTime: null,
    proxyAddresses: [],
    ...over,
  };
}

export function makeSp(i: number, over: Partial<ServicePrincipalRecord> = {}): ServicePrincipalRecord {
  return {
    id: guid('0000059a', i),
    appId: guid('000a9901', i),
    appDisplayName: `App ${i}`,
    displayName: `App ${i}`,
    description: null,
    accountEnabled: true,
    appOwnerOrganizationId: TENANT_ID,
    appRoleAssignmentRequired: false,
    appRoles: [
      {
        id: guid('0000a901', i),
        allowedMemberTypes: ['User'],
        description: 'Reader',
        displayName: 'Reader',
        isEnabled: true,
        origin: 'Application',
        value: 'Reader',
      },
    ],
    homepage: null,
    info: {
      logoUrl: null,
      marketingUrl: null,
      privacyStatementUrl: null,
      supportUrl: null,
      termsOfServiceUrl: null,
    },
    servicePrincipalType: i % 3 === 2 ? 'ManagedIdentity' : 'Application',
    servicePrincipalNames: [],
    signInAudience: 'AzureADMyOrg',
    tags: [],
    createdDateTime: T0,
    alternativeNames: [],
    preferredSingleSignOnMode: null,
    passwordCredentials: [],
    keyCredentials: [],
    ...over,
  };
}

export function makeDevice(i: number): DeviceRecord {
  return {
    id: guid('0000de71', i),
    deviceId: guid('0000de72', i),
    displayName: `DEVICE-${i}`,
    accountEnabled: true,
    operatingSystem: 'Windows',
    operatingSystemVersion: '10.0',
    trustType: 'AzureAd',
    isCompliant: true,
    isManaged: true,
    approximateLastSignInDateTime: T0,
    registrationDateTime: T0,
    createdDateTime: T0,
    manufacturer: null,
    model: null,
    onPremisesSyncEnabled: null,
    profileType: 'RegisteredDevice',
  };
}

export function makeApplication(i: number): ApplicationRecord {
  return {
    id: guid('0000a991', i),
    appId: guid('000a9901', i),
    displayName: `App ${i}`,
    description: null,
    signInAudience: 'AzureADMyOrg',
    createdDateTime: T0,
    appRoles: [],
    passwordCredentials: [],
    keyCredentials: [],
    identifierUris: [],
    publisherDomain: 'fixture.onmicrosoft.com',
  };
}

export interface FixtureSize {
  users: number;
  groups: number;
  /** Members of group i: users 0..(i * step) mod users. */
  membersPerGroup: (i: number) => number;
  servicePrincipals: number;
  devices: number;
}

/** The fixture client's Graph application permissions: every read, and the writes tests exercise. */
export const ALL_READ_ROLES = [
  'User.Read.All',
  'Group.Read.All',
  'GroupMember.Read.All',
  'Directory.Read.All',
  'Application.Read.All',
  'RoleManagement.Read.Directory',
  'AuditLog.Read.All',
  'Device.Read.All',
  'Organization.Read.All',
  'Synchronization.Read.All',
  'User.ReadWrite.All',
  'Group.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'RoleManagement.ReadWrite.Directory',
  'Device.ReadWrite.All',
  'Application.ReadWrite.All',
];

/** A tenant with users, groups (with members and owners), service principals and one client. */
export function buildFixture(size: Partial<FixtureSize> = {}, now: () => number = Date.now): FixtureTenant {
  const s: FixtureSize = {
    users: 30,
    groups: 8,
    membersPerGroup: (i) => (i * 5) % 30,
    servicePrincipals: 4,
    devices: 3,
    ...size,
  };
  const t = new FixtureTenant(
    TENANT_ID,
    'fixture.onmicrosoft.com',
    {
      id: TENANT_ID,
      displayName: 'Fixture Ltd',
      tenantType: 'AAD',
      countryLetterCode: 'US',
      createdDateTime: T0,
      verifiedDomains: [
        {
          name: 'fixture.onmicrosoft.com',
          isDefault: true,
          isInitial: true,
          type: 'Managed',
          capabilities: 'Email, OfficeCommunicationsOnline',
        },
      ],
    },
    now,
  );
  for (let i = 0; i < s.users; i++)
    t.createUser(makeUser(i), { password: `Pass-${i}!`, mfaRequired: i === 1 });
  for (let i = 0; i < s.groups; i++) {
    const g = makeGroup(i);
    t.createGroup(g);
    for (let m = 0; m < Math.min(s.membersPerGroup(i), s.users); m++) t.addMember(g.id, guid('00000a11', m));
    if (s.users > 0) t.addOwner(g.id, guid('00000a11', (i + 1) % s.users));
  }
  for (let i = 0; i < s.servicePrincipals; i++) {
    const sp = makeSp(i);
    t.servicePrincipals.set(sp.id, sp);
    t.applications.set(guid('0000a991', i), makeApplication(i));
    for (let u = 0; u < Math.min(3 * i, s.users); u++) {
      t.addAppRoleAssignment({
        id: `${guid('00000a11', u)}-${i}`,
        appRoleId: sp.appRoles[0]!.id,
        principalId: guid('00000a11', u),
        principalType: 'User',
        principalDisplayName: `User ${u}`,
        resourceId: sp.id,
        resourceDisplayName: sp.displayName,
        createdDateTime: T0,
        deletedDateTime: null,
      });
    }
  }
  for (let i = 0; i < s.devices; i++) t.createDevice(makeDevice(i));
  t.subscribedSkus.push({
    id: `${TENANT_ID}_${SKU_E5}`,
    skuId: SKU_E5,
    skuPartNumber: 'SPE_E5',
    accountId: TENANT_ID,
    accountName: 'Fixture',
    appliesTo: 'User',
    capabilityStatus: 'Enabled',
    consumedUnits: 10,
    prepaidUnits: { enabled: 25, suspended: 0, warning: 0, lockedOut: 0 },
    servicePlans: [],
  });
  const ga = guid('62e90394', 1);
  t.roleDefinitions.set(ga, {
    id: ga,
    displayName: 'Global Administrator',
    description: 'GA',
    isBuiltIn: true,
    isEnabled: true,
    templateId: ga,
    version: '1',
    resourceScopes: ['/'],
    rolePermissions: [],
  });
  t.addRoleAssignment({
    id: 'ra-1',
    principalId: guid('00000a11', 0),
    roleDefinitionId: ga,
    directoryScopeId: '/',
    appScopeId: null,
    condition: null,
  });
  t.registerClient({
    clientId: CLIENT_ID,
    displayName: 'baton',
    applicationObjectId: null,
    secrets: [{ keyId: guid('5ec00000', 1), value: CLIENT_SECRET, endDateTime: '2999-01-01T00:00:00Z' }],
    certificates: [],
    federatedCredentials: [],
    graphRoles: [...ALL_READ_ROLES],
    exchangeRoles: ['Exchange.ManageAsApp'],
    isPublicClient: false,
  });
  return t;
}

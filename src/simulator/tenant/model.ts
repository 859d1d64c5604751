/**
 * The simulated Entra tenant: directory objects and their relationships, held in memory.
 *
 * Records carry Microsoft Graph's own property names (v1.0 resource types), so the server can
 * serve and project them (`$select`) without a mapping layer. Relationships (members, owners,
 * manager, app-role assignments, role assignments) are kept apart from the records, as Graph keeps
 * them apart: they are navigation properties, not properties.
 *
 * This module belongs to the simulator only. The connector never imports it: the simulator is an
 * independent stand-in for Entra, so that a mistake shared with the connector cannot hide.
 */

export type Guid = string;
export type IsoDateTime = string;

/** The directory object kinds that can be members or owners. `@odata.type` = `#microsoft.graph.<kind>`. */
export type DirectoryObjectKind =
  'user' | 'group' | 'servicePrincipal' | 'device' | 'orgContact' | 'application' | 'administrativeUnit';

export interface OnPremisesExtensionAttributes {
  extensionAttribute1: string | null;
  extensionAttribute2: string | null;
  extensionAttribute3: string | null;
  extensionAttribute4: string | null;
  extensionAttribute5: string | null;
  extensionAttribute6: string | null;
  extensionAttribute7: string | null;
  extensionAttribute8: string | null;
  extensionAttribute9: string | null;
  extensionAttribute10: string | null;
  extensionAttribute11: string | null;
  extensionAttribute12: string | null;
  extensionAttribute13: string | null;
  extensionAttribute14: string | null;
  extensionAttribute15: string | null;
}

export interface SignInActivity {
  lastSignInDateTime: IsoDateTime | null;
  lastSignInRequestId: string | null;
  lastNonInteractiveSignInDateTime: IsoDateTime | null;
  lastNonInteractiveSignInRequestId: string | null;
  lastSuccessfulSignInDateTime: IsoDateTime | null;
  lastSuccessfulSignInRequestId: string | null;
}

export interface AssignedLicense {
  skuId: Guid;
  disabledPlans: Guid[];
}

/** https://learn.microsoft.com/graph/api/resources/user */
export interface UserRecord {
  id: Guid;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string;
  otherMails: string[];
  userType: 'Member' | 'Guest';
  accountEnabled: boolean;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  country: string | null;
  city: string | null;
  officeLocation: string | null;
  usageLocation: string | null;
  preferredLanguage: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  employeeId: string | null;
  employeeType: string | null;
  employeeHireDate: IsoDateTime | null;
  createdDateTime: IsoDateTime;
  creationType: string | null;
  externalUserState: string | null;
  onPremisesSyncEnabled: boolean | null;
  onPremisesImmutableId: string | null;
  onPremisesSamAccountName: string | null;
  onPremisesDomainName: string | null;
  onPremisesLastSyncDateTime: IsoDateTime | null;
  onPremisesExtensionAttributes: OnPremisesExtensionAttributes;
  /** Absent (undefined) for a user who never signed in: Graph then omits the property. */
  signInActivity?: SignInActivity;
  assignedLicenses: AssignedLicense[];
  /** Single-GET-only property; selecting it on a collection is a 501 (user-list doc). */
  mailboxSettings: { userPurpose: 'user' | 'shared' | 'room' | 'equipment' | 'linked' | 'others' };
}

/**
 * Secrets and sign-in facts the directory knows about a user but Graph never returns. Kept apart
 * from the record so that no projection can leak them.
 */
export interface UserCredentials {
  password: string;
  /** A user with MFA cannot use the password grant (AADSTS50076). */
  mfaRequired: boolean;
}

/** https://learn.microsoft.com/graph/api/resources/group */
export interface GroupRecord {
  id: Guid;
  displayName: string;
  description: string | null;
  classification: string | null;
  /** `Unified` = Microsoft 365; `DynamicMembership` = dynamic rules. */
  groupTypes: string[];
  mail: string | null;
  mailEnabled: boolean;
  mailNickname: string;
  securityEnabled: boolean;
  securityIdentifier: string;
  isAssignableToRole: boolean | null;
  isManagementRestricted: boolean | null;
  membershipRule: string | null;
  membershipRuleProcessingState: 'On' | 'Paused' | null;
  visibility: 'Public' | 'Private' | 'HiddenMembership' | null;
  createdDateTime: IsoDateTime;
  onPremisesSyncEnabled: boolean | null;
  onPremisesSamAccountName: string | null;
  onPremisesSecurityIdentifier: string | null;
  onPremisesDomainName: string | null;
  onPremisesLastSyncDateTime: IsoDateTime | null;
  proxyAddresses: string[];
}

export interface AppRole {
  id: Guid;
  allowedMemberTypes: ('User' | 'Application')[];
  description: string;
  displayName: string;
  isEnabled: boolean;
  origin: 'Application' | 'ServicePrincipal';
  value: string | null;
}

/** https://learn.microsoft.com/graph/api/resources/serviceprincipal */
export interface ServicePrincipalRecord {
  id: Guid;
  appId: Guid;
  appDisplayName: string | null;
  displayName: string;
  description: string | null;
  accountEnabled: boolean;
  appOwnerOrganizationId: Guid | null;
  appRoleAssignmentRequired: boolean;
  appRoles: AppRole[];
  homepage: string | null;
  info: {
    logoUrl: string | null;
    marketingUrl: string | null;
    privacyStatementUrl: string | null;
    supportUrl: string | null;
    termsOfServiceUrl: string | null;
  };
  servicePrincipalType: 'Application' | 'ManagedIdentity' | 'Legacy' | 'SocialIdp';
  servicePrincipalNames: string[];
  signInAudience: string | null;
  tags: string[];
  createdDateTime: IsoDateTime;
  alternativeNames: string[];
  preferredSingleSignOnMode: string | null;
  /** The service principal's own credentials, e.g. SAML token-signing certificates. */
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
}

export interface PasswordCredential {
  keyId: Guid;
  displayName: string | null;
  hint: string | null;
  startDateTime: IsoDateTime;
  endDateTime: IsoDateTime;
  customKeyIdentifier: string | null;
  secretText: null;
}

export interface KeyCredential {
  keyId: Guid;
  displayName: string | null;
  type: 'AsymmetricX509Cert' | 'X509CertAndPassword';
  usage: 'Verify' | 'Sign';
  startDateTime: IsoDateTime;
  endDateTime: IsoDateTime;
  customKeyIdentifier: string | null;
  key: null;
}

/** https://learn.microsoft.com/graph/api/resources/application */
export interface ApplicationRecord {
  id: Guid;
  appId: Guid;
  displayName: string;
  description: string | null;
  signInAudience: string;
  createdDateTime: IsoDateTime;
  appRoles: AppRole[];
  passwordCredentials: PasswordCredential[];
  keyCredentials: KeyCredential[];
  identifierUris: string[];
  publisherDomain: string | null;
}

/** https://learn.microsoft.com/graph/api/resources/approleassignment */
export interface AppRoleAssignmentRecord {
  id: string;
  appRoleId: Guid;
  principalId: Guid;
  principalType: 'User' | 'Group' | 'ServicePrincipal';
  principalDisplayName: string;
  resourceId: Guid;
  resourceDisplayName: string;
  createdDateTime: IsoDateTime;
  deletedDateTime: null;
}

/** https://learn.microsoft.com/graph/api/resources/device */
export interface DeviceRecord {
  id: Guid;
  deviceId: Guid;
  displayName: string;
  accountEnabled: boolean;
  operatingSystem: string;
  operatingSystemVersion: string;
  /** `AzureAd` (Entra-joined), `ServerAd` (hybrid joined), `Workplace` (registered). */
  trustType: 'AzureAd' | 'ServerAd' | 'Workplace';
  isCompliant: boolean | null;
  isManaged: boolean | null;
  approximateLastSignInDateTime: IsoDateTime | null;
  registrationDateTime: IsoDateTime;
  createdDateTime: IsoDateTime;
  manufacturer: string | null;
  model: string | null;
  onPremisesSyncEnabled: boolean | null;
  profileType: 'RegisteredDevice' | 'SecureVM' | 'Printer' | 'Shared' | 'IoT' | null;
}

/** https://learn.microsoft.com/graph/api/resources/orgcontact */
export interface OrgContactRecord {
  id: Guid;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  mailNickname: string;
  companyName: string | null;
  createdDateTime: IsoDateTime;
}

/** https://learn.microsoft.com/graph/api/resources/administrativeunit */
export interface AdministrativeUnitRecord {
  id: Guid;
  displayName: string;
  description: string | null;
  visibility: string | null;
}

/** https://learn.microsoft.com/graph/api/resources/unifiedroledefinition */
export interface RoleDefinitionRecord {
  id: Guid;
  displayName: string;
  description: string;
  isBuiltIn: boolean;
  isEnabled: boolean;
  templateId: Guid;
  version: string | null;
  resourceScopes: string[];
  rolePermissions: { allowedResourceActions: string[]; condition: string | null }[];
}

/** https://learn.microsoft.com/graph/api/resources/unifiedroleassignment (active, permanent). */
export interface RoleAssignmentRecord {
  /** base64url(bytes_le(roleDefinitionId) ‖ bytes_le(principalId)) + "-1" (graph.md §5). */
  id: string;
  principalId: Guid;
  roleDefinitionId: Guid;
  /** `/` = the whole tenant; `/administrativeUnits/{id}` = one administrative unit. */
  directoryScopeId: string;
  appScopeId: string | null;
  condition: string | null;
}

/** A PIM schedule instance, active (`roleAssignmentScheduleInstances`) or eligible. */
export interface RoleScheduleInstanceRecord {
  id: string;
  principalId: Guid;
  roleDefinitionId: Guid;
  directoryScopeId: string;
  appScopeId: string | null;
  startDateTime: IsoDateTime | null;
  endDateTime: IsoDateTime | null;
  memberType: 'Direct' | 'Group' | 'Inherited';
  /** Active instances: `Assigned` (permanent or time-bound) or `Activated` (from eligibility). */
  assignmentType?: 'Assigned' | 'Activated';
  roleEligibilityScheduleId?: string;
}

/** https://learn.microsoft.com/graph/api/resources/subscribedsku */
export interface SubscribedSkuRecord {
  id: string;
  skuId: Guid;
  skuPartNumber: string;
  accountId: Guid;
  accountName: string;
  appliesTo: 'User' | 'Company';
  capabilityStatus: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended: number; warning: number; lockedOut: number };
  servicePlans: {
    servicePlanId: Guid;
    servicePlanName: string;
    provisioningStatus: string;
    appliesTo: string;
  }[];
}

/** https://learn.microsoft.com/graph/api/resources/directoryaudit */
export interface DirectoryAuditRecord {
  id: string;
  category: string;
  correlationId: Guid;
  result: 'success' | 'failure' | 'timeout' | 'unknownFutureValue';
  resultReason: string;
  activityDisplayName: string;
  activityDateTime: IsoDateTime;
  loggedByService: string;
  operationType: string;
  initiatedBy: {
    user: { id: Guid; displayName: string | null; userPrincipalName: string | null } | null;
    app: { appId: Guid; displayName: string | null; servicePrincipalId: Guid } | null;
  };
  targetResources: {
    id: Guid;
    displayName: string | null;
    type: string;
    userPrincipalName: string | null;
    modifiedProperties: { displayName: string; oldValue: string | null; newValue: string | null }[];
  }[];
  additionalDetails: { key: string; value: string }[];
}

/** https://learn.microsoft.com/graph/api/resources/organization */
export interface OrganizationRecord {
  id: Guid;
  displayName: string;
  verifiedDomains: {
    name: string;
    isDefault: boolean;
    isInitial: boolean;
    type: string;
    capabilities: string;
  }[];
  tenantType: string;
  countryLetterCode: string;
  createdDateTime: IsoDateTime;
}

/** https://learn.microsoft.com/graph/api/resources/synchronization-synchronizationjob */
export interface SynchronizationJobRecord {
  id: string;
  templateId: string;
  schedule: { expiration: IsoDateTime | null; interval: string; state: 'Active' | 'Disabled' | 'Paused' };
  status: {
    code: 'NotConfigured' | 'NotRun' | 'Active' | 'Paused' | 'Quarantine';
    lastExecution: unknown | null;
  };
}

/**
 * An app registration as the identity platform sees it: how a client may authenticate, and which
 * application permissions (`roles` in the access token) it has been granted, per resource.
 */
export interface ClientRegistration {
  clientId: Guid;
  displayName: string;
  /** Object id of the `application` record this client is (for passwordCredentials expiry). */
  applicationObjectId: Guid | null;
  secrets: { keyId: Guid; value: string; endDateTime: IsoDateTime }[];
  /** PEM certificates whose private keys may sign client assertions; matched by x5t / x5t#S256. */
  certificates: { keyId: Guid; pem: string; endDateTime: IsoDateTime }[];
  /** Federated identity credentials (workload identity): trusted issuer + subject (+ audience). */
  federatedCredentials: {
    issuer: string;
    subject: string;
    audiences: string[];
    /**
     * The issuer's signing keys. Entra fetches them from the issuer's OIDC discovery document; a
     * simulated tenant registers them here instead, so no outside network is needed.
     */
    jwks?: { keys: Record<string, unknown>[] };
  }[];
  /** Microsoft Graph application permissions, e.g. `User.Read.All`. */
  graphRoles: string[];
  /** Office 365 Exchange Online application permissions, e.g. `Exchange.ManageAsApp`. */
  exchangeRoles: string[];
  /** A public client may use ROPC without a secret. */
  isPublicClient: boolean;
}

/** What kind of change a mutation made, for delta queries. */
export type ChangeKind = 'created' | 'updated' | 'deleted' | 'softDeleted' | 'restored';

/**
 * One entry of the tenant's change log. Delta queries replay the log after the sequence number
 * encoded in a delta token. Relationship changes (`relation`) name the link and whether it was
 * removed; `changedProperties` names the properties an update touched.
 */
export interface ChangeRecord {
  seq: number;
  /** Milliseconds since the epoch, from the tenant's clock. */
  at: number;
  objectKind: 'user' | 'group' | 'servicePrincipal' | 'device' | 'application' | 'directoryRole';
  id: Guid;
  kind: ChangeKind;
  changedProperties?: string[];
  relation?: {
    name: 'members' | 'owners' | 'manager';
    targetId: Guid;
    targetKind: DirectoryObjectKind;
    removed: boolean;
  };
}

/** Sizes of a generated tenant. Every count can be set alone; presets fill the rest. */
export interface TenantSize {
  users: number;
  guests: number;
  groups: number;
  /** Total direct group memberships to aim for (the generator reaches at least this many). */
  memberships: number;
  servicePrincipals: number;
  managedIdentities: number;
  applications: number;
  roleAssignments: number;
  roleEligibilities: number;
  devices: number;
  orgContacts: number;
  administrativeUnits: number;
  skus: number;
  directoryAudits: number;
}

export type PresetName = 'demo' | 'small' | 'large' | 'apps';

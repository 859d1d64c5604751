import type * as M from '../tenant/model.js';

/**
 * What Graph knows about each resource type the simulator serves: its properties (for `$select`
 * and `$filter` validation), the default projection, and properties a collection may not return.
 */
export interface ResourceType {
  /** `user` → `#microsoft.graph.user`. */
  name: string;
  properties: ReadonlySet<string>;
  /** Returned when no `$select` is given; all properties when undefined. */
  defaultSelect?: readonly string[];
  /** Properties only a single GET returns; selecting them on a collection is a 501. */
  singleOnly?: ReadonlySet<string>;
  /** Properties returned only when explicitly selected. */
  selectOnly?: ReadonlySet<string>;
  /**
   * Navigation properties the simulator can `$expand` (and delta can track via `$select`). Only
   * implemented ones are listed: an unlisted one is a 400, never a silently empty expansion.
   */
  navigation: ReadonlySet<string>;
}

function type<R>(
  name: string,
  props: readonly (keyof R & string)[],
  extra: Omit<ResourceType, 'name' | 'properties'>,
): ResourceType {
  return { name, properties: new Set(props), ...extra };
}

/**
 * Without `$select`, `/users` returns 11 default properties; `signInActivity`,
 * `onPremisesExtensionAttributes` and `mailboxSettings` need to be asked for.
 * https://learn.microsoft.com/graph/api/user-list#optional-query-parameters
 */
export const USER = type<M.UserRecord>(
  'user',
  [
    'id',
    'userPrincipalName',
    'displayName',
    'givenName',
    'surname',
    'mail',
    'mailNickname',
    'otherMails',
    'userType',
    'accountEnabled',
    'jobTitle',
    'department',
    'companyName',
    'country',
    'city',
    'officeLocation',
    'usageLocation',
    'preferredLanguage',
    'mobilePhone',
    'businessPhones',
    'employeeId',
    'employeeType',
    'employeeHireDate',
    'createdDateTime',
    'creationType',
    'externalUserState',
    'onPremisesSyncEnabled',
    'onPremisesImmutableId',
    'onPremisesSamAccountName',
    'onPremisesDomainName',
    'onPremisesLastSyncDateTime',
    'onPremisesExtensionAttributes',
    'signInActivity',
    'assignedLicenses',
    'mailboxSettings',
  ],
  {
    defaultSelect: [
      'businessPhones',
      'displayName',
      'givenName',
      'jobTitle',
      'mail',
      'mobilePhone',
      'officeLocation',
      'preferredLanguage',
      'surname',
      'userPrincipalName',
      'id',
    ],
    singleOnly: new Set(['mailboxSettings']),
    selectOnly: new Set(['signInActivity', 'onPremisesExtensionAttributes', 'mailboxSettings']),
    navigation: new Set(['manager', 'memberOf', 'directReports']),
  },
);

export const GROUP = type<M.GroupRecord>(
  'group',
  [
    'id',
    'displayName',
    'description',
    'classification',
    'groupTypes',
    'mail',
    'mailEnabled',
    'mailNickname',
    'securityEnabled',
    'securityIdentifier',
    'isAssignableToRole',
    'isManagementRestricted',
    'membershipRule',
    'membershipRuleProcessingState',
    'visibility',
    'createdDateTime',
    'onPremisesSyncEnabled',
    'onPremisesSamAccountName',
    'onPremisesSecurityIdentifier',
    'onPremisesDomainName',
    'onPremisesLastSyncDateTime',
    'proxyAddresses',
  ],
  { navigation: new Set(['members', 'owners', 'memberOf']) },
);

export const SERVICE_PRINCIPAL = type<M.ServicePrincipalRecord>(
  'servicePrincipal',
  [
    'id',
    'appId',
    'appDisplayName',
    'displayName',
    'description',
    'accountEnabled',
    'appOwnerOrganizationId',
    'appRoleAssignmentRequired',
    'appRoles',
    'homepage',
    'info',
    'servicePrincipalType',
    'servicePrincipalNames',
    'signInAudience',
    'tags',
    'createdDateTime',
    'alternativeNames',
    'preferredSingleSignOnMode',
    'passwordCredentials',
    'keyCredentials',
  ],
  { navigation: new Set(['appRoleAssignedTo', 'owners', 'memberOf']) },
);

export const APPLICATION = type<M.ApplicationRecord>(
  'application',
  [
    'id',
    'appId',
    'displayName',
    'description',
    'signInAudience',
    'createdDateTime',
    'appRoles',
    'passwordCredentials',
    'keyCredentials',
    'identifierUris',
    'publisherDomain',
  ],
  { navigation: new Set() },
);

export const DEVICE = type<M.DeviceRecord>(
  'device',
  [
    'id',
    'deviceId',
    'displayName',
    'accountEnabled',
    'operatingSystem',
    'operatingSystemVersion',
    'trustType',
    'isCompliant',
    'isManaged',
    'approximateLastSignInDateTime',
    'registrationDateTime',
    'createdDateTime',
    'manufacturer',
    'model',
    'onPremisesSyncEnabled',
    'profileType',
  ],
  { navigation: new Set() },
);

export const ORG_CONTACT = type<M.OrgContactRecord>(
  'orgContact',
  ['id', 'displayName', 'givenName', 'surname', 'mail', 'mailNickname', 'companyName', 'createdDateTime'],
  { navigation: new Set(['memberOf']) },
);

export const ADMINISTRATIVE_UNIT = type<M.AdministrativeUnitRecord>(
  'administrativeUnit',
  ['id', 'displayName', 'description', 'visibility'],
  { navigation: new Set(['members']) },
);

export const ROLE_DEFINITION = type<M.RoleDefinitionRecord>(
  'unifiedRoleDefinition',
  [
    'id',
    'displayName',
    'description',
    'isBuiltIn',
    'isEnabled',
    'templateId',
    'version',
    'resourceScopes',
    'rolePermissions',
  ],
  { navigation: new Set() },
);

export const ROLE_ASSIGNMENT = type<M.RoleAssignmentRecord>(
  'unifiedRoleAssignment',
  ['id', 'principalId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'condition'],
  {
    navigation: new Set(['principal', 'roleDefinition']),
  },
);

const SCHEDULE_PROPS = [
  'id',
  'principalId',
  'roleDefinitionId',
  'directoryScopeId',
  'appScopeId',
  'startDateTime',
  'endDateTime',
  'memberType',
  'assignmentType',
  'roleEligibilityScheduleId',
] as const;
export const ROLE_ASSIGNMENT_INSTANCE = type<M.RoleScheduleInstanceRecord>(
  'unifiedRoleAssignmentScheduleInstance',
  [...SCHEDULE_PROPS],
  { navigation: new Set(['principal', 'roleDefinition']) },
);
export const ROLE_ELIGIBILITY_INSTANCE = type<M.RoleScheduleInstanceRecord>(
  'unifiedRoleEligibilityScheduleInstance',
  SCHEDULE_PROPS.filter((p) => p !== 'assignmentType'),
  {
    navigation: new Set(['principal', 'roleDefinition']),
  },
);

export const DIRECTORY_ROLE = {
  name: 'directoryRole',
  properties: new Set(['id', 'displayName', 'description', 'roleTemplateId']),
  navigation: new Set(),
} satisfies ResourceType;

export const SUBSCRIBED_SKU = type<M.SubscribedSkuRecord>(
  'subscribedSku',
  [
    'id',
    'skuId',
    'skuPartNumber',
    'accountId',
    'accountName',
    'appliesTo',
    'capabilityStatus',
    'consumedUnits',
    'prepaidUnits',
    'servicePlans',
  ],
  { navigation: new Set() },
);

export const DIRECTORY_AUDIT = type<M.DirectoryAuditRecord>(
  'directoryAudit',
  [
    'id',
    'category',
    'correlationId',
    'result',
    'resultReason',
    'activityDisplayName',
    'activityDateTime',
    'loggedByService',
    'operationType',
    'initiatedBy',
    'targetResources',
    'additionalDetails',
  ],
  { navigation: new Set() },
);

export const ORGANIZATION = type<M.OrganizationRecord>(
  'organization',
  ['id', 'displayName', 'verifiedDomains', 'tenantType', 'countryLetterCode', 'createdDateTime'],
  { navigation: new Set() },
);

export const SYNCHRONIZATION_JOB = type<M.SynchronizationJobRecord>(
  'synchronizationJob',
  ['id', 'templateId', 'schedule', 'status'],
  { navigation: new Set() },
);

export const APP_ROLE_ASSIGNMENT = type<M.AppRoleAssignmentRecord>(
  'appRoleAssignment',
  [
    'id',
    'appRoleId',
    'principalId',
    'principalType',
    'principalDisplayName',
    'resourceId',
    'resourceDisplayName',
    'createdDateTime',
    'deletedDateTime',
  ],
  { navigation: new Set() },
);

/** Directory objects by kind, for collections of mixed types (members, owners, memberOf). */
export const DIRECTORY_OBJECT_TYPES: Record<M.DirectoryObjectKind, ResourceType> = {
  user: USER,
  group: GROUP,
  servicePrincipal: SERVICE_PRINCIPAL,
  device: DEVICE,
  orgContact: ORG_CONTACT,
  application: APPLICATION,
  administrativeUnit: ADMINISTRATIVE_UNIT,
};

/** `directoryObject` collections accept any property of a derived type in `$select`. */
export const DIRECTORY_OBJECT: ResourceType = {
  name: 'directoryObject',
  properties: new Set(Object.values(DIRECTORY_OBJECT_TYPES).flatMap((t) => [...t.properties])),
  navigation: new Set(),
};

const SCHEDULE_REQUEST_PROPS = [
  'id',
  'status',
  'createdDateTime',
  'completedDateTime',
  'approvalId',
  'customData',
  'action',
  'principalId',
  'roleDefinitionId',
  'directoryScopeId',
  'appScopeId',
  'isValidationOnly',
  'targetScheduleId',
  'justification',
  'createdBy',
  'scheduleInfo',
  'ticketInfo',
];
/** https://learn.microsoft.com/graph/api/resources/unifiedroleassignmentschedulerequest */
export const ROLE_ASSIGNMENT_REQUEST: ResourceType = {
  name: 'unifiedRoleAssignmentScheduleRequest',
  properties: new Set(SCHEDULE_REQUEST_PROPS),
  navigation: new Set(['principal', 'roleDefinition']),
};
/** https://learn.microsoft.com/graph/api/resources/unifiedroleeligibilityschedulerequest */
export const ROLE_ELIGIBILITY_REQUEST: ResourceType = {
  name: 'unifiedRoleEligibilityScheduleRequest',
  properties: new Set(SCHEDULE_REQUEST_PROPS),
  navigation: new Set(['principal', 'roleDefinition']),
};

const SCHEDULE_OBJECT_PROPS = [
  'id',
  'principalId',
  'roleDefinitionId',
  'directoryScopeId',
  'appScopeId',
  'createdUsing',
  'createdDateTime',
  'modifiedDateTime',
  'status',
  'memberType',
  'scheduleInfo',
];
/** https://learn.microsoft.com/graph/api/resources/unifiedroleassignmentschedule */
export const ROLE_ASSIGNMENT_SCHEDULE: ResourceType = {
  name: 'unifiedRoleAssignmentSchedule',
  properties: new Set([...SCHEDULE_OBJECT_PROPS, 'assignmentType']),
  navigation: new Set(['principal', 'roleDefinition']),
};
/** https://learn.microsoft.com/graph/api/resources/unifiedroleeligibilityschedule */
export const ROLE_ELIGIBILITY_SCHEDULE: ResourceType = {
  name: 'unifiedRoleEligibilitySchedule',
  properties: new Set(SCHEDULE_OBJECT_PROPS),
  navigation: new Set(['principal', 'roleDefinition']),
};

/**
 * Microsoft's first-party applications, Microsoft Graph's and Exchange Online's application
 * permissions (real app role ids), and a few well-known third-party gallery apps.
 *
 * Graph permissions: https://learn.microsoft.com/graph/permissions-reference
 */
import type { AppRole, Guid } from './model.js';

/** The tenant Microsoft's own applications are registered in. */
export const MICROSOFT_TENANT_ID: Guid = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';
export const GRAPH_APP_ID: Guid = '00000003-0000-0000-c000-000000000000';
export const EXCHANGE_APP_ID: Guid = '00000002-0000-0ff1-ce00-000000000000';

/** Microsoft Graph application permissions (app roles on the Graph service principal). */
export const GRAPH_APP_ROLES: Readonly<Record<string, Guid>> = {
  'User.Read.All': 'df021288-bdef-4463-88db-98f22de89214',
  'User.ReadWrite.All': '741f803b-c850-494e-b5df-cde7c675a1ca',
  'User.EnableDisableAccount.All': '3011c876-62b7-4ada-afa2-506cbbecc68c',
  'User.RevokeSessions.All': '77f3a031-c388-4f99-b373-dc68676a979e',
  'Group.Read.All': '5b567255-7703-4780-807c-7be8301ae99b',
  'Group.ReadWrite.All': '62a82d76-70ea-41e2-9197-370581804d09',
  'GroupMember.Read.All': '98830695-27a2-44f7-8c18-0c3ebc9698f6',
  'GroupMember.ReadWrite.All': 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695',
  'Directory.Read.All': '7ab1d382-f21e-4acd-a863-ba3e13f7da61',
  'Application.Read.All': '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30',
  'AppRoleAssignment.ReadWrite.All': '06b708a9-e830-4db3-a914-8e69da51d44f',
  'AuditLog.Read.All': 'b0afded3-3588-46d8-8b3d-9842eff778da',
  'RoleManagement.Read.Directory': '483bed4a-2ad3-4361-a73b-c83ccdbdc53c',
  'RoleManagement.ReadWrite.Directory': '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8',
  'RoleAssignmentSchedule.Read.Directory': 'd5fe8ce8-684c-4c83-a52c-46e882ce4be1',
  'RoleEligibilitySchedule.Read.Directory': 'ff278e11-4a33-4d0c-83d2-d01dc58929a5',
  'Device.Read.All': '7438b122-aefc-4978-80ed-43db9fcc7715',
  'Organization.Read.All': '498476ce-e0fe-48b0-b801-37ba7e2685c6',
  'Synchronization.Read.All': '5ba43d2f-fa88-4db2-bd1c-a67c5f0fb1ce',
  'Synchronization.ReadWrite.All': '9b50c33d-700f-43b1-b2eb-87e89b703581',
  'MailboxSettings.Read': '40f97065-369a-49f4-947c-6a255697ae91',
};

export const EXCHANGE_APP_ROLES: Readonly<Record<string, Guid>> = {
  'Exchange.ManageAsApp': 'dc50a0fb-09a3-484d-be87-e023b12c6440',
};

/** What the simulator's confidential client is granted: all a sync and provisioning need (baton.md §1.1). */
export const SYNC_GRAPH_ROLES: readonly string[] = Object.keys(GRAPH_APP_ROLES);

function appRoles(roles: Readonly<Record<string, Guid>>, service: string): AppRole[] {
  return Object.entries(roles).map(([value, id]) => ({
    id,
    allowedMemberTypes: ['Application'],
    description: `Allows the app to use ${value} in ${service} without a signed-in user.`,
    displayName: value,
    isEnabled: true,
    origin: 'Application',
    value,
  }));
}

export interface FirstPartyApp {
  appId: Guid;
  displayName: string;
  servicePrincipalNames: string[];
  appRoles: AppRole[];
}

export const FIRST_PARTY_APPS: readonly FirstPartyApp[] = [
  {
    appId: GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    servicePrincipalNames: ['https://graph.microsoft.com', GRAPH_APP_ID],
    appRoles: appRoles(GRAPH_APP_ROLES, 'Microsoft Graph'),
  },
  {
    appId: EXCHANGE_APP_ID,
    displayName: 'Office 365 Exchange Online',
    servicePrincipalNames: ['https://outlook.office365.com', EXCHANGE_APP_ID],
    appRoles: appRoles(EXCHANGE_APP_ROLES, 'Exchange Online'),
  },
  {
    appId: '00000003-0000-0ff1-ce00-000000000000',
    displayName: 'Office 365 SharePoint Online',
    servicePrincipalNames: ['https://microsoft.sharepoint-df.com'],
    appRoles: [],
  },
  {
    appId: '00000002-0000-0000-c000-000000000000',
    displayName: 'Windows Azure Active Directory',
    servicePrincipalNames: ['https://graph.windows.net'],
    appRoles: [],
  },
  {
    appId: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe',
    displayName: 'Microsoft Teams Services',
    servicePrincipalNames: ['https://api.spaces.skype.com'],
    appRoles: [],
  },
  {
    appId: 'c44b4083-3bb0-49c1-b47d-974e53cbdf3c',
    displayName: 'Azure Portal',
    servicePrincipalNames: ['https://portal.azure.com'],
    appRoles: [],
  },
  {
    appId: '0000000a-0000-0000-c000-000000000000',
    displayName: 'Microsoft Intune',
    servicePrincipalNames: ['https://api.manage.microsoft.com'],
    appRoles: [],
  },
  {
    appId: 'c5393580-f805-4401-95e8-94b7a6ef2fc2',
    displayName: 'Office 365 Management APIs',
    servicePrincipalNames: ['https://manage.office.com'],
    appRoles: [],
  },
  {
    appId: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
    displayName: 'Microsoft Azure CLI',
    servicePrincipalNames: [],
    appRoles: [],
  },
];

/** Third-party gallery apps: their service principals belong to the vendor's tenant. */
export const GALLERY_APPS: readonly { displayName: string; homepage: string; roles: string[] }[] = [
  {
    displayName: 'Salesforce',
    homepage: 'https://login.salesforce.com',
    roles: ['Standard User', 'System Administrator', 'Read Only'],
  },
  { displayName: 'ServiceNow', homepage: 'https://service-now.com', roles: ['itil', 'admin'] },
  { displayName: 'Slack', homepage: 'https://slack.com', roles: ['User', 'Admin'] },
  {
    displayName: 'Atlassian Cloud',
    homepage: 'https://atlassian.com',
    roles: ['jira-users', 'confluence-users', 'site-admins'],
  },
  { displayName: 'Zoom', homepage: 'https://zoom.us', roles: ['Basic', 'Licensed'] },
  { displayName: 'GitHub Enterprise Cloud', homepage: 'https://github.com', roles: ['User', 'Owner'] },
  { displayName: 'Workday', homepage: 'https://workday.com', roles: ['Employee', 'HR Partner'] },
  {
    displayName: 'AWS IAM Identity Center',
    homepage: 'https://aws.amazon.com',
    roles: ['ReadOnly', 'PowerUser', 'Administrator'],
  },
];

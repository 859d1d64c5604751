/**
 * Microsoft's own fixed data every tenant shares: built-in directory role templates and commercial
 * SKUs with some of their service plans (apps and permissions are in catalog-apps.ts). The ids are the real ones, so code that matches on them (e.g. "is this
 * Global Administrator?") behaves here as it does against Entra.
 *
 * Roles: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
 * SKUs:  https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference
 */
import type { Guid } from './model.js';

export interface RoleTemplate {
  templateId: Guid;
  displayName: string;
  description: string;
  /** A representative subset of the role's permissions. */
  actions: string[];
  /** Privileged roles are the ones the generator gives out sparingly. */
  privileged: boolean;
}

const role = (
  templateId: Guid,
  displayName: string,
  description: string,
  actions: string[],
  privileged = false,
): RoleTemplate => ({ templateId, displayName, description, actions, privileged });

export const ROLE_TEMPLATES: readonly RoleTemplate[] = [
  role(
    '62e90394-69f5-4237-9190-012177145e10',
    'Global Administrator',
    'Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities.',
    ['microsoft.directory/users/allProperties/allTasks', 'microsoft.directory/groups/allProperties/allTasks'],
    true,
  ),
  role(
    'fe930be7-5e62-47db-91af-98c3a49a38b1',
    'User Administrator',
    'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
    [
      'microsoft.directory/users/create',
      'microsoft.directory/users/delete',
      'microsoft.directory/groups/members/update',
    ],
  ),
  role(
    'fdd7a751-b60b-444a-984c-02652fe8fa1c',
    'Groups Administrator',
    'Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports.',
    ['microsoft.directory/groups/create', 'microsoft.directory/groups/members/update'],
  ),
  role(
    '729827e3-9c14-49f7-bb1b-9608f156bbb8',
    'Helpdesk Administrator',
    'Can reset passwords for non-administrators and Helpdesk Administrators.',
    ['microsoft.directory/users/password/update', 'microsoft.directory/users/invalidateAllRefreshTokens'],
  ),
  role(
    '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    'Application Administrator',
    'Can create and manage all aspects of app registrations and enterprise apps.',
    [
      'microsoft.directory/applications/create',
      'microsoft.directory/servicePrincipals/appRoleAssignedTo/update',
    ],
    true,
  ),
  role(
    '29232cdf-9323-42fd-ade2-1d097af3e4de',
    'Exchange Administrator',
    'Can manage all aspects of the Exchange product.',
    ['microsoft.office365.exchange/allEntities/basic/allTasks'],
  ),
  role(
    '194ae4cb-b126-40b2-bd5b-6091b380977d',
    'Security Administrator',
    'Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365.',
    ['microsoft.directory/policies/update', 'microsoft.directory/auditLogs/allProperties/read'],
    true,
  ),
  role(
    'e8611ab8-c189-46e8-94e1-60213ab1f814',
    'Privileged Role Administrator',
    'Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management.',
    ['microsoft.directory/roleAssignments/allProperties/allTasks'],
    true,
  ),
  role(
    'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    'Global Reader',
    'Can read everything that a Global Administrator can, but not update anything.',
    ['microsoft.directory/users/allProperties/read', 'microsoft.directory/groups/allProperties/read'],
  ),
  role(
    'b0f54661-2d74-4c50-afa3-1ec803f12efe',
    'Billing Administrator',
    'Can perform common billing related tasks like updating payment information.',
    ['microsoft.directory/organization/basic/update'],
  ),
  role(
    '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
    'Privileged Authentication Administrator',
    'Can access to view, set and reset authentication method information for any user (admin or non-admin).',
    ['microsoft.directory/users/authenticationMethods/create', 'microsoft.directory/users/password/update'],
    true,
  ),
  role(
    '158c047a-c907-4556-b7ef-446551a6b5f7',
    'Cloud Application Administrator',
    'Can create and manage all aspects of app registrations and enterprise apps except App Proxy.',
    ['microsoft.directory/applications/create', 'microsoft.directory/servicePrincipals/create'],
  ),
  role(
    'c4e39bd9-1100-46d3-8c65-fb160da0071f',
    'Authentication Administrator',
    'Can access to view, set and reset authentication method information for any non-admin user.',
    ['microsoft.directory/users/authenticationMethods/update'],
  ),
  role(
    '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
    'Directory Readers',
    'Can read basic directory information. Commonly used to grant directory read access to applications and guests.',
    ['microsoft.directory/users/standard/read', 'microsoft.directory/groups/standard/read'],
  ),
  role(
    '3a2c62db-5318-420d-8d74-23affee5d9d5',
    'Intune Administrator',
    'Can manage all aspects of the Intune product.',
    ['microsoft.intune/allEntities/allTasks'],
  ),
  role(
    'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
    'SharePoint Administrator',
    'Can manage all aspects of the SharePoint service.',
    ['microsoft.office365.sharePoint/allEntities/allTasks'],
  ),
  role(
    '69091246-20e8-4a56-aa4d-066075b2a7a8',
    'Teams Administrator',
    'Can manage the Microsoft Teams service.',
    ['microsoft.teams/allEntities/allProperties/allTasks'],
  ),
  role(
    '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
    'License Administrator',
    'Can manage product licenses on users and groups.',
    ['microsoft.directory/users/assignLicense', 'microsoft.directory/groups/assignLicense'],
  ),
  role(
    '966707d0-3269-4727-9be2-8c3a10f19b9d',
    'Password Administrator',
    'Can reset passwords for non-administrators and Password Administrators.',
    ['microsoft.directory/users/password/update'],
  ),
  role(
    '5d6b6bb7-de71-4623-b4af-96380a352509',
    'Security Reader',
    'Can read security information and reports in Microsoft Entra ID and Office 365.',
    ['microsoft.directory/auditLogs/allProperties/read'],
  ),
  role('4a5d8f65-41da-4de4-8968-e035b65339cf', 'Reports Reader', 'Can read sign-in and audit reports.', [
    'microsoft.directory/signInReports/allProperties/read',
  ]),
  role(
    'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
    'Conditional Access Administrator',
    'Can manage Conditional Access capabilities.',
    ['microsoft.directory/conditionalAccessPolicies/create'],
    true,
  ),
  role(
    '17315797-102d-40b4-93e0-432062caca18',
    'Compliance Administrator',
    'Can read and manage compliance configuration and reports in Microsoft Entra ID and Microsoft 365.',
    ['microsoft.office365.complianceManager/allEntities/allTasks'],
  ),
  role(
    '95e79109-95c0-4d8e-aee3-d01accf2d47b',
    'Guest Inviter',
    "Can invite guest users independent of the 'members can invite guests' setting.",
    ['microsoft.directory/users/inviteGuest'],
  ),
  role(
    '9360feb5-f418-4baa-8175-e2a00bac4301',
    'Directory Writers',
    'Can read and write basic directory information. For granting access to applications, not intended for users.',
    ['microsoft.directory/groups/create', 'microsoft.directory/users/basic/update'],
  ),
  role(
    '8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2',
    'Hybrid Identity Administrator',
    'Can manage Microsoft Entra Connect, Pass-through Authentication, Password Hash Synchronization, Seamless SSO and federation settings.',
    ['microsoft.directory/onPremisesSynchronization/standard/read'],
    true,
  ),
  role(
    '7698a772-787b-4ac8-901f-60d6b08affd2',
    'Cloud Device Administrator',
    'Limited access to manage devices in Microsoft Entra ID.',
    ['microsoft.directory/devices/delete', 'microsoft.directory/devices/disable'],
  ),
  role(
    'd29b2b05-8046-44ba-8758-1e26182fcf32',
    'Directory Synchronization Accounts',
    'Only used by Microsoft Entra Connect service.',
    ['microsoft.directory/onPremisesSynchronization/standard/read'],
    true,
  ),
];

export interface SkuTemplate {
  skuId: Guid;
  skuPartNumber: string;
  appliesTo: 'User' | 'Company';
  plans: { servicePlanId: Guid; servicePlanName: string }[];
}

const plan = (
  servicePlanId: Guid,
  servicePlanName: string,
): { servicePlanId: Guid; servicePlanName: string } => ({ servicePlanId, servicePlanName });
const EXCHANGE = plan('efb87545-963c-4e0d-99df-69c6916d9eb0', 'EXCHANGE_S_ENTERPRISE');
const SHAREPOINT = plan('5dbe027f-2339-4123-9542-606e4d348a72', 'SHAREPOINTENTERPRISE');
const TEAMS = plan('57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1');
const OFFICE = plan('43de0ff5-c92c-492b-9116-175376d08c38', 'OFFICESUBSCRIPTION');
const AAD_P1 = plan('41781fb2-bc02-4b7c-bd55-b576c07bb09d', 'AAD_PREMIUM');
const AAD_P2 = plan('eec0eb4f-6444-4f95-aba0-50c24d67f998', 'AAD_PREMIUM_P2');
const MFA = plan('8a256a2b-b617-496d-b51b-e76466e88db0', 'MFA_PREMIUM');
const INTUNE = plan('c1ec4a95-1f05-45b3-a911-aa3fa01094f5', 'INTUNE_A');
const POWER_BI = plan('70d33638-9c74-4d01-bfd3-562de28bd4ba', 'BI_AZURE_P2');
const FLOW = plan('50e68c76-46c6-4674-81f9-75456511b170', 'FLOW_P2_VIRAL');

export const SKU_TEMPLATES: readonly SkuTemplate[] = [
  {
    skuId: '05e9a617-0261-4cee-bb44-138d3ef5d965',
    skuPartNumber: 'SPE_E3',
    appliesTo: 'User',
    plans: [EXCHANGE, SHAREPOINT, TEAMS, OFFICE, AAD_P1, INTUNE],
  },
  {
    skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900',
    skuPartNumber: 'ENTERPRISEPACK',
    appliesTo: 'User',
    plans: [EXCHANGE, SHAREPOINT, TEAMS, OFFICE],
  },
  {
    skuId: '078d2b04-f1bd-4111-bbd4-b4b1b354cef4',
    skuPartNumber: 'AAD_PREMIUM',
    appliesTo: 'User',
    plans: [AAD_P1, MFA],
  },
  {
    skuId: '84a661c4-e949-4bd2-a560-ed7766fcaf2b',
    skuPartNumber: 'AAD_PREMIUM_P2',
    appliesTo: 'User',
    plans: [AAD_P1, AAD_P2, MFA],
  },
  {
    skuId: 'f8a1db68-be16-40ed-86d5-cb42ce701560',
    skuPartNumber: 'POWER_BI_PRO',
    appliesTo: 'User',
    plans: [POWER_BI],
  },
  {
    skuId: 'f30db892-07e9-47e9-837c-80727f46fd3d',
    skuPartNumber: 'FLOW_FREE',
    appliesTo: 'User',
    plans: [FLOW],
  },
  {
    skuId: '06ebc4ee-1bb5-47dd-8120-11324bc54e06',
    skuPartNumber: 'SPE_E5',
    appliesTo: 'User',
    plans: [EXCHANGE, SHAREPOINT, TEAMS, OFFICE, AAD_P1, AAD_P2, INTUNE, POWER_BI],
  },
  {
    skuId: 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e',
    skuPartNumber: 'EMS',
    appliesTo: 'User',
    plans: [AAD_P1, MFA, INTUNE],
  },
];

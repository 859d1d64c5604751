import type { ResourceType } from '../framework/types.js';

/** Stable resource type ids: every entitlement and grant id is built from them. */
export const RESOURCE_TYPES = {
  user: { id: 'user', displayName: 'User', traits: ['user'], description: 'Entra ID user account' },
  group: { id: 'group', displayName: 'Group', traits: ['group'], description: 'Entra ID group' },
  role: {
    id: 'role',
    displayName: 'Directory role',
    traits: ['role'],
    description: 'Entra ID directory role',
  },
  enterprise_application: {
    id: 'enterprise_application',
    displayName: 'Enterprise application',
    traits: ['app'],
    description: 'Service principal of an application',
  },
  managed_identity: {
    id: 'managed_identity',
    displayName: 'Managed identity',
    traits: ['user'],
    description: 'Service principal of type ManagedIdentity',
  },
  credential: {
    id: 'credential',
    displayName: 'Service principal credential',
    traits: ['secret'],
    description: 'Client secret or certificate of an application or service principal',
  },
  license: {
    id: 'license',
    displayName: 'License',
    traits: ['license_profile'],
    description: 'Subscribed SKU',
  },
  device: { id: 'device', displayName: 'Device', traits: ['managed_device'], description: 'Entra ID device' },
} satisfies Record<string, ResourceType>;

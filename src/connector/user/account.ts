import type { AccountManager } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import type { ProvisionDeps } from '../shared/writes.js';

/** User accounts: create, enable, disable, delete (soft) and restore. */
export function createUserAccounts(_deps: ProvisionDeps): AccountManager {
  const refuse = (): never => {
    throw new ProvisioningError('UNIMPLEMENTED', 'account provisioning is not available yet');
  };
  return {
    resourceType: RESOURCE_TYPES.user,
    createAccount: async () => refuse(),
    enableAccount: async () => refuse(),
    disableAccount: async () => refuse(),
    deleteAccount: async () => refuse(),
    restoreAccount: async () => refuse(),
  };
}

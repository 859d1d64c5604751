import type { ResourceProvisioner } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import type { ProvisionDeps } from '../shared/writes.js';

/** App-role assignments and owners of enterprise applications and managed identities. */
export function createAppProvisioners(_deps: ProvisionDeps): ResourceProvisioner[] {
  const refuse = (): never => {
    throw new ProvisioningError('UNIMPLEMENTED', 'application provisioning is not available yet');
  };
  return [RESOURCE_TYPES.enterprise_application, RESOURCE_TYPES.managed_identity].map((resourceType) => ({
    resourceType,
    grant: async () => refuse(),
    revoke: async () => refuse(),
  }));
}

import type { ResourceProvisioner } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import type { ProvisionDeps } from '../shared/writes.js';

/** Directory role assignments and PIM eligibility (`role:<id>:assigned|eligible`). */
export function createRoleProvisioner(_deps: ProvisionDeps): ResourceProvisioner {
  const refuse = (): never => {
    throw new ProvisioningError('UNIMPLEMENTED', 'directory role provisioning is not available yet');
  };
  return { resourceType: RESOURCE_TYPES.role, grant: async () => refuse(), revoke: async () => refuse() };
}

import type { ResourceProvisioner } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import type { ProvisionDeps } from '../shared/writes.js';

/** License assignment (`license:<skuId>:assigned`) through assignLicense. */
export function createLicenseProvisioner(_deps: ProvisionDeps): ResourceProvisioner {
  const refuse = (): never => {
    throw new ProvisioningError('UNIMPLEMENTED', 'license provisioning is not available yet');
  };
  return { resourceType: RESOURCE_TYPES.license, grant: async () => refuse(), revoke: async () => refuse() };
}

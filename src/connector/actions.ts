import type { ActionManager } from '../framework/capabilities.js';
import { ProvisioningError } from '../framework/provisioning/requests.js';
import type { ProvisionDeps } from './shared/writes.js';

/** The connector's actions (set_manager, check_upn, update_profile, …, create_group). */
export function createEntraActions(_deps: ProvisionDeps): ActionManager {
  return {
    listActions: () => [],
    invokeAction: async (name) => {
      throw new ProvisioningError('UNIMPLEMENTED', `action ${name} is not available yet`);
    },
  };
}

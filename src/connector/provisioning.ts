import type { AccountManager, ActionManager, ResourceProvisioner } from '../framework/capabilities.js';
import type { ProvisionDeps } from './shared/writes.js';

/** The connector's provisioning capabilities, one implementation per resource type that has them. */
export interface EntraProvisioning {
  provisioners: ResourceProvisioner[];
  accounts?: AccountManager;
  actions?: ActionManager;
}

export function entraProvisioning(deps: ProvisionDeps): EntraProvisioning {
  const provisioners: ResourceProvisioner[] = [];
  void deps;
  return { provisioners };
}

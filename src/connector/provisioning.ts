import { join } from 'node:path';
import type { AccountManager, ActionManager, ResourceProvisioner } from '../framework/capabilities.js';
import { ProvisioningJournal } from '../framework/provisioning/journal.js';
import { ProvisioningService } from '../framework/provisioning/service.js';
import type { ConnectorConfig } from '../config/types.js';
import { createExchangeClient } from '../exchange/client.js';
import { createGraphClient, type EntraGraphClient } from '../graph/client.js';
import { createCredential } from '../graph/credentials.js';
import { createDispatcher } from '../graph/dispatcher.js';
import type { GraphObserver } from '../graph/types.js';
import type { Logger } from '../observability/logger.js';
import { createEntraActions } from './actions.js';
import { createAppProvisioners } from './enterprise-application/provision.js';
import { createGroupProvisioner } from './group/provision.js';
import { createLicenseProvisioner } from './license/provision.js';
import { createRoleProvisioner } from './role/provision.js';
import { createUserAccounts } from './user/account.js';
import type { ProvisionDeps } from './shared/writes.js';

/** The connector's provisioning capabilities, one implementation per resource type that has them. */
export interface EntraProvisioning {
  provisioners: ResourceProvisioner[];
  accounts?: AccountManager;
  actions?: ActionManager;
}

export function entraProvisioning(deps: ProvisionDeps): EntraProvisioning {
  const provisioners: ResourceProvisioner[] = [
    createGroupProvisioner(deps),
    createRoleProvisioner(deps),
    ...createAppProvisioners(deps),
    createLicenseProvisioner(deps),
  ];
  return { provisioners, accounts: createUserAccounts(deps), actions: createEntraActions(deps) };
}

/** A provisioning service over the live tenant, with its journal in the data directory. */
export interface OpenProvisioning {
  service: ProvisioningService;
  graph: EntraGraphClient;
  close(): Promise<void>;
}

export function openProvisioning(
  config: ConnectorConfig,
  o: {
    dataDir: string;
    logger: Logger;
    now?: () => number;
    sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    graph?: EntraGraphClient;
    /** The control plane's recipient for generated passwords, when BATON_PASSWORD_RECIPIENT is unset. */
    controlPlaneRecipient?: () => string | undefined;
    /** Told about each Graph request of the client built here. */
    graphObserver?: GraphObserver;
  },
): OpenProvisioning {
  const now = o.now ?? Date.now;
  const credential = createCredential(config);
  const graph =
    o.graph ??
    createGraphClient(config, {
      credential,
      logger: o.logger,
      now,
      ...(o.graphObserver ? { observer: o.graphObserver } : {}),
    });
  const exchange = createExchangeClient(config, { credential, dispatcher: createDispatcher(config), now });
  const deps: ProvisionDeps = {
    graph,
    exchange,
    graphBaseUrl: config.graphBaseUrl,
    now,
    scheduleScimProvisioning: config.scheduleScimProvisioning,
    ...(o.sleep ? { sleep: o.sleep } : {}),
  };
  const parts = entraProvisioning(deps);
  const journal = new ProvisioningJournal(join(o.dataDir, 'provisioning.db'));
  const service = new ProvisioningService({
    ...parts,
    journal,
    guard: { ...config.deletionGuard, holderShare: 0.2, minHolders: 10 },
    passwordRecipient: () => config.passwordRecipient ?? o.controlPlaneRecipient?.(),
    now,
    logger: o.logger,
  });
  return {
    service,
    graph,
    async close() {
      journal.close();
      if (!o.graph) await graph.close();
    },
  };
}

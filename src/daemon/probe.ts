import type { ConnectorConfig } from '../config/types.js';
import { RESOURCE_TYPE_IDS } from '../config/types.js';
import { validateConnection } from '../graph/validate.js';
import type { HelloInfo } from './agent.js';

/**
 * The connection facts a daemon reports in Hello and uses for readiness: whether Entra answers with
 * the configured credentials, and when the client secret expires.
 */
export async function probeEntra(config: ConnectorConfig, signal?: AbortSignal): Promise<HelloInfo> {
  const report = await validateConnection(config, { signal });
  return {
    connectionStatus: report.status,
    credentialExpiresAt: report.credentialExpiresAt,
    tenantId: config.auth.tenantId,
    capabilities: [
      'sync',
      'incremental_sync',
      'event_feed',
      ...(config.provisioning ? ['provisioning'] : []),
      ...RESOURCE_TYPE_IDS.filter((t) => config.syncResourceTypes.includes(t)).map((t) => `resource_type:${t}`),
    ],
  };
}

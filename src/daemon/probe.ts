import type { ConnectorConfig } from '../config/types.js';
import { RESOURCE_TYPE_IDS } from '../config/types.js';
import { createCredential } from '../graph/credentials.js';
import { createGraphClient } from '../graph/client.js';
import { validateConnection } from '../graph/validate.js';
import type { Logger } from '../observability/logger.js';
import type { HelloInfo } from './agent/agent.js';

/**
 * The connection facts a daemon reports in Hello and uses for readiness: whether Entra answers with
 * the configured credentials (the same probes as `baton-entra validate`), and when the credential
 * in use expires.
 */
export async function probeEntra(config: ConnectorConfig, logger?: Logger): Promise<HelloInfo> {
  const credential = createCredential(config);
  const graph = createGraphClient(config, { credential, logger, maxAttempts: 2 });
  const report = await validateConnection(config, graph, credential).finally(() => graph.close());
  for (const p of report.probes.filter((x) => !x.ok)) {
    logger?.warn(
      { feature: p.feature, check: p.check, missingPermission: p.missingPermission },
      'probe failed',
    );
  }
  return {
    connectionStatus: report.status,
    credentialExpiresAt: report.credential?.endDateTime,
    tenantId: config.auth.tenantId,
    capabilities: [
      'sync',
      'incremental_sync',
      'event_feed',
      ...(config.provisioning ? ['provisioning'] : []),
      ...RESOURCE_TYPE_IDS.filter((t) => config.syncResourceTypes.includes(t)).map(
        (t) => `resource_type:${t}`,
      ),
    ],
  };
}

import type { ConnectorConfig } from '../config/types.js';
import { RESOURCE_TYPE_IDS } from '../config/types.js';
import { createCredential } from '../graph/credentials.js';
import { createGraphClient } from '../graph/client.js';
import type { GraphObserver } from '../graph/types.js';
import { validateConnection, type ProbeResult } from '../graph/validate.js';
import type { Logger } from '../observability/logger.js';
import type { HelloInfo } from './agent/agent.js';

/** What the daemon learns from probing Entra: the Hello facts, and whether Entra refused the credential. */
export interface EntraProbe extends HelloInfo {
  /**
   * Entra's token endpoint refused the configured credential (a wrong, expired or unknown secret,
   * client or tenant): no retry will help. Names the setting to fix. Absent when Entra answered,
   * or could not be reached (an outage, which may pass).
   */
  refused?: string;
  /** What `credentialExpiresAt` is the end of. */
  credentialKind?: 'client_secret' | 'certificate';
}

/**
 * The connection facts a daemon reports in Hello and shows in its status: whether Entra answers
 * with the configured credentials (the same probes as `baton-entra validate`), and when the
 * credential in use expires.
 */
export async function probeEntra(
  config: ConnectorConfig,
  logger?: Logger,
  observer?: GraphObserver,
): Promise<EntraProbe> {
  const credential = createCredential(config);
  const graph = createGraphClient(config, {
    credential,
    logger,
    maxAttempts: 2,
    ...(observer ? { observer } : {}),
  });
  const report = await validateConnection(config, graph, credential).finally(() => graph.close());
  for (const p of report.probes.filter((x) => !x.ok)) {
    logger?.warn(
      { feature: p.feature, check: p.check, missingPermission: p.missingPermission },
      'probe failed',
    );
  }
  const refused = refusal(config, report.token);
  return {
    connectionStatus: report.status,
    credentialExpiresAt: report.credential?.endDateTime,
    ...(report.credential?.endDateTime ? { credentialKind: report.credential.kind } : {}),
    tenantId: config.auth.tenantId,
    ...(refused ? { refused } : {}),
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

/** OAuth errors of a token endpoint that answered and said no. https://www.rfc-editor.org/rfc/rfc6749#section-5.2 */
const REFUSING_OAUTH = new Set(['invalid_client', 'unauthorized_client', 'invalid_grant', 'invalid_request']);

/**
 * The refusal message for a failed token request, or undefined when it was not a refusal. Entra's
 * known answers are explained by the validation (graph/credential-refusal.ts: the one table of
 * what each AADSTS code means); another code Entra refused with names the credential setting.
 */
export function refusal(config: ConnectorConfig, token: ProbeResult): string | undefined {
  if (token.ok || !token.code) return undefined;
  if (token.refused) return token.refused;
  if (!/^AADSTS\d+$/.test(token.code) && !REFUSING_OAUTH.has(token.code)) return undefined;
  return `${credentialSetting(config)}: Entra refused the configured credential (${token.code})`;
}

function credentialSetting(config: ConnectorConfig): string {
  switch (config.auth.mode) {
    case 'client_secret':
      return 'BATON_ENTRA_CLIENT_SECRET';
    case 'certificate':
      return 'BATON_ENTRA_CERTIFICATE';
    case 'workload_identity':
      return 'AZURE_FEDERATED_TOKEN_FILE';
    case 'password':
      return 'BATON_ENTRA_USERNAME/BATON_ENTRA_PASSWORD';
  }
}

import type { ConnectorConfig } from '../config/types.js';
import { createCredential, graphScope } from '../graph/credentials.js';
import { explainTokenFailure, type CredentialRefusal } from '../graph/credential-refusal.js';
import type { Logger } from '../observability/logger.js';

/** How long start-up waits for a first token before going on without one. */
const START_CHECK_MS = 20_000;

/**
 * Gets one Graph token at start-up. Returns the refusal when Entra refused the configured
 * credential (a wrong secret, an unknown tenant or app …): no later retry can succeed, so `serve`
 * stops there, naming the setting. When Entra cannot be reached or is slow, the daemon starts
 * anyway — that may pass — and readiness reports it.
 */
export async function checkEntraCredential(
  config: ConnectorConfig,
  logger: Logger,
): Promise<CredentialRefusal | undefined> {
  try {
    await createCredential(config).getToken(graphScope(config), {
      abortSignal: AbortSignal.timeout(START_CHECK_MS),
    });
    return undefined;
  } catch (err) {
    const refusal = await explainTokenFailure(config, err);
    if (!refusal)
      logger.warn(
        { err: (err as Error).message },
        'no Entra token at start-up; starting anyway, syncs will retry',
      );
    return refusal;
  }
}

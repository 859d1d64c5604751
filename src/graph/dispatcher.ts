import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici';
import type { ConnectorConfig } from '../config/types.js';

/**
 * The HTTP dispatcher for outbound calls: through the configured HTTPS proxy (NO_PROXY honoured),
 * or direct. The proxy comes from the config only — the process environment is not consulted here.
 */
export function createDispatcher(config: Pick<ConnectorConfig, 'httpsProxy' | 'noProxy'>): Dispatcher {
  if (config.httpsProxy === undefined) return new Agent({ keepAliveTimeout: 30_000 });
  return new EnvHttpProxyAgent({
    httpProxy: '',
    httpsProxy: config.httpsProxy,
    noProxy: config.noProxy ?? '',
  });
}

import type { Simulator } from '../../src/simulator/index.js';

/** The BATON_* settings that point a sync at a running simulator, as an operator would set them. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  return {
    BATON_ENTRA_TENANT_ID: sim.tenantId,
    BATON_ENTRA_CLIENT_ID: sim.clientId,
    BATON_ENTRA_CLIENT_SECRET: sim.clientSecret,
    BATON_ENTRA_AUTHORITY_HOST: sim.authorityHost,
    BATON_GRAPH_DOMAIN: sim.graphDomain,
    BATON_EXCHANGE_BASE_URL: sim.exchangeBaseUrl,
  };
}

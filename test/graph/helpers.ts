import type { AccessToken, TokenCredential } from '@azure/identity';
import { loadConfig } from '../../src/config/load.js';
import type { ConnectorConfig } from '../../src/config/types.js';
import { createGraphClient, type EntraGraphClient, type GraphClientOptions } from '../../src/graph/client.js';
import type { ScriptedServer } from '../support/scripted-graph.js';

export const TENANT = '11111111-2222-3333-4444-555555555555';
export const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';

export function configFor(server: ScriptedServer, extra: Record<string, string> = {}): ConnectorConfig {
  return loadConfig({
    BATON_ENTRA_TENANT_ID: TENANT,
    BATON_ENTRA_CLIENT_ID: CLIENT,
    BATON_ENTRA_CLIENT_SECRET: 'test-client-secret',
    BATON_GRAPH_DOMAIN: server.host,
    BATON_ENTRA_AUTHORITY_HOST: server.origin,
    ...extra,
  });
}

/** A credential handing out a fixed token, counting calls. */
export function staticCredential(token = 'test-token'): TokenCredential & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    getToken(scopes: string | string[]): Promise<AccessToken> {
      calls.push(Array.isArray(scopes) ? scopes : [scopes]);
      return Promise.resolve({ token, expiresOnTimestamp: Date.now() + 3600_000 });
    },
  };
}

/** Injected clock and sleep: a wait is recorded and moves the clock forward, at once. */
export function fakeTime(start = Date.parse('2026-01-01T00:00:00Z')): {
  waits: number[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
} {
  const waits: number[] = [];
  let clock = start;
  return {
    waits,
    now: () => clock,
    sleep: (ms: number) => (waits.push(ms), (clock += ms), Promise.resolve()),
  };
}

export interface TestClient {
  client: EntraGraphClient;
  waits: number[];
  credential: ReturnType<typeof staticCredential>;
}

export function testClient(
  server: ScriptedServer,
  options: GraphClientOptions = {},
  extra: Record<string, string> = {},
): TestClient {
  const { waits, sleep, now } = fakeTime();
  const credential = staticCredential();
  const client = createGraphClient(configFor(server, extra), {
    credential,
    sleep,
    random: () => 0.5,
    now,
    ...options,
  });
  return { client, waits, credential };
}

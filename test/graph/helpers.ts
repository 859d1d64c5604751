import assert from 'node:assert/strict';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { loadConfig } from '../../src/config/load.js';
import type { ConnectorConfig } from '../../src/config/types.js';
import { createGraphClient, type EntraGraphClient, type GraphClientOptions } from '../../src/graph/client.js';
import { GraphError } from '../../src/graph/errors.js';
import { ScriptedServer, type Expectation, type SeenRequest } from '../support/scripted-graph.js';

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

/** A scripted Graph server and a client pointed at it, fresh for each test of the suite. */
export interface ScriptedGraph {
  server: ScriptedServer;
  t: TestClient;
  /** Replaces the test's client with one made with these options; the new one is closed after the test. */
  reconfigure(options?: GraphClientOptions, extra?: Record<string, string>): TestClient;
}

/** Registers the suite's hooks: a new server and client before each test, both closed after. */
export function useScriptedGraph(): ScriptedGraph {
  const g = {
    reconfigure(options: GraphClientOptions = {}, extra: Record<string, string> = {}) {
      g.t = testClient(g.server, options, extra);
      return g.t;
    },
  } as ScriptedGraph;
  beforeEach(async () => {
    g.server = await ScriptedServer.start();
    g.t = testClient(g.server);
  });
  afterEach(async () => {
    await g.t.client.close();
    await g.server.close();
  });
  return g;
}

/** Awaits `p` and checks that it fails with a GraphError of `kind` (and message `pattern`). */
export async function rejectsWith(p: Promise<unknown>, kind: string, pattern?: RegExp): Promise<GraphError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected GraphError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected a ${kind} GraphError`);
}

/** The two requests MSAL makes against an authority with instance discovery off. */
export function authorityExpectations(
  tenant: string,
  check: (r: SeenRequest) => void = () => undefined,
  token = 'issued-token',
): Expectation[] {
  return [
    {
      method: 'GET',
      url: new RegExp(`^/${tenant}/v2\\.0/\\.well-known/openid-configuration`),
      bodyFn: (_r, o) => ({
        token_endpoint: `${o}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${o}/${tenant}/oauth2/v2.0/authorize`,
        issuer: `${o}/${tenant}/v2.0`,
        jwks_uri: `${o}/${tenant}/discovery/v2.0/keys`,
        end_session_endpoint: `${o}/${tenant}/oauth2/v2.0/logout`,
      }),
    },
    {
      method: 'POST',
      url: new RegExp(`^/${tenant}/oauth2/v2\\.0/token`),
      bodyFn: (r) => {
        check(r);
        return { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token };
      },
    },
  ];
}

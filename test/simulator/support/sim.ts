import { ClientSecretCredential, type TokenCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import {
  startSimulator,
  trustSimulatorCa,
  type Simulator,
  type StartOptions,
} from '../../../src/simulator/index.js';
import { buildFixture, type FixtureSize } from './fixture-data.js';
import type { FixtureTenant } from './fixture-store.js';

/** Trusts a simulator CA for this process (see trustSimulatorCa). */
export function trustCa(pem: string): void {
  trustSimulatorCa(pem);
}

export interface FixtureSim {
  sim: Simulator;
  tenant: FixtureTenant;
}

/** Starts a simulator over a fixture tenant and trusts its CA. */
export async function startFixtureSim(
  size: Partial<FixtureSize> = {},
  options: StartOptions = {},
): Promise<FixtureSim> {
  const tenant = buildFixture(size, options.now);
  const sim = await startSimulator({
    ...options,
    tenant,
    onError: (e) => {
      throw e;
    },
  });
  trustCa(sim.caCertPem);
  return { sim, tenant };
}

export function secretCredential(sim: Simulator): ClientSecretCredential {
  return new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
    authorityHost: sim.authorityHost,
    disableInstanceDiscovery: true,
  });
}

/** The real Graph SDK client, pointed at the simulator (`customHosts` lets it attach the token). */
export function graphClient(
  sim: Simulator,
  credential: TokenCredential = secretCredential(sim),
  version = 'v1.0',
): Client {
  const authProvider = new TokenCredentialAuthenticationProvider(credential, {
    scopes: ['https://graph.microsoft.com/.default'],
  });
  return Client.initWithMiddleware({
    authProvider,
    baseUrl: `${sim.url}/`,
    defaultVersion: version,
    customHosts: new Set(['localhost']),
  });
}

export async function token(sim: Simulator, scope = 'https://graph.microsoft.com/.default'): Promise<string> {
  const t = await secretCredential(sim).getToken(scope);
  return t.token;
}

/** Raw fetch with a bearer, for status and header details the SDK hides. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index into arbitrary JSON bodies
export type Json = any;

export async function raw(
  sim: Simulator,
  path: string,
  init: RequestInit & { token?: string } = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(`${sim.url}${path}`, { ...init, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body };
}

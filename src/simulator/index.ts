import { createServer, type Server } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FaultRule, RunningSimulator, SimulatorOptions, WriteQuota } from './api.js';
import { createTlsMaterial } from './certs.js';
import { SimClock } from './clock.js';
import type { SimContext } from './context.js';
import { createControl } from './control.js';
import { Counters } from './counters.js';
import { createExchange } from './exchange/invoke-command.js';
import { FaultInjector, seededRandom } from './faults.js';
import { PageFaults } from './page-faults.js';
import { createBatch } from './graph/batch.js';
import { createGraphDispatcher } from './graph/dispatch.js';
import { graphRoutes } from './graph/routes.js';
import { createListener } from './http/server.js';
import { SigningKey } from './identity/signing-key.js';
import { SimState } from './state.js';
import { loadTenant } from './tenant-source.js';
import type { TenantStore } from './tenant/store-api.js';
import type { ClientRegistration } from './tenant/model.js';
import { quotaForTenant, Throttle } from './throttle.js';

export type { FaultRule, RunningSimulator, SimulatorOptions, WriteQuota } from './api.js';
export { trustSimulatorCa } from './trust.js';

export interface StartOptions extends SimulatorOptions {
  /** Serve this tenant instead of generating one from `preset`/`seed`/`size`. */
  tenant?: TenantStore;
  /** Receives errors a handler threw (the client got a 500). */
  onError?: (err: unknown) => void;
}

/** The simulator handle, plus what the CLI prints (the password-grant demo user). */
export interface Simulator extends RunningSimulator {
  /** The ROPC demo user (no MFA) and its password, when the tenant has one. */
  demoUser?: { userPrincipalName: string; password: string };
  /** A public client registration (ROPC without a secret), when the tenant has one. */
  publicClientId?: string;
}

/**
 * Starts the Entra simulator: one HTTPS server on loopback serving the identity platform
 * (token endpoint, OIDC discovery), Microsoft Graph v1.0/beta and the Exchange admin API over a
 * generated (or given) tenant.
 */
export async function startSimulator(options: StartOptions = {}): Promise<Simulator> {
  const clock = new SimClock(options.now ?? Date.now, options.now !== undefined);
  const host = options.host ?? '127.0.0.1';
  // Loopback only. Not `::1`: the URLs say `localhost`, which clients may resolve to 127.0.0.1
  // only, and MSAL cannot use a bracketed IPv6 authority.
  if (!['127.0.0.1', 'localhost'].includes(host))
    throw new Error(`host: the simulator listens on loopback only (127.0.0.1 or localhost), got '${host}'`);
  const store = options.tenant ?? (await loadTenant(options, () => clock.now()));
  const access = handedOut(store, clock.now());
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'baton-entra-sim-')));
  const [tls, signingKey] = await Promise.all([
    createTlsMaterial(stateDir, new Date(Date.now())),
    SigningKey.create(),
  ]);

  const counters = new Counters();
  const throttle = new Throttle(clock, quotaForTenant(store.users.size), options.throttling ?? true);
  if (options.writeQuota) throttle.setWriteQuota(options.writeQuota);
  const faults = new FaultInjector(seededRandom(options.seed ?? 1));
  faults.set(options.faults ?? []);
  // Its own stream, so that page-shaping draws do not shift which requests later rules pick.
  const pages = new PageFaults(seededRandom((options.seed ?? 1) ^ 0x5eed));
  const ctx: SimContext = { store, clock, signingKey, origin: '', graphDomain: '', state: new SimState() };
  if (options.pim === false) ctx.state.pimLicensed = false;
  const graph = createGraphDispatcher(ctx, graphRoutes, throttle, counters);
  const onError =
    options.onError ??
    ((err: unknown) =>
      process.stderr.write(
        `simulator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      ));
  const handle: Simulator = {} as Simulator;
  const parts = {
    ctx,
    graph,
    counters,
    faults,
    pages,
    batch: createBatch(ctx, graph),
    control: createControl(ctx, () => handle),
    exchange: createExchange(ctx),
  };
  const server: Server = createServer(
    { cert: tls.certPem, key: tls.keyPem, ca: tls.caCertPem },
    createListener(parts, onError),
  );
  server.keepAliveTimeout = 5000;
  await listen(server, options.port ?? 0, host);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  ctx.origin = `https://localhost:${port}`;
  ctx.graphDomain = `localhost:${port}`;

  Object.assign(handle, {
    url: ctx.origin,
    port,
    tenantId: store.tenantId,
    clientId: access.clientId,
    clientSecret: access.clientSecret,
    authorityHost: ctx.origin,
    graphDomain: ctx.graphDomain,
    exchangeBaseUrl: ctx.origin,
    caCertPath: tls.caCertPath,
    caCertPem: tls.caCertPem,
    tenant: store,
    ...(access.publicClientId ? { publicClientId: access.publicClientId } : {}),
    ...(access.demoUser ? { demoUser: access.demoUser } : {}),
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    setFaults: (rules: FaultRule[]) => faults.set(rules),
    setThrottling: (on: boolean) => {
      throttle.enabled = on;
      throttle.reset();
    },
    setWriteQuota: (quota: WriteQuota | null) => throttle.setWriteQuota(quota),
    setPim: (licensed: boolean) => {
      ctx.state.pimLicensed = licensed;
    },
    provisioningCalls: () => ({
      provisionOnDemand: ctx.state.provisionOnDemand.map((c) => structuredClone(c)),
      jobActions: ctx.state.jobActions.map((c) => ({ ...c })),
    }),
    resetProvisioningCalls: () => ctx.state.resetProvisioning(),
    advanceClock: (ms: number) => clock.advance(ms),
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      // A state dir we made ourselves holds only this run's keys; one the caller named is kept.
      if (ownStateDir) await rm(stateDir, { recursive: true, force: true });
    },
  } satisfies Simulator);
  return handle;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
}

/**
 * What the simulator hands to its user: the confidential client and a secret still valid, the
 * public client (password grant), and a user without MFA whose password is known.
 */
function handedOut(store: TenantStore, now: number) {
  const valid = (c: ClientRegistration) => c.secrets.find((x) => Date.parse(x.endDateTime) > now);
  const client = [...store.clients.values()].find((c) => !c.isPublicClient && valid(c));
  const secret = client ? valid(client) : undefined;
  if (!client || !secret)
    throw new Error('tenant: no client registration with an unexpired secret to hand out');
  const creds = [...store.userCredentials].find(
    ([id, c]) => !c.mfaRequired && store.users.get(id)?.accountEnabled,
  );
  const user = creds ? store.users.get(creds[0]) : undefined;
  return {
    clientId: client.clientId,
    clientSecret: secret.value,
    publicClientId: [...store.clients.values()].find((c) => c.isPublicClient)?.clientId,
    demoUser:
      user && creds ? { userPrincipalName: user.userPrincipalName, password: creds[1].password } : undefined,
  };
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startSimulator, type Simulator, type StartOptions } from '../../src/simulator/index.js';

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

/** A suite's simulator and scratch directory (see useSimulator); read them once its `before` ran. */
export interface SimulatorFixture {
  readonly sim: Simulator;
  /** A temp directory of the suite's own, removed after it. */
  readonly dir: string;
}

/**
 * Starts a simulator before the suite's tests, its CA trusted in-process (Node 24
 * `tls.setDefaultCACertificates`), with a temp directory; both end after the suite. Call it in
 * the `describe` body: hooks the suite registers after it run once the simulator is up.
 */
export function useSimulator(options: StartOptions): SimulatorFixture {
  let sim: Simulator | undefined;
  let dir: string | undefined;
  before(async () => {
    sim = await startSimulator(options);
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
    dir = mkdtempSync(join(tmpdir(), 'sim-'));
  });
  after(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    get sim() {
      if (!sim) throw new Error('the simulator is not started yet (read it in a hook or a test)');
      return sim;
    },
    get dir() {
      if (!dir) throw new Error('the suite directory is not made yet (read it in a hook or a test)');
      return dir;
    },
  };
}

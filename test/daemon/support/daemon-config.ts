import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { addClient } from '../../../src/reference-control-plane/clients.js';
import { startControlPlane, type RunningControlPlane } from '../../../src/reference-control-plane/server.js';
import type { EffectiveConfig } from '../../../src/daemon/service.js';
import { loadDaemonSettings } from '../../../src/daemon/settings.js';
import type { Simulator } from '../../../src/simulator/index.js';
import { simulatorEnv } from '../../support/simulator-env.js';

/**
 * The settings of a daemon under test: Entra is the simulator, the control plane a reference one
 * on loopback (plaintext), health on a free port, syncs only when started or asked for.
 */
export function daemonConfig(
  sim: Simulator,
  plane: { address: string },
  creds: { clientId: string; clientSecret: string },
  env: { BATON_DATA_DIR: string; BATON_HOST_ID: string } & Record<string, string>,
): EffectiveConfig {
  const e: Record<string, string> = {
    ...simulatorEnv(sim),
    BATON_CONTROL_PLANE_ADDRESS: plane.address,
    BATON_CONTROL_PLANE_TLS: 'insecure',
    BATON_CLIENT_ID: creds.clientId,
    BATON_CLIENT_SECRET: creds.clientSecret,
    BATON_HTTP_HOST: '127.0.0.1',
    BATON_SYNC_INTERVAL: '1h',
    ...env,
  };
  const daemon = loadDaemonSettings(e);
  daemon.http.port = 0;
  return { connector: loadConfig(e), daemon };
}

/**
 * A reference control plane on loopback for daemon tests, its data in `<dir>/cp`, polled and
 * heartbeaten every 30 ms (so tasks reach the daemon at once), with one client registered.
 */
export async function startTestPlane(
  dir: string,
): Promise<{ plane: RunningControlPlane; creds: { clientId: string; clientSecret: string } }> {
  const plane = await startControlPlane({
    listen: '127.0.0.1:0',
    dataDir: join(dir, 'cp'),
    pollIntervalMs: 30,
    heartbeatIntervalMs: 30,
  });
  return { plane, creds: await addClient(plane.store, 'test', new Date()) };
}

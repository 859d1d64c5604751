import { Server, ServerCredentials } from '@grpc/grpc-js';
import { isIP } from 'node:net';
import { ControlPlaneServiceService } from '../gen/baton_entra/v1/control_plane.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import { createService } from './service.js';
import { ControlPlaneStore } from './store.js';
import { UploadReceiver } from './uploads.js';

export interface ControlPlaneTls {
  certPem: string;
  keyPem: string;
  /** When set, clients must present a certificate issued by this CA (mTLS). */
  clientCaPem?: string;
}

export interface ControlPlaneSettings {
  /** `host:port` (`[::1]:port` for IPv6); port 0 picks a free one. */
  listen: string;
  dataDir: string;
  tls?: ControlPlaneTls;
  /** Allows plaintext on a non-loopback address. Plaintext on loopback needs no flag. */
  allowInsecure?: boolean;
  logger?: Logger;
  now?: () => Date;
  pollIntervalMs?: number;
  heartbeatIntervalMs?: number;
  taskLeaseMs?: number;
}

export interface RunningControlPlane {
  /** `host:port` actually bound. */
  address: string;
  port: number;
  store: ControlPlaneStore;
  close(): Promise<void>;
}

export function splitHostPort(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !Number.isInteger(port) || port > 65535)
    throw new Error(`listen address "${listen}" must be HOST:PORT`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Starts the reference control plane: a grpc-js server over the store in `dataDir`. */
export async function startControlPlane(settings: ControlPlaneSettings): Promise<RunningControlPlane> {
  const { host, port } = splitHostPort(settings.listen);
  if (!settings.tls && !settings.allowInsecure && !isLoopback(host)) {
    throw new Error(
      `refusing plaintext gRPC on ${host}: give --tls-cert/--tls-key, or --insecure to allow it`,
    );
  }
  const now = settings.now ?? (() => new Date());
  const store = new ControlPlaneStore(settings.dataDir);
  const server = new Server({
    // grpc-js enforces client keepalive pings only as often as this; daemons ping every 5 min.
    'grpc.http2.min_ping_interval_without_data_ms': 60_000,
    'grpc.max_receive_message_length': 2 * 1024 * 1024,
  });
  server.addService(
    ControlPlaneServiceService,
    createService({
      store,
      uploads: new UploadReceiver(store, now),
      logger: settings.logger ?? silentLogger,
      now,
      pollIntervalMs: settings.pollIntervalMs ?? 5_000,
      heartbeatIntervalMs: settings.heartbeatIntervalMs ?? 30_000,
      taskLeaseMs: settings.taskLeaseMs ?? 5 * 60_000,
    }),
  );
  const creds = settings.tls
    ? ServerCredentials.createSsl(
        settings.tls.clientCaPem ? Buffer.from(settings.tls.clientCaPem) : null,
        [{ cert_chain: Buffer.from(settings.tls.certPem), private_key: Buffer.from(settings.tls.keyPem) }],
        Boolean(settings.tls.clientCaPem),
      )
    : ServerCredentials.createInsecure();
  const bindHost = host.includes(':') ? `[${host}]` : host;
  let bound: number;
  try {
    bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${bindHost}:${port}`, creds, (err, p) => (err ? reject(err) : resolve(p))),
    );
  } catch (err) {
    store.close();
    throw err;
  }
  return {
    address: `${bindHost}:${bound}`,
    port: bound,
    store,
    close: async () => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      store.close();
    },
  };
}

import { loadPasswordKey } from './password-key.js';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { EventEmitter } from 'node:events';
import type { ServerHttp2Session } from 'node:http2';
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
  /** Partial uploads older than this are deleted at start (default 7 days). */
  partialUploadMaxAgeMs?: number;
  /**
   * Store diff snapshots (default true). False makes this control plane answer as one from before
   * diff snapshots: daemons send every snapshot whole, and a diff is refused.
   */
  acceptDiffSnapshots?: boolean;
}

export interface RunningControlPlane {
  /** `host:port` actually bound. */
  address: string;
  port: number;
  store: ControlPlaneStore;
  close(): Promise<void>;
}

/** Per-stream and per-connection HTTP/2 receive windows for uploads. */
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 16 * 1024 * 1024;

/**
 * grpc-js leaves Node's HTTP/2 receive window at 64 KiB, so a 1 MiB chunk needs 16 window updates,
 * each waiting on this process's event loop; on a busy host uploads crawl. grpc-js has no server
 * option for it, so the window is widened on each new session of its HTTP/2 servers (a private
 * field; if a release renames it, this quietly does nothing and uploads are only slower).
 */
function widenFlowControl(server: Server): void {
  const http2Servers = (server as unknown as { http2Servers?: Map<EventEmitter, unknown> }).http2Servers;
  if (!(http2Servers instanceof Map)) return;
  for (const h2 of http2Servers.keys()) {
    h2.on('session', (session: ServerHttp2Session) => {
      try {
        session.settings({ initialWindowSize: STREAM_WINDOW });
        session.setLocalWindowSize(SESSION_WINDOW);
      } catch {
        // A session that is already closing: nothing to tune.
      }
    });
  }
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
  const uploads = new UploadReceiver(store, now, { acceptDiffs: settings.acceptDiffSnapshots ?? true });
  const { recipient: passwordRecipient } = await loadPasswordKey(settings.dataDir);
  const swept = await uploads.sweep(settings.partialUploadMaxAgeMs ?? 7 * 24 * 3600_000);
  if (swept) (settings.logger ?? silentLogger).info({ removed: swept }, 'removed abandoned partial uploads');
  const server = new Server({
    // grpc-js enforces client keepalive pings only as often as this; daemons ping every 5 min.
    'grpc.http2.min_ping_interval_without_data_ms': 60_000,
    'grpc.max_receive_message_length': 2 * 1024 * 1024,
  });
  server.addService(
    ControlPlaneServiceService,
    createService({
      store,
      uploads,
      logger: settings.logger ?? silentLogger,
      now,
      pollIntervalMs: settings.pollIntervalMs ?? 5_000,
      heartbeatIntervalMs: settings.heartbeatIntervalMs ?? 30_000,
      taskLeaseMs: settings.taskLeaseMs ?? 5 * 60_000,
      passwordRecipient,
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
  widenFlowControl(server);
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

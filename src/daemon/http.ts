import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/**
 * The probe, status and metrics endpoint (one port, 8080 in the chart). Each answers one question:
 * - `/livez` (alias `/healthz`): is the process wedged? (event loop answering, lease watchdog OK).
 *   Never checks external dependencies: a Graph outage must not restart pods.
 * - `/readyz`: can this replica do its job? 200/503 with `{ ready, checks }`. Standby replicas are
 *   ready, and so is a replica whose Entra or control plane is down (that is a status and a metric):
 *   otherwise rollouts and PodDisruptionBudgets stall.
 * - `/status`: what it is doing, as JSON (connections, last syncs, spool, credential expiry).
 * - `/metrics`: Prometheus text format.
 */
export interface ReadyReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface HttpServerOptions {
  host?: string;
  port: number;
  live: () => boolean;
  ready: () => ReadyReport | Promise<ReadyReport>;
  /** The `/status` document; 404 when absent. */
  status?: () => object | Promise<object>;
  metrics: Registry;
}

export interface HttpServerHandle {
  port: number;
  close(): Promise<void>;
}

export async function startHttpServer(opts: HttpServerOptions): Promise<HttpServerHandle> {
  const server = createServer((req, res) => {
    handle(opts, req, res).catch((err: unknown) =>
      send(res, 500, 'text/plain', `internal error: ${(err as Error).message}\n`),
    );
  });
  // Probes and scrapes are tiny; don't let a stuck client hold a socket forever.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

async function handle(opts: HttpServerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return send(res, 405, 'text/plain', 'method not allowed\n');
  }
  switch (path) {
    case '/livez':
    case '/healthz': {
      const ok = safe(opts.live);
      return send(res, ok ? 200 : 503, 'text/plain', ok ? 'ok\n' : 'unhealthy\n');
    }
    case '/readyz': {
      let report: ReadyReport;
      try {
        report = await opts.ready();
      } catch (err) {
        report = { ready: false, checks: { readiness: { ok: false, detail: (err as Error).message } } };
      }
      return send(res, report.ready ? 200 : 503, 'application/json', JSON.stringify(report));
    }
    case '/status':
      if (!opts.status) break;
      return send(res, 200, 'application/json', `${JSON.stringify(await opts.status(), null, 2)}\n`);
    case '/metrics':
      return send(res, 200, opts.metrics.contentType, await opts.metrics.metrics());
  }
  return send(res, 404, 'text/plain', 'not found\n');
}

function safe(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

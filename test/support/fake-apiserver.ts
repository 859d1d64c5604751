import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * An in-process stand-in for the kube-apiserver's Lease endpoints (coordination.k8s.io/v1), enough to
 * drive @kubernetes/client-node against real sockets: GET/POST/PUT, Status bodies for 404, 409
 * AlreadyExists and 409 Conflict (stale or missing resourceVersion), a monotonically increasing
 * resourceVersion, and 400 for a MicroTime without exactly six fractional digits (the error a real
 * apiserver gives for a plain JS Date; kubernetes-client/javascript#828).
 *
 * Clients are told apart by their bearer token, so a test can partition one of several electors.
 * This is not a real apiserver: real-cluster behaviour is not covered by these tests.
 */
export interface LeaseObject {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    uid: string;
    creationTimestamp: string;
  };
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

export type PartitionMode = 'refuse' | 'hang';

export interface RequestLogEntry {
  client: string;
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const LEASES = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/?]+))?$/;

export class FakeApiServer {
  readonly leases = new Map<string, LeaseObject>();
  readonly log: RequestLogEntry[] = [];
  private rv = 1000;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly partitions = new Map<string, PartitionMode>();
  private readonly hung = new Set<ServerResponse>();
  private readonly failures: { client?: string; method?: string; status: number }[] = [];
  /** Real delay added before each response (network latency), in ms. */
  latencyMs = 0;
  /** Called before a request is routed (after partition/failure checks): tests use it to race writes. */
  beforeRoute: ((method: string, client: string) => void) | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Cuts one client off: `refuse` resets its connections at once, `hang` never answers. */
  partition(client: string, mode: PartitionMode = 'refuse'): void {
    this.partitions.set(client, mode);
  }

  heal(client: string): void {
    this.partitions.delete(client);
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  /** Requests ever held open by a `hang` partition. */
  hungTotal = 0;

  /** Requests held open by a `hang` partition that the client has not given up on. */
  get hungRequests(): number {
    return this.hung.size;
  }

  /** The next matching request fails with `status` (a 5xx, 429 …). */
  failNext(status: number, match: { client?: string; method?: string } = {}): void {
    this.failures.push({ status, ...match });
  }

  lease(namespace: string, name: string): LeaseObject | undefined {
    return this.leases.get(`${namespace}/${name}`);
  }

  /** Changes a lease behind the clients' backs (as another controller would), bumping resourceVersion. */
  putLease(namespace: string, name: string, spec: LeaseObject['spec']): LeaseObject {
    const prev = this.lease(namespace, name);
    const obj = this.makeLease(namespace, name, spec, prev);
    this.leases.set(`${namespace}/${name}`, obj);
    return obj;
  }

  private makeLease(
    namespace: string,
    name: string,
    spec: LeaseObject['spec'],
    prev?: LeaseObject,
  ): LeaseObject {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace,
        resourceVersion: String(++this.rv),
        uid: prev?.metadata.uid ?? randomUUID(),
        creationTimestamp:
          prev?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      spec,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '') || 'anonymous';
    const mode = this.partitions.get(client);
    if (mode === 'refuse') return void req.socket.destroy();
    if (mode === 'hang') {
      this.hungTotal++;
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    const raw = await readBody(req);
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    const path = (req.url ?? '').split('?')[0]!;
    const reply = (status: number, body: unknown): void => {
      this.log.push({ client, method: req.method ?? '', path, status, body });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    const fi = this.failures.findIndex(
      (f) => (!f.client || f.client === client) && (!f.method || f.method === req.method),
    );
    if (fi >= 0) {
      const [f] = this.failures.splice(fi, 1);
      return reply(f!.status, status(f!.status, 'InternalError', 'injected failure'));
    }
    this.beforeRoute?.(req.method ?? '', client);
    const m = LEASES.exec(path);
    if (!m)
      return reply(
        404,
        status(404, 'NotFound', `the server could not find the requested resource (${path})`),
      );
    const [, ns, name] = m as unknown as [string, string, string | undefined];
    let body: Partial<LeaseObject> | undefined;
    try {
      body = raw ? (JSON.parse(raw) as Partial<LeaseObject>) : undefined;
    } catch {
      return reply(400, status(400, 'BadRequest', 'invalid JSON body'));
    }
    const [code, out] = this.route(req.method ?? 'GET', ns, name, body);
    reply(code, out);
  }

  private route(
    method: string,
    ns: string,
    name: string | undefined,
    body?: Partial<LeaseObject>,
  ): [number, unknown] {
    const key = `${ns}/${name ?? body?.metadata?.name ?? ''}`;
    const existing = this.leases.get(key);
    if (method === 'GET' && name) {
      return existing
        ? [200, existing]
        : [404, status(404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, name)];
    }
    if (method !== 'POST' && method !== 'PUT')
      return [405, status(405, 'MethodNotAllowed', `${method} is not supported`)];
    const bad = validateLease(body, method === 'PUT' ? name : undefined);
    if (bad) return [bad.code, status(bad.code, bad.reason, bad.message)];
    const leaseName = body!.metadata!.name!;
    if (method === 'POST') {
      if (name) return [405, status(405, 'MethodNotAllowed', 'POST to a named lease')];
      if (existing)
        return [
          409,
          status(409, 'AlreadyExists', `leases.coordination.k8s.io "${leaseName}" already exists`, leaseName),
        ];
      const created = this.makeLease(ns, leaseName, body!.spec ?? {});
      this.leases.set(key, created);
      return [201, created];
    }
    if (!existing)
      return [404, status(404, 'NotFound', `leases.coordination.k8s.io "${leaseName}" not found`, leaseName)];
    const sentRv = body!.metadata?.resourceVersion;
    if (sentRv !== existing.metadata.resourceVersion) {
      const why = sentRv
        ? 'the object has been modified; please apply your changes to the latest version and try again'
        : 'metadata.resourceVersion: must be specified for an update';
      return [
        409,
        status(
          409,
          'Conflict',
          `Operation cannot be fulfilled on leases.coordination.k8s.io "${leaseName}": ${why}`,
          leaseName,
        ),
      ];
    }
    const updated = this.makeLease(ns, leaseName, body!.spec ?? {}, existing);
    this.leases.set(key, updated);
    return [200, updated];
  }
}

function validateLease(
  body: Partial<LeaseObject> | undefined,
  pathName?: string,
): { code: number; reason: string; message: string } | undefined {
  if (!body?.metadata?.name)
    return { code: 422, reason: 'Invalid', message: 'metadata.name: Required value' };
  if (pathName && body.metadata.name !== pathName)
    return {
      code: 400,
      reason: 'BadRequest',
      message: 'the name of the object does not match the name on the URL',
    };
  for (const field of ['acquireTime', 'renewTime'] as const) {
    const v = body.spec?.[field];
    if (v !== undefined && !MICRO_TIME.test(String(v))) {
      return {
        code: 400,
        reason: 'BadRequest',
        message: `spec.${field}: parsing time "${v}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse`,
      };
    }
  }
  return undefined;
}

function status(code: number, reason: string, message: string, name?: string): unknown {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: name ? { name, group: 'coordination.k8s.io', kind: 'leases' } : undefined,
    code,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

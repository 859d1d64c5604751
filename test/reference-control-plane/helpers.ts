import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addClient } from '../../src/reference-control-plane/clients.js';
import {
  startControlPlane,
  type ControlPlaneSettings,
  type RunningControlPlane,
} from '../../src/reference-control-plane/server.js';
import { ControlPlaneAgent, type AgentSettings } from '../../src/daemon/agent/agent.js';
import type { SnapshotHeader } from '../../src/framework/engine/api.js';
import { SnapshotDb } from '../../src/snapshot/database.js';
import { writeSnapshotFile } from '../../src/snapshot/file.js';

export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `${prefix}-`));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A control plane on a free loopback port with fast poll/heartbeat pacing. */
export function startPlane(
  dataDir: string,
  over: Partial<ControlPlaneSettings> = {},
): Promise<RunningControlPlane> {
  return startControlPlane({
    listen: '127.0.0.1:0',
    dataDir,
    pollIntervalMs: 30,
    heartbeatIntervalMs: 30,
    ...over,
  });
}

export async function newClient(
  plane: RunningControlPlane,
  name = 'test',
): Promise<{ clientId: string; clientSecret: string }> {
  return addClient(plane.store, name, new Date());
}

export function agentSettings(
  address: string,
  creds: { clientId: string; clientSecret: string },
  dataDir: string,
  over: Partial<AgentSettings> = {},
): AgentSettings {
  return {
    address,
    clientId: creds.clientId,
    clientSecret: creds.clientSecret,
    tls: { mode: 'insecure' },
    hostId: 'host-a',
    dataDir,
    version: '0.0.0-test',
    retry: { initialMs: 20, maxMs: 200, helloMaxMs: 200 },
    minIntervalMs: 10,
    ...over,
  };
}

export const helloInfo = () =>
  Promise.resolve({ connectionStatus: 'connected' as const, capabilities: ['sync'], tenantId: 'tenant-1' });

export const idleHandler = () => Promise.resolve({ ok: true as const });

export function newAgent(settings: AgentSettings): ControlPlaneAgent {
  return new ControlPlaneAgent(settings);
}

/**
 * Writes a real snapshot (the control plane opens what it receives) of about `size` bytes: one
 * resource type, and `user` resources padded with random data, which compresses to what it was.
 * Returns its path, header, size and sha256 (of the whole file, as uploads are checked).
 */
export async function makeSnapshot(
  dir: string,
  syncId: string,
  size: number,
  kind: 'full' | 'incremental' = 'full',
) {
  const path = join(dir, `${syncId}.snapshot`);
  const work = join(dir, `.${syncId}.${randomBytes(4).toString('hex')}.db`);
  const db = new SnapshotDb(work);
  let resources = 0;
  try {
    db.transaction(() => {
      db.db.prepare('INSERT INTO resource_types (id, data) VALUES (?, ?)').run('user', '{"id":"user"}');
      const put = db.db.prepare(
        'INSERT INTO resources (resource_type, id, display_name, data) VALUES (?, ?, ?, ?)',
      );
      const row = 48 * 1024;
      for (let left = Math.max(size, 1); left > 0; left -= row) {
        const pad = randomBytes(Math.min(row, left)).toString('base64');
        put.run('user', `u${resources}`, `User ${resources}`, JSON.stringify({ pad }));
        resources++;
      }
    });
    const header = await writeSnapshotFile(db, path, {
      format: 'baton-entra-snapshot',
      syncId,
      tenantId: 'tenant-1',
      kind,
      startedAt: '2026-01-01T00:00:00.000Z',
      endedAt: '2026-01-01T00:01:00.000Z',
      counts: {
        resourceTypes: 1,
        resources,
        entitlements: 0,
        grants: 0,
        resourcesByType: { user: resources },
      },
      graphRequests: 1,
    });
    const bytes = (await stat(path)).size;
    return { path, header, bytes, sha256: await sha256File(path) };
  } finally {
    db.close();
    await Promise.all([work, `${work}-wal`, `${work}-shm`].map((p) => rm(p, { force: true })));
  }
}

/** Writes a file of `size` random bytes with a snapshot header object beside it (for the spool alone). */
export async function makeOpaqueFile(
  dir: string,
  syncId: string,
  size: number,
  kind: 'full' | 'incremental' = 'full',
) {
  const path = join(dir, `${syncId}.snapshot`);
  const data = randomBytes(size);
  await writeFile(path, data);
  const sha256 = createHash('sha256').update(data).digest('hex');
  const header: SnapshotHeader = {
    format: 'baton-entra-snapshot',
    formatVersion: 1,
    syncId,
    tenantId: 'tenant-1',
    kind,
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:01:00.000Z',
    counts: { resourceTypes: 1, resources: 1, entitlements: 0, grants: 0, resourcesByType: { user: 1 } },
    graphRequests: 1,
    sha256,
    bodyBytes: size,
  };
  return { path, header, sha256 };
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const b of createReadStream(path)) h.update(b as Buffer);
  return h.digest('hex');
}

/** Polls `check` until it returns a truthy value (state is observed, not slept on). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A port nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface Proxy {
  address: string;
  /** Bytes forwarded client → server per connection. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * A TCP proxy to `target` that cuts the first `cutConnections` connections once `cutAfterBytes`
 * bytes have gone client → server, like a network that drops mid-upload.
 */
export async function startCuttingProxy(
  targetPort: number,
  cutAfterBytes: number,
  cutConnections = 1,
): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const state = { cuts: 0 };
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client).add(upstream);
    const doCut = state.cuts < cutConnections;
    let forwarded = 0;
    upstream.connect(targetPort, '127.0.0.1');
    client.on('data', (buf: Buffer) => {
      forwarded += buf.length;
      if (doCut && forwarded > cutAfterBytes) {
        state.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(buf);
    });
    upstream.on('data', (buf: Buffer) => client.write(buf));
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    address: `127.0.0.1:${port}`,
    get cuts() {
      return state.cuts;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

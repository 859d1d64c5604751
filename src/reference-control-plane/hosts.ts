import type { ControlPlaneStore } from './store.js';

export interface HostHello {
  hostId: string;
  clientId: string;
  version: string;
  connectionStatus: string;
  tenantId?: string;
  capabilities: string[];
  credentialExpiresAt?: string;
  buildInfo?: unknown;
  osInfo?: unknown;
}

export interface HostRecord extends HostHello {
  firstSeenAt: string;
  lastHelloAt: string;
  lastSeenAt: string;
}

export class HostOwnershipError extends Error {}

/** Records a Hello. A host id stays bound to the client that first used it. */
export function recordHello(store: ControlPlaneStore, hello: HostHello, now: Date): void {
  const iso = now.toISOString();
  store.transaction(() => {
    const owner = store.db.prepare('SELECT client_id FROM hosts WHERE host_id = ?').get(hello.hostId) as
      { client_id: string } | undefined;
    if (owner && owner.client_id !== hello.clientId) {
      throw new HostOwnershipError(`host id ${hello.hostId} belongs to another client`);
    }
    store.db
      .prepare(
        `INSERT INTO hosts (host_id, client_id, version, connection_status, tenant_id, capabilities,
           credential_expires_at, build_info, os_info, first_seen_at, last_hello_at, last_seen_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(host_id) DO UPDATE SET version = excluded.version,
           connection_status = excluded.connection_status, tenant_id = excluded.tenant_id,
           capabilities = excluded.capabilities, credential_expires_at = excluded.credential_expires_at,
           build_info = excluded.build_info, os_info = excluded.os_info,
           last_hello_at = excluded.last_hello_at, last_seen_at = excluded.last_seen_at`,
      )
      .run(
        hello.hostId,
        hello.clientId,
        hello.version,
        hello.connectionStatus,
        hello.tenantId ?? null,
        JSON.stringify(hello.capabilities),
        hello.credentialExpiresAt ?? null,
        hello.buildInfo ? JSON.stringify(hello.buildInfo) : null,
        hello.osInfo ? JSON.stringify(hello.osInfo) : null,
        iso,
        iso,
        iso,
      );
  });
}

/** Whether `clientId` may act as `hostId` (it said hello as that host). */
export function hostBelongsTo(store: ControlPlaneStore, hostId: string, clientId: string): boolean {
  const row = store.db.prepare('SELECT client_id FROM hosts WHERE host_id = ?').get(hostId) as
    { client_id: string } | undefined;
  return row?.client_id === clientId;
}

export function touchHost(store: ControlPlaneStore, hostId: string, now: Date): void {
  store.db.prepare('UPDATE hosts SET last_seen_at = ? WHERE host_id = ?').run(now.toISOString(), hostId);
}

export function listHosts(store: ControlPlaneStore): HostRecord[] {
  const rows = store.db.prepare('SELECT * FROM hosts ORDER BY host_id').all() as Record<
    string,
    string | null
  >[];
  return rows.map((r) => ({
    hostId: r.host_id!,
    clientId: r.client_id!,
    version: r.version!,
    connectionStatus: r.connection_status!,
    capabilities: JSON.parse(r.capabilities!) as string[],
    firstSeenAt: r.first_seen_at!,
    lastHelloAt: r.last_hello_at!,
    lastSeenAt: r.last_seen_at!,
    ...(r.tenant_id ? { tenantId: r.tenant_id } : {}),
    ...(r.credential_expires_at ? { credentialExpiresAt: r.credential_expires_at } : {}),
    ...(r.build_info ? { buildInfo: JSON.parse(r.build_info) as unknown } : {}),
    ...(r.os_info ? { osInfo: JSON.parse(r.os_info) as unknown } : {}),
  }));
}

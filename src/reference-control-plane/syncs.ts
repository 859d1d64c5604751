import type { SnapshotHeader } from '../snapshot/header.js';
import type { ControlPlaneStore } from './store.js';

/** One received snapshot, as `control-plane syncs list --json` prints it. */
export interface SyncRecord {
  /** The client that uploaded it: sync ids are unique per client, not across clients. */
  clientId: string;
  host: string;
  syncId: string;
  taskId?: string;
  kind: 'full' | 'incremental';
  /** A diff snapshot: it holds only the changes since sync `baseSyncId` (its parent). */
  diff: boolean;
  baseSyncId?: string;
  bytes: number;
  sha256: string;
  path: string;
  receivedAt: string;
}

interface SyncRow {
  client_id: string;
  sync_id: string;
  host_id: string;
  task_id: string | null;
  kind: string;
  base_sync_id: string | null;
  bytes: number;
  sha256: string;
  path: string;
  header: string | null;
  received_at: string;
}

function fromRow(r: SyncRow): SyncRecord {
  return {
    clientId: r.client_id,
    host: r.host_id,
    syncId: r.sync_id,
    ...(r.task_id ? { taskId: r.task_id } : {}),
    kind: r.kind as SyncRecord['kind'],
    diff: r.base_sync_id !== null,
    ...(r.base_sync_id !== null ? { baseSyncId: r.base_sync_id } : {}),
    bytes: r.bytes,
    sha256: r.sha256,
    path: r.path,
    receivedAt: r.received_at,
  };
}

/** The client's sync of that id; another client's sync of the same id is not seen. */
export function getSync(store: ControlPlaneStore, clientId: string, syncId: string): SyncRecord | undefined {
  const row = store.db
    .prepare('SELECT * FROM syncs WHERE client_id = ? AND sync_id = ?')
    .get(clientId, syncId) as SyncRow | undefined;
  return row ? fromRow(row) : undefined;
}

/**
 * The client's sync of that id with the header recorded from its own file (verified when it was
 * stored); undefined when there is none, or a store of an older build recorded no header.
 */
export function getSyncWithHeader(
  store: ControlPlaneStore,
  clientId: string,
  syncId: string,
): { sync: SyncRecord; header: SnapshotHeader } | undefined {
  const row = store.db
    .prepare('SELECT * FROM syncs WHERE client_id = ? AND sync_id = ?')
    .get(clientId, syncId) as SyncRow | undefined;
  if (!row?.header) return undefined;
  try {
    return { sync: fromRow(row), header: JSON.parse(row.header) as SnapshotHeader };
  } catch {
    return undefined;
  }
}

/** Every client's sync of that id (sync ids are per client): for the operator's commands. */
export function syncsWithId(store: ControlPlaneStore, syncId: string): SyncRecord[] {
  return (
    store.db
      .prepare('SELECT * FROM syncs WHERE sync_id = ? ORDER BY received_at, client_id')
      .all(syncId) as unknown as SyncRow[]
  ).map(fromRow);
}

export function listSyncs(store: ControlPlaneStore): SyncRecord[] {
  return (
    store.db.prepare('SELECT * FROM syncs ORDER BY received_at, sync_id').all() as unknown as SyncRow[]
  ).map(fromRow);
}

export function recordSync(
  store: ControlPlaneStore,
  sync: Omit<SyncRecord, 'diff'>,
  header: string | undefined,
): void {
  store.db
    .prepare(
      `INSERT INTO syncs (client_id, sync_id, host_id, task_id, kind, base_sync_id, bytes, sha256, path, header, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(client_id, sync_id) DO NOTHING`,
    )
    .run(
      sync.clientId,
      sync.syncId,
      sync.host,
      sync.taskId ?? null,
      sync.kind,
      sync.baseSyncId ?? null,
      sync.bytes,
      sync.sha256,
      sync.path,
      header ?? null,
      sync.receivedAt,
    );
}

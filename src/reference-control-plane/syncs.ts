import type { ControlPlaneStore } from './store.js';

/** One received snapshot, as `control-plane syncs list --json` prints it. */
export interface SyncRecord {
  /** The client that uploaded it: sync ids are unique per client, not across clients. */
  clientId: string;
  host: string;
  syncId: string;
  taskId?: string;
  kind: 'full' | 'incremental';
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
  bytes: number;
  sha256: string;
  path: string;
  received_at: string;
}

function fromRow(r: SyncRow): SyncRecord {
  return {
    clientId: r.client_id,
    host: r.host_id,
    syncId: r.sync_id,
    ...(r.task_id ? { taskId: r.task_id } : {}),
    kind: r.kind as SyncRecord['kind'],
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

export function listSyncs(store: ControlPlaneStore): SyncRecord[] {
  return (
    store.db.prepare('SELECT * FROM syncs ORDER BY received_at, sync_id').all() as unknown as SyncRow[]
  ).map(fromRow);
}

export function recordSync(store: ControlPlaneStore, sync: SyncRecord, header: string | undefined): void {
  store.db
    .prepare(
      `INSERT INTO syncs (client_id, sync_id, host_id, task_id, kind, bytes, sha256, path, header, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(client_id, sync_id) DO NOTHING`,
    )
    .run(
      sync.clientId,
      sync.syncId,
      sync.host,
      sync.taskId ?? null,
      sync.kind,
      sync.bytes,
      sync.sha256,
      sync.path,
      header ?? null,
      sync.receivedAt,
    );
}

import type { ControlPlaneStore } from './store.js';

/** One received snapshot, as `control-plane syncs list --json` prints it. */
export interface SyncRecord {
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

export function getSync(store: ControlPlaneStore, syncId: string): SyncRecord | undefined {
  const row = store.db.prepare('SELECT * FROM syncs WHERE sync_id = ?').get(syncId) as SyncRow | undefined;
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
      `INSERT INTO syncs (sync_id, host_id, task_id, kind, bytes, sha256, path, header, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(sync_id) DO NOTHING`,
    )
    .run(
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

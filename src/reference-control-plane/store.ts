import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { immediateTransaction } from '../sqlite/transaction.js';

/**
 * The control plane's state in `<dataDir>/control-plane.db` (SQLite, WAL). The CLI and a running
 * server open the same file: a task added from the command line is seen on the next poll, with no
 * signalling between the processes. Snapshot bytes live beside it under `syncs/`.
 */
export class ControlPlaneStore {
  readonly db: DatabaseSync;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    this.db = new DatabaseSync(join(dataDir, 'control-plane.db'));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;');
    this.db.exec(SCHEMA);
    migrate(this.db);
  }

  /** Runs `fn` in one write transaction (BEGIN IMMEDIATE, so two processes never interleave). */
  transaction<T>(fn: () => T): T {
    return immediateTransaction(this.db, fn);
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

/** Received snapshots; a sync id is unique per client, and invisible to the others. */
const SYNCS_TABLE = `
CREATE TABLE IF NOT EXISTS syncs (
  client_id TEXT NOT NULL,
  sync_id TEXT NOT NULL,
  host_id TEXT NOT NULL,
  task_id TEXT,
  kind TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  path TEXT NOT NULL,
  header TEXT,
  received_at TEXT NOT NULL,
  PRIMARY KEY (client_id, sync_id)
);
`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS clients (
  client_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  public_jwk TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hosts (
  host_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  version TEXT NOT NULL,
  connection_status TEXT NOT NULL,
  tenant_id TEXT,
  capabilities TEXT NOT NULL,
  credential_expires_at TEXT,
  build_info TEXT,
  os_info TEXT,
  first_seen_at TEXT NOT NULL,
  last_hello_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  host_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  assigned_at TEXT,
  heartbeat_at TEXT,
  finished_at TEXT,
  result TEXT,
  dry_run INTEGER NOT NULL DEFAULT 0,
  approved INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS tasks_status ON tasks(status, seq);
${SYNCS_TABLE}
CREATE TABLE IF NOT EXISTS token_ids (
  client_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  forget_after INTEGER NOT NULL,
  PRIMARY KEY (client_id, jti)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS token_ids_expiry ON token_ids(forget_after);
`;

/** Columns added after a store was first created: a store written by an older build gains them. */
const ADDED_COLUMNS: [table: string, column: string, definition: string][] = [
  ['tasks', 'dry_run', 'INTEGER NOT NULL DEFAULT 0'],
  ['tasks', 'approved', 'INTEGER NOT NULL DEFAULT 0'],
  // The parent of a diff snapshot (NULL: the snapshot is whole, as every one stored before was).
  ['syncs', 'base_sync_id', 'TEXT'],
];

/**
 * Sync ids were once global (the key was sync_id alone); they are per client now. A store of that
 * time gets the new key, each sync going to the client that owns its host (every upload came from
 * a host that had said Hello, so the owner is known; a row without one gets no client and is seen
 * by none).
 */
function scopeSyncsByClient(db: DatabaseSync): void {
  const hasClient = () =>
    (db.prepare('PRAGMA table_info(syncs)').all() as { name: string }[]).some((c) => c.name === 'client_id');
  if (hasClient()) return;
  immediateTransaction(db, () => {
    if (hasClient()) return; // another process did it while this one waited
    db.exec(`
      ALTER TABLE syncs RENAME TO syncs_global_ids;
      ${SYNCS_TABLE}
      INSERT INTO syncs (client_id, sync_id, host_id, task_id, kind, bytes, sha256, path, header, received_at)
        SELECT COALESCE(h.client_id, ''), s.sync_id, s.host_id, s.task_id, s.kind, s.bytes, s.sha256,
               s.path, s.header, s.received_at
        FROM syncs_global_ids s LEFT JOIN hosts h ON h.host_id = s.host_id;
      DROP TABLE syncs_global_ids;
    `);
  });
}

function migrate(db: DatabaseSync): void {
  scopeSyncsByClient(db);
  for (const [table, column, definition] of ADDED_COLUMNS) {
    const cols = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === column))
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  }
}

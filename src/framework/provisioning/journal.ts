import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { immediateTransaction } from '../../sqlite/transaction.js';
import type { JsonObject } from '../types.js';
import type { OperationResult } from '../capabilities.js';
import type { ProvisionRequest } from './requests.js';

/**
 * Where an operation stands. `intent` is written before the first write to the directory, so a
 * crash between the change and its acknowledgement is seen on the retry; `done` holds the outcome
 * that every retry of the same task id returns; `held` waits for an approval.
 */
export type JournalState = 'intent' | 'done' | 'held' | 'failed';

export interface JournalEntry {
  taskId: string;
  request: ProvisionRequest;
  state: JournalState;
  /** Whether the operation takes access away (it counts against the deletion guard). */
  destructive: boolean;
  /** The entitlement a grant or revoke concerns, for the guard's per-entitlement share. */
  entitlementId?: string;
  dryRun: boolean;
  createdAt: number;
  updatedAt: number;
  result?: OperationResult;
  /** Facts an operation keeps across a retry (a sealed password — never a plain one). */
  memo?: JsonObject;
  error?: { code: string; message: string };
}

interface Row {
  task_id: string;
  request: string;
  state: string;
  destructive: number;
  entitlement_id: string | null;
  dry_run: number;
  created_at: number;
  updated_at: number;
  result: string | null;
  memo: string | null;
  error: string | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS operations (
  task_id TEXT PRIMARY KEY, request TEXT NOT NULL, state TEXT NOT NULL, destructive INTEGER NOT NULL,
  entitlement_id TEXT, dry_run INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  result TEXT, memo TEXT, error TEXT) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS operations_destructive ON operations (destructive, state, updated_at);
-- The holder count an entitlement had when the guard first saw it in a window: the 20 % share is of
-- the holders before the revokes began, not of those left after each one.
CREATE TABLE IF NOT EXISTS guard_baselines (
  entitlement_id TEXT PRIMARY KEY, holders INTEGER NOT NULL, seen_at INTEGER NOT NULL) WITHOUT ROWID;
`;

/**
 * The provisioning journal: one SQLite file in the data directory (`provisioning.db`), written in
 * WAL mode with synchronous=FULL so that an entry survives a power cut once a call returns.
 */
export class ProvisioningJournal {
  private readonly db: DatabaseSync;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new DatabaseSync(path);
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
    this.db.exec(SCHEMA);
  }

  /** Runs `fn` under the database's write lock, so that a check and the entry it allows are one step. */
  transaction<T>(fn: () => T): T {
    return immediateTransaction(this.db, fn);
  }

  get(taskId: string): JournalEntry | undefined {
    const row = this.db.prepare('SELECT * FROM operations WHERE task_id = ?').get(taskId) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** Records (or re-records) an entry in full. */
  put(e: JournalEntry): void {
    this.db
      .prepare(
        `INSERT INTO operations (task_id, request, state, destructive, entitlement_id, dry_run, created_at,
           updated_at, result, memo, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (task_id) DO UPDATE SET request = excluded.request, state = excluded.state,
           destructive = excluded.destructive, entitlement_id = excluded.entitlement_id,
           dry_run = excluded.dry_run, updated_at = excluded.updated_at, result = excluded.result,
           memo = excluded.memo, error = excluded.error`,
      )
      .run(
        e.taskId,
        JSON.stringify(e.request),
        e.state,
        e.destructive ? 1 : 0,
        e.entitlementId ?? null,
        e.dryRun ? 1 : 0,
        e.createdAt,
        e.updatedAt,
        e.result ? JSON.stringify(e.result) : null,
        e.memo ? JSON.stringify(e.memo) : null,
        e.error ? JSON.stringify(e.error) : null,
      );
  }

  /** Destructive operations carried out (or under way) since `since` — what the guard counts. */
  destructiveSince(since: number, entitlementId?: string): number {
    const sql = `SELECT count(*) AS n FROM operations WHERE destructive = 1 AND dry_run = 0
      AND state IN ('intent', 'done') AND updated_at >= ?${entitlementId ? ' AND entitlement_id = ?' : ''}`;
    const args: (string | number)[] = entitlementId ? [since, entitlementId] : [since];
    return (this.db.prepare(sql).get(...args) as { n: number }).n;
  }

  /** The holder count first seen for an entitlement at or after `since`, recording `holders` if none. */
  baseline(entitlementId: string, holders: number, since: number, now: number): number {
    const row = this.db
      .prepare('SELECT holders, seen_at FROM guard_baselines WHERE entitlement_id = ?')
      .get(entitlementId) as { holders: number; seen_at: number } | undefined;
    if (row && row.seen_at >= since) return row.holders;
    this.db
      .prepare(
        `INSERT INTO guard_baselines (entitlement_id, holders, seen_at) VALUES (?, ?, ?)
         ON CONFLICT (entitlement_id) DO UPDATE SET holders = excluded.holders, seen_at = excluded.seen_at`,
      )
      .run(entitlementId, holders, now);
    return holders;
  }

  list(state?: JournalState): JournalEntry[] {
    const rows = (state
      ? this.db.prepare('SELECT * FROM operations WHERE state = ? ORDER BY created_at').all(state)
      : this.db.prepare('SELECT * FROM operations ORDER BY created_at').all()) as unknown as Row[];
    return rows.map(fromRow);
  }

  close(): void {
    this.db.close();
  }
}

function fromRow(r: Row): JournalEntry {
  return {
    taskId: r.task_id,
    request: JSON.parse(r.request) as ProvisionRequest,
    state: r.state as JournalState,
    destructive: r.destructive === 1,
    ...(r.entitlement_id ? { entitlementId: r.entitlement_id } : {}),
    dryRun: r.dry_run === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    ...(r.result ? { result: JSON.parse(r.result) as OperationResult } : {}),
    ...(r.memo ? { memo: JSON.parse(r.memo) as JsonObject } : {}),
    ...(r.error ? { error: JSON.parse(r.error) as { code: string; message: string } } : {}),
  };
}

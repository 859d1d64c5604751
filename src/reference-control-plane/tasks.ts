import { randomBytes } from 'node:crypto';
import type { ControlPlaneStore } from './store.js';
import { isProvisioningKind, normalisePayload, type TaskKind } from './task-kinds.js';

export type TaskStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TaskRecord {
  id: string;
  kind: TaskKind;
  payload: Record<string, unknown>;
  status: TaskStatus;
  hostId?: string;
  attempts: number;
  cancelRequested: boolean;
  createdAt: string;
  assignedAt?: string;
  heartbeatAt?: string;
  finishedAt?: string;
  result?: TaskOutcome;
  /** Provisioning kinds: plan only. */
  dryRun: boolean;
  /** Provisioning kinds: approved after the daemon's deletion guard held it. */
  approved: boolean;
}

export type TaskOutcome =
  | { ok: true; response?: Record<string, unknown> }
  | { ok: false; code: number; message: string; retryable: boolean };

interface TaskRow {
  id: string;
  kind: string;
  payload: string;
  status: string;
  host_id: string | null;
  attempts: number;
  cancel_requested: number;
  created_at: string;
  assigned_at: string | null;
  heartbeat_at: string | null;
  finished_at: string | null;
  result: string | null;
  dry_run: number;
  approved: number;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** 27 alphanumerics like Baton's KSUIDs: a time prefix (sortable) and random bits. */
export function newTaskId(now: Date): string {
  let t = BigInt(Math.floor(now.getTime() / 1000));
  let prefix = '';
  for (let i = 0; i < 7; i++) {
    prefix = BASE62[Number(t % 62n)]! + prefix;
    t /= 62n;
  }
  const rnd = randomBytes(20);
  let tail = '';
  for (let i = 0; i < 20; i++) tail += BASE62[rnd[i]! % 62];
  return prefix + tail;
}

function fromRow(r: TaskRow): TaskRecord {
  return {
    id: r.id,
    kind: r.kind as TaskKind,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    status: r.status as TaskStatus,
    attempts: r.attempts,
    cancelRequested: r.cancel_requested === 1,
    createdAt: r.created_at,
    dryRun: r.dry_run === 1,
    approved: r.approved === 1,
    ...(r.host_id ? { hostId: r.host_id } : {}),
    ...(r.assigned_at ? { assignedAt: r.assigned_at } : {}),
    ...(r.heartbeat_at ? { heartbeatAt: r.heartbeat_at } : {}),
    ...(r.finished_at ? { finishedAt: r.finished_at } : {}),
    ...(r.result ? { result: JSON.parse(r.result) as TaskOutcome } : {}),
  };
}

export function addTask(
  store: ControlPlaneStore,
  kind: TaskKind,
  payload: unknown,
  now: Date,
  options: { dryRun?: boolean } = {},
): TaskRecord {
  const normalised = normalisePayload(kind, payload);
  if (options.dryRun && !isProvisioningKind(kind)) {
    throw new Error(`--dry-run applies to provisioning tasks, not ${kind}`);
  }
  const id = newTaskId(now);
  store.db
    .prepare(
      "INSERT INTO tasks (id, kind, payload, status, created_at, dry_run) VALUES (?, ?, ?, 'pending', ?, ?)",
    )
    .run(id, kind, JSON.stringify(normalised), now.toISOString(), options.dryRun ? 1 : 0);
  return getTask(store, id)!;
}

/** Whether a finished task's outcome says the daemon's deletion guard held it. */
export function isHeld(t: TaskRecord): boolean {
  return t.status === 'succeeded' && t.result?.ok === true && t.result.response?.['outcome'] === 'held';
}

/**
 * Approves a task the deletion guard held: it goes back to the queue marked approved, and the
 * daemon that journalled it runs it (the same task id, so its journal entry is found again).
 */
export function approveTask(store: ControlPlaneStore, id: string): TaskRecord {
  return store.transaction(() => {
    const t = getTask(store, id);
    if (!t) throw new Error(`task ${id} does not exist`);
    if (!isHeld(t)) {
      throw new Error(
        `task ${id} is ${t.status}${t.result?.ok ? ` (outcome ${String(t.result.response?.['outcome'] ?? 'applied')})` : ''}, not held by the deletion guard: there is nothing to approve`,
      );
    }
    store.db
      .prepare(
        "UPDATE tasks SET status = 'pending', approved = 1, finished_at = NULL, result = NULL, host_id = NULL WHERE id = ?",
      )
      .run(id);
    return getTask(store, id)!;
  });
}

export function getTask(store: ControlPlaneStore, id: string): TaskRecord | undefined {
  const row = store.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
  return row ? fromRow(row) : undefined;
}

export function listTasks(store: ControlPlaneStore): TaskRecord[] {
  return (store.db.prepare('SELECT * FROM tasks ORDER BY seq').all() as unknown as TaskRow[]).map(fromRow);
}

/**
 * Hands out up to `limit` tasks to `hostId`: its own running tasks it no longer knows about (it
 * restarted), tasks whose host went silent for `leaseMs`, then pending ones, oldest first. Each task
 * belongs to one host at a time.
 */
export function claimTasks(
  store: ControlPlaneStore,
  hostId: string,
  knownIds: string[],
  limit: number,
  leaseMs: number,
  now: Date,
): TaskRecord[] {
  const iso = now.toISOString();
  const staleBefore = new Date(now.getTime() - leaseMs).toISOString();
  return store.transaction(() => {
    const rows = store.db
      .prepare(
        `SELECT * FROM tasks WHERE cancel_requested = 0 AND (status = 'pending'
           OR (status = 'running' AND host_id = ?)
           OR (status = 'running' AND heartbeat_at < ?)) ORDER BY seq`,
      )
      .all(hostId, staleBefore) as unknown as TaskRow[];
    const known = new Set(knownIds);
    const picked = rows.filter((r) => !known.has(r.id)).slice(0, limit);
    const update = store.db.prepare(
      "UPDATE tasks SET status = 'running', host_id = ?, assigned_at = ?, heartbeat_at = ?, attempts = attempts + 1 WHERE id = ?",
    );
    for (const r of picked) update.run(hostId, iso, iso, r.id);
    return picked.map((r) => getTask(store, r.id)!);
  });
}

/** Records a heartbeat; returns the ids among `taskIds` the control plane wants cancelled. */
export function heartbeatTasks(
  store: ControlPlaneStore,
  hostId: string,
  taskIds: string[],
  now: Date,
): string[] {
  const cancelled: string[] = [];
  store.transaction(() => {
    const get = store.db.prepare('SELECT status, host_id, cancel_requested FROM tasks WHERE id = ?');
    const touch = store.db.prepare('UPDATE tasks SET heartbeat_at = ? WHERE id = ?');
    for (const id of taskIds) {
      const row = get.get(id) as
        { status: string; host_id: string | null; cancel_requested: number } | undefined;
      // A task that is gone, finished, or now belongs to another host must stop here too.
      if (!row || row.cancel_requested || row.status !== 'running' || row.host_id !== hostId)
        cancelled.push(id);
      else touch.run(now.toISOString(), id);
    }
  });
  return cancelled;
}

/** What became of a FinishTask: recorded (or already recorded), no such task, or not this host's. */
export type FinishResult = 'recorded' | 'unknown' | 'not-held';

/**
 * Records a task's outcome, from the host that holds it only: a task still pending, running on
 * another host (its lease passed to it), or finished by another host is left as it is. Idempotent
 * for the holder: a repeated FinishTask (the daemon retries until it hears back) changes nothing.
 */
export function finishTask(
  store: ControlPlaneStore,
  hostId: string,
  id: string,
  outcome: TaskOutcome,
  now: Date,
): FinishResult {
  return store.transaction(() => {
    const task = getTask(store, id);
    if (!task) return 'unknown';
    if (task.finishedAt) return task.hostId === hostId ? 'recorded' : 'not-held';
    if (task.status !== 'running' || task.hostId !== hostId) return 'not-held';
    const status: TaskStatus = outcome.ok ? 'succeeded' : task.cancelRequested ? 'cancelled' : 'failed';
    store.db
      .prepare('UPDATE tasks SET status = ?, finished_at = ?, result = ? WHERE id = ?')
      .run(status, now.toISOString(), JSON.stringify(outcome), id);
    return 'recorded';
  });
}

/**
 * Asks for a task to stop. A pending task is cancelled at once; a running one learns it on its next
 * heartbeat and is marked cancelled when its host reports back. Returns the new record.
 */
export function cancelTask(store: ControlPlaneStore, id: string, now: Date): TaskRecord | undefined {
  return store.transaction(() => {
    const task = getTask(store, id);
    if (!task) return undefined;
    if (task.status === 'pending') {
      store.db
        .prepare("UPDATE tasks SET status = 'cancelled', cancel_requested = 1, finished_at = ? WHERE id = ?")
        .run(now.toISOString(), id);
    } else if (task.status === 'running') {
      store.db.prepare('UPDATE tasks SET cancel_requested = 1 WHERE id = ?').run(id);
    }
    return getTask(store, id);
  });
}

/**
 * Worker thread that writes a sync's output rows into the working database over its own
 * connection, while the main thread derives the next rows from the source store. WAL mode lets
 * that thread read the database as this one writes; it writes nothing itself meanwhile, so the
 * write lock is never contended. Each batch commits in one transaction, acknowledged by its number;
 * the first failure is reported with its message and ends the worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatabaseSync } from 'node:sqlite';
import { batchInserter, queryInserter, unsealed, type RowBatch } from './output-rows.js';
import { unknownPrincipalCounts, type GrantRange } from './principal-check.js';
import { immediateTransaction } from '../sqlite/transaction.js';

export interface OutputWorkerData {
  path: string;
  /** The main connection writes unsynced (SnapshotDb.writeUnsynced): so does this one. */
  unsynced?: boolean;
}

/** A syncer's grants query for the resources in (after, upTo] (see GrantsQuery). */
export interface GrantsSlice {
  select: string;
  after: string;
  upTo: string;
}

export type ToWorker =
  | { seq: number; batch: RowBatch }
  | { seq: number; grants: GrantsSlice }
  | { seq: number; unknown: GrantRange }
  | { close: true };
export type FromWorker =
  | { ready: true }
  | { seq: number; rows?: number; unknown?: [string, number][] }
  | { closed: true }
  | { error: string };

const port = parentPort!;
const { path, unsynced } = workerData as OutputWorkerData;

let db: DatabaseSync | undefined;
try {
  db = new DatabaseSync(path);
  // Per connection, as the main connection sets them (database.ts): no fsync per commit, sorts
  // spilled to disk. Rows arrive in key order (resources by id, grants by entitlement), so a small
  // page cache does: at the main connection's 16 MiB the sync's peak RSS rose with it.
  db.exec(
    `PRAGMA synchronous = ${unsynced ? 'OFF' : 'NORMAL'}; PRAGMA cache_size = -2048; PRAGMA temp_store = FILE;`,
  );
  // The main thread reads meanwhile, which never blocks a WAL writer; a checkpoint it runs could.
  db.exec('PRAGMA busy_timeout = 10000;');
  const write = batchInserter(db);
  const insertQuery = queryInserter(db);
  port.on('message', (m: ToWorker) => {
    try {
      if ('close' in m) {
        db!.close();
        port.postMessage({ closed: true } satisfies FromWorker);
        port.close();
        return;
      }
      if ('unknown' in m) {
        port.postMessage({
          seq: m.seq,
          unknown: unknownPrincipalCounts(db!, m.unknown),
        } satisfies FromWorker);
        return;
      }
      if ('grants' in m) {
        const { select, after, upTo } = m.grants;
        const rows = immediateTransaction(db!, () => insertQuery(select, after, upTo));
        port.postMessage({ seq: m.seq, rows } satisfies FromWorker);
        return;
      }
      immediateTransaction(db!, () => write(unsealed(m.batch)));
      port.postMessage({ seq: m.seq } satisfies FromWorker);
    } catch (err) {
      fail(err);
    }
  });
  port.postMessage({ ready: true } satisfies FromWorker);
} catch (err) {
  fail(err);
}

function fail(err: unknown): void {
  port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  if (db?.isOpen) db.close();
  port.close();
}

/**
 * Worker thread that makes a compacted copy of a database (`VACUUM INTO`) over its own
 * connection, so that the thread that asked for it goes on meanwhile: in WAL mode the copy reads
 * the database as last committed, whatever that thread reads or writes after. Reports `done` or
 * the database's error message, then ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DatabaseSync } from 'node:sqlite';

export interface CopyWorkerData {
  path: string;
  into: string;
}

export type FromCopyWorker = { done: true } | { error: string };

const port = parentPort!;
const { path, into } = workerData as CopyWorkerData;

let db: DatabaseSync | undefined;
try {
  db = new DatabaseSync(path, { readOnly: true });
  // VACUUM INTO's memory grows with the source's page cache (the copy and its index sorts take
  // the same budget): at 16 MiB it added ~80 MiB to the peak RSS of a large tenant's sync, at
  // 2 MiB ~10 MiB, and the copy was no slower (it reads and writes in order).
  db.exec('PRAGMA cache_size = -2048; PRAGMA temp_store = FILE;');
  // VACUUM INTO writes its output with the synchronous setting of the schema it copies
  // (sqlite3RunVacuum, https://sqlite.org/src/file/src/vacuum.c: "the pager-flags are set to the
  // same values as they are for the database being vacuumed"). The copy is scratch, compressed into
  // the snapshot (which is synced) and removed: syncing it too took 0.2-0.6 s of a large copy.
  db.exec('PRAGMA synchronous = OFF;');
  db.exec(`VACUUM INTO '${into.replaceAll("'", "''")}'`);
  db.close();
  port.postMessage({ done: true } satisfies FromCopyWorker);
} catch (err) {
  if (db?.isOpen) db.close();
  port.postMessage({ error: err instanceof Error ? err.message : String(err) } satisfies FromCopyWorker);
}
port.close();

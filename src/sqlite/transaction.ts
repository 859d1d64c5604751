import type { DatabaseSync } from 'node:sqlite';

/**
 * Runs `fn` in one write transaction, committed if it returns and rolled back if it throws.
 * BEGIN IMMEDIATE takes the write lock up front, so two writers (two processes on the control
 * plane's database, or a page and its checkpoint) never interleave.
 */
export function immediateTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const out = fn();
    db.exec('COMMIT');
    return out;
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}

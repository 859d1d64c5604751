/**
 * One sync in its own process, which kills itself with SIGKILL at its Nth checkpoint write: just
 * before the write (inside its page's transaction, so the page is lost with it) or just after the
 * transaction holding it commits. Config from BATON_* variables, the engine's clock from CHAOS_NOW
 * (ms, as the simulator's); argv: OUTFILE KILL_AT before|after (KILL_AT 0: never). Exits 0 when
 * the sync finished first.
 *
 * The kill point is found by wrapping the working database's own methods in this process only:
 * what runs, and what the kill interrupts, is the shipped code.
 */
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import { SnapshotDb } from '../../src/snapshot/database.js';

const [outFile, killAtArg, when] = process.argv.slice(2);
if (!outFile || killAtArg === undefined || (when !== 'before' && when !== 'after'))
  throw new Error('usage: sync-child.ts OUTFILE KILL_AT before|after');
const killAt = Number(killAtArg);

let writes = 0;
let depth = 0;
let armed = false;
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const save = SnapshotDb.prototype.saveCheckpoint;
SnapshotDb.prototype.saveCheckpoint = function (this: SnapshotDb, c) {
  if (++writes === killAt && when === 'before') die();
  save.call(this, c);
  if (writes === killAt) {
    if (depth === 0) die();
    armed = true;
  }
};
const transaction = SnapshotDb.prototype.transaction;
SnapshotDb.prototype.transaction = function <T>(this: SnapshotDb, fn: () => T): T {
  depth++;
  try {
    return transaction.call(this, fn) as T;
  } finally {
    depth--;
    // Committed (or rolled back by a throw, which then propagates): the write is on disk or not.
    if (armed && depth === 0) die();
  }
};

const now = Number(process.env.CHAOS_NOW ?? Date.now());
await runSync({ config: loadConfig(process.env), outFile, now: () => now });
process.stdout.write(`${JSON.stringify({ writes })}\n`);

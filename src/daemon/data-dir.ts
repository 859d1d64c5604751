import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/source.js';

/**
 * Checks at start that BATON_DATA_DIR can hold the daemon's files: creates it if missing, then
 * writes and removes a probe file. A directory that cannot be written (a read-only mount, a path
 * under /proc) stops the daemon at once, naming the setting, instead of failing every sync later.
 */
export function ensureWritableDataDir(dir: string): void {
  const probe = join(dir, `.write-probe-${process.pid}`);
  try {
    makeDirectory(dir);
    writeFileSync(probe, '', { flag: 'w' });
    rmSync(probe, { force: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError([
      `BATON_DATA_DIR: cannot create or write ${dir} (${code}); expected a directory this process can create and write`,
    ]);
  }
}

/**
 * `mkdir -p`, one level at a time. Node's own recursive mkdir never returns for a path such as
 * /proc/x, where the parent exists yet creating the child answers ENOENT: it retries the parent and
 * the child in a loop that blocks the event loop (and so SIGTERM).
 */
function makeDirectory(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirectory(parent);
    // The parent exists now; a second ENOENT is final.
    mkdirSync(dir);
  }
}

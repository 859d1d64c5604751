import { open, readFile, rm } from 'node:fs/promises';
import { SyncOptionError } from './errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Locks this process holds (a lock file naming our own pid may be a leftover of a previous
 * process that had the same pid — pid 1 in a container — and is then stale). */
const held = new Set<string>();

/**
 * An exclusive lock on a sync's working database, so that two syncs into the same file never
 * interleave their checkpoints. A lock left by a process that no longer runs is taken over.
 */
export async function acquireLock(path: string): Promise<() => Promise<void>> {
  if (held.has(path))
    throw new SyncOptionError(
      'stateDir',
      `another sync in this process is writing ${path.replace(/\.lock$/, '')}`,
    );
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      held.add(path);
      return async () => {
        held.delete(path);
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new SyncOptionError(
          'stateDir',
          `another sync (pid ${pid}) is writing ${path.replace(/\.lock$/, '')}`,
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new SyncOptionError('stateDir', `cannot take the lock ${path}`);
}

import { randomBytes } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Temp files a snapshot write leaves beside its output while it runs:
 * `.<output name>.<pid>.<8 hex>.{db,zst,tmp}`, and SQLite's `-journal`/`-wal`/`-shm` beside the
 * `.db` copy. A process killed mid-write (SIGKILL, OOM, power loss) leaves them behind; the next
 * write to the same output removes them.
 */
// `.zst` is no longer written (the body goes straight into the `.tmp` file); a write of an
// earlier build may have left one, which is still cleaned up.
const SUFFIXES = ['.db', '.zst', '.tmp'] as const;
type Suffix = (typeof SUFFIXES)[number];

/** Names of this process's writes in progress: the only temp files of our pid that are not stale. */
const ours = new Set<string>();

/** A path of `suffix` beside `target`, named as {@link removeStaleTemps} recognises it. */
export function tempName(target: string, suffix: Suffix): string {
  const path = join(
    dirname(target),
    `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}${suffix}`,
  );
  ours.add(basename(path));
  return path;
}

/** Marks a write's temp files as finished (removed or renamed): from now on they count as stale. */
export function releaseTempName(path: string): void {
  ours.delete(basename(path));
}

/**
 * A temp file this old is stale whoever's pid it carries: a pid lives on in another process after
 * a restart (in a container the daemon is pid 1 every time), and no write takes a day.
 */
export const STALE_AFTER_MS = 24 * 3_600_000;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp files earlier writes to `outFile` left behind: only names of exactly our
 * pattern for this output, and only when the process that made them is gone: our own pid but not
 * a write of ours in progress, or another pid that is not running or whose files are older than
 * {@link STALE_AFTER_MS}. Returns the names removed.
 */
export async function removeStaleTemps(outFile: string, now: number = Date.now()): Promise<string[]> {
  const dir = dirname(outFile);
  const pattern = new RegExp(
    `^\\.${escape(basename(outFile))}\\.(\\d+)\\.[0-9a-f]{8}(${SUFFIXES.map(escape).join('|')})(-journal|-wal|-shm)?$`,
  );
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = pattern.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    const owner = name.slice(0, name.length - (m[3]?.length ?? 0));
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    if (pid === process.pid) {
      if (ours.has(owner)) continue;
    } else if (isAlive(pid) && now - info.mtimeMs <= STALE_AFTER_MS) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed.sort();
}

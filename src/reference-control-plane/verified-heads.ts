import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** Databases kept per client: a client's hosts each keep a chain of their own, the leader's mostly. */
const KEEP_PER_CLIENT = 2;

/**
 * The databases of the syncs a client uploaded last, as verification left them, in
 * `<dataDir>/verified/<client key>/<sync id>.db`: the next diff of one of them is checked by
 * applying it to that database (the changes alone are read) rather than by rebuilding its whole
 * chain. A database is taken (renamed aside) while a diff is applied to it, so two uploads never
 * apply to the same one; whatever goes wrong, the caller discards it and the chain is rebuilt.
 */
export class VerifiedHeads {
  private readonly dir: string;

  constructor(dataDir: string, clientId: string) {
    const key = createHash('sha256').update(clientId).digest('hex').slice(0, 16);
    this.dir = join(dataDir, 'verified', key);
  }

  /** A fresh path in this client's directory, for a database being built. */
  async scratch(): Promise<string> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return join(this.dir, `.${randomBytes(6).toString('hex')}.work.db`);
  }

  /** Takes the database of sync `syncId` for the caller alone, or undefined when none is kept. */
  async take(syncId: string): Promise<string | undefined> {
    const claimed = await this.scratch();
    try {
      await rename(join(this.dir, `${syncId}.db`), claimed);
      return claimed;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /**
   * Keeps `path` as the database of sync `syncId`; of the others, the newest `KEEP_PER_CLIENT - 1`
   * stay, and work files left by an interrupted verification go.
   */
  async keep(syncId: string, path: string): Promise<void> {
    await rename(path, join(this.dir, `${syncId}.db`));
    const names = await readdir(this.dir);
    const kept: { name: string; at: number }[] = [];
    for (const name of names) {
      const st = await stat(join(this.dir, name)).catch(() => undefined);
      if (!st) continue;
      if (name.startsWith('.')) {
        // Another verification's work in progress is fresh; one an hour old was interrupted.
        if (Date.now() - st.mtimeMs > 3_600_000) await rm(join(this.dir, name), { force: true });
      } else if (name !== `${syncId}.db`) kept.push({ name, at: st.mtimeMs });
    }
    kept.sort((a, b) => b.at - a.at);
    for (const { name } of kept.slice(KEEP_PER_CLIENT - 1)) await rm(join(this.dir, name), { force: true });
  }
}

import { mkdir, readdir, rm, rename, link, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SyncKind } from '../framework/engine/api.js';

/**
 * The daemon's local snapshot directory: each sync writes `<syncStamp>.snapshot`; `latest.snapshot`
 * is a hard link to the newest complete one (the base of the next incremental sync). Older files
 * beyond `keep` are removed; the spool (owned by the agent) holds what still awaits upload.
 */
export class LocalSnapshots {
  readonly dir: string;
  readonly stateDir: string;

  constructor(
    dataDir: string,
    private readonly keep: number,
  ) {
    this.dir = join(dataDir, 'snapshots');
    this.stateDir = join(dataDir, 'state');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await mkdir(this.stateDir, { recursive: true });
  }

  get latest(): string {
    return join(this.dir, 'latest.snapshot');
  }

  /** A fresh path for the next sync's output, sortable by time. */
  nextPath(now: number, kind: SyncKind): string {
    const stamp = new Date(now)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return join(this.dir, `${stamp}-${kind}.snapshot`);
  }

  async hasLatest(): Promise<boolean> {
    try {
      await stat(this.latest);
      return true;
    } catch {
      return false;
    }
  }

  /** Points `latest.snapshot` at `file` atomically (link to a temp name, then rename over). */
  async promote(file: string): Promise<void> {
    const tmp = `${this.latest}.tmp-${process.pid}`;
    await rm(tmp, { force: true });
    await link(file, tmp);
    await rename(tmp, this.latest);
  }

  /** Removes all but the newest `keep` sync files (latest.snapshot is a separate link and stays). */
  async prune(): Promise<void> {
    const files = (await readdir(this.dir))
      .filter((f) => /^\d{8}T\d{6}Z-(full|incremental)\.snapshot$/.test(f))
      .sort();
    for (const f of files.slice(0, Math.max(0, files.length - this.keep))) {
      await rm(join(this.dir, f), { force: true });
    }
  }
}

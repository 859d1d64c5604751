import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../observability/logger.js';
import type { SnapshotHeader } from '../../framework/engine/api.js';
import { syncDir, writeFileAtomic } from './atomic.js';

/** What the spool knows about one snapshot waiting for upload (the JSON sidecar). */
export interface SpoolEntry {
  /** Sortable name shared by the snapshot file and its sidecar. */
  name: string;
  syncId: string;
  kind: 'full' | 'incremental';
  taskId?: string;
  /** Size and hex SHA-256 of the whole file. */
  bytes: number;
  sha256: string;
  header: SnapshotHeader;
  spooledAt: string;
}

export interface SpoolLimits {
  maxBytes: number;
  maxFiles: number;
}

const SYNC_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Snapshots waiting for the control plane, in `<dataDir>/spool`: `<name>.snapshot` plus a
 * `<name>.json` sidecar. An entry counts only when both exist with the recorded size: the sidecar is
 * written (atomically) before the snapshot is renamed in, and removed first on delivery, so a crash
 * at any step leaves a whole entry, or a leftover the next start deletes while the snapshot is still
 * with the caller (or already delivered). Entries are delivered oldest first.
 */
export class Spool {
  readonly dir: string;
  private entries: SpoolEntry[] = [];
  private seq = 0;
  /** The entry being uploaded; never evicted. */
  busy?: string;

  constructor(
    dataDir: string,
    private readonly limits: SpoolLimits,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.dir = join(dataDir, 'spool');
  }

  /** Loads the entries a previous run left behind and removes half-written ones. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const files = await readdir(this.dir);
    const entries: SpoolEntry[] = [];
    for (const f of files.filter((n) => n.endsWith('.json'))) {
      try {
        const e = JSON.parse(await readFile(join(this.dir, f), 'utf8')) as SpoolEntry;
        const size = (await stat(this.file(e))).size;
        if (size !== e.bytes) throw new Error(`size ${size}, expected ${e.bytes}`);
        entries.push(e);
      } catch (err) {
        this.logger.warn({ file: f, err: (err as Error).message }, 'dropping an unreadable spool entry');
        await rm(join(this.dir, f), { force: true });
      }
    }
    const keep = new Set(entries.map((e) => e.name));
    for (const f of files) {
      const name = f.replace(/\.(snapshot|json)$/, '');
      if (f.startsWith('.') || !keep.has(name)) await rm(join(this.dir, f), { force: true });
    }
    this.entries = entries.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Moves `file` into the spool (rename, or copy when on another filesystem). */
  async add(file: string, header: SnapshotHeader, taskId?: string): Promise<SpoolEntry> {
    if (!SYNC_ID.test(header.syncId))
      throw new Error(`header.syncId "${header.syncId}" must be 1–128 of A-Z a-z 0-9 . _ : -`);
    if (header.kind !== 'full' && header.kind !== 'incremental')
      throw new Error('header.kind must be full or incremental');
    const { bytes, sha256 } = await digest(file);
    const existing = this.entries.find((e) => e.syncId === header.syncId);
    if (existing) {
      if (existing.sha256 !== sha256)
        throw new Error(`sync ${header.syncId} is already spooled with other content`);
      await rm(file, { force: true });
      return existing;
    }
    const name = `${String(this.now()).padStart(15, '0')}-${String(this.seq++ % 10000).padStart(4, '0')}-${header.syncId}`;
    const entry: SpoolEntry = {
      name,
      syncId: header.syncId,
      kind: header.kind,
      bytes,
      sha256,
      header,
      spooledAt: new Date(this.now()).toISOString(),
      ...(taskId ? { taskId } : {}),
    };
    // Sidecar first: a crash before the rename leaves a sidecar without its file (dropped on the
    // next open) and the caller's file untouched; after the rename the entry is whole.
    const sidecar = join(this.dir, `${name}.json`);
    await writeFileAtomic(sidecar, JSON.stringify(entry));
    try {
      await moveFile(file, this.file(entry));
    } catch (err) {
      await rm(sidecar, { force: true });
      throw err;
    }
    this.entries.push(entry);
    await this.enforceLimits();
    return entry;
  }

  /** The oldest entry, i.e. the next to upload. */
  next(): SpoolEntry | undefined {
    return this.entries[0];
  }

  file(e: SpoolEntry): string {
    return join(this.dir, `${e.name}.snapshot`);
  }

  depth(): number {
    return this.entries.length;
  }

  bytes(): number {
    return this.entries.reduce((n, e) => n + e.bytes, 0);
  }

  /** Deletes a delivered (or rejected) entry: sidecar first, so a crash leaves only an orphan. */
  async remove(e: SpoolEntry): Promise<void> {
    await rm(join(this.dir, `${e.name}.json`), { force: true });
    await rm(this.file(e), { force: true });
    this.entries = this.entries.filter((x) => x.name !== e.name);
  }

  /**
   * Over the limits, drops the oldest incremental snapshots first, then the oldest full ones, and
   * always keeps the newest full snapshot and the one being uploaded.
   */
  private async enforceLimits(): Promise<void> {
    while (this.entries.length > this.limits.maxFiles || this.bytes() > this.limits.maxBytes) {
      const newestFull = this.entries.findLast((e) => e.kind === 'full');
      const candidates = this.entries.filter((e) => e !== newestFull && e.name !== this.busy);
      const victim = candidates.find((e) => e.kind === 'incremental') ?? candidates[0];
      if (!victim) return;
      this.logger.warn(
        {
          syncId: victim.syncId,
          kind: victim.kind,
          bytes: victim.bytes,
          spoolBytes: this.bytes(),
          spoolFiles: this.entries.length,
        },
        'spool over its limit: dropping an undelivered snapshot',
      );
      await this.remove(victim);
    }
  }
}

async function digest(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const buf of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(buf as Buffer);
    bytes += (buf as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${to}.tmp`;
    await copyFile(from, tmp);
    const fh = await open(tmp, 'r+');
    await fh.sync();
    await fh.close();
    await rename(tmp, to);
    await rm(from, { force: true });
  }
  const fh = await open(to, 'r');
  await fh.sync();
  await fh.close();
  await syncDir(join(to, '..'));
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../observability/logger.js';
import type { SnapshotHeader } from '../../framework/engine/api.js';
import { isDiff } from '../../snapshot/header.js';
import { syncDir } from '../../fs/sync-dir.js';
import { writeFileAtomic } from './atomic.js';

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

/** Where the spool of data directory `dataDir` is. */
export function spoolDir(dataDir: string): string {
  return join(dataDir, 'spool');
}

/** The snapshot files in the spool of `dataDir` (none when it does not exist), read from disk. */
export async function spooledFiles(dataDir: string): Promise<string[]> {
  const dir = spoolDir(dataDir);
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => n.endsWith('.snapshot') && !n.startsWith('.')).map((n) => join(dir, n));
}

/**
 * Snapshots waiting for the control plane, in `<dataDir>/spool`: `<name>.snapshot` plus a
 * `<name>.json` sidecar. An entry counts only when both exist with the recorded size: the sidecar is
 * written (atomically) before the snapshot is renamed in, and removed first on delivery, so a crash
 * at any step leaves a whole entry, or a leftover the next start deletes while the snapshot is still
 * with the caller (or already delivered). Entries are delivered oldest first.
 *
 * A diff snapshot the control plane cannot take is replaced by the whole snapshot of the same sync
 * (`replace`): the whole one becomes an entry of its own beside it (`<name>.whole`, the same place
 * in the order) before the diff's entry is removed, so a crash leaves the diff, or both (the next
 * start keeps the whole one), never neither.
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
    this.dir = spoolDir(dataDir);
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
    const kept = this.oneEntryPerSync(entries);
    const keep = new Set(kept.map((e) => e.name));
    for (const f of files) {
      const name = f.replace(/\.(snapshot|json)$/, '');
      if (f.startsWith('.') || !keep.has(name)) await rm(join(this.dir, f), { force: true });
    }
    this.entries = kept.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** A crash while a diff was being replaced leaves two entries of its sync: the whole one stays. */
  private oneEntryPerSync(entries: SpoolEntry[]): SpoolEntry[] {
    const bySync = new Map<string, SpoolEntry>();
    for (const e of entries) {
      const other = bySync.get(e.syncId);
      if (!other || (isDiff(other.header) && !isDiff(e.header))) bySync.set(e.syncId, e);
    }
    const kept = [...bySync.values()];
    for (const e of entries)
      if (!kept.includes(e))
        this.logger.info(
          { syncId: e.syncId, file: `${e.name}.snapshot` },
          'dropping a diff replaced by its whole snapshot',
        );
    return kept;
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

  /**
   * Replaces entry `old` (a diff) by the whole snapshot of its sync that `write` writes at the path
   * it is given, atomically and durably (as writeSnapshotFile does: renamed in, directory synced). Returns the new entry, in the old one's place.
   */
  async replace(old: SpoolEntry, write: (file: string) => Promise<SnapshotHeader>): Promise<SpoolEntry> {
    const name = `${old.name}.whole`;
    const file = join(this.dir, `${name}.snapshot`);
    await rm(file, { force: true });
    // Until its sidecar exists, the new file is an orphan the next start removes.
    const header = await write(file);
    if (header.syncId !== old.syncId) {
      await rm(file, { force: true });
      throw new Error(`the whole snapshot written for sync ${old.syncId} is of sync ${header.syncId}`);
    }
    const { bytes, sha256 } = await digest(file);
    const entry: SpoolEntry = { ...old, name, bytes, sha256, header };
    await writeFileAtomic(join(this.dir, `${name}.json`), JSON.stringify(entry));
    await rm(join(this.dir, `${old.name}.json`), { force: true });
    await rm(this.file(old), { force: true });
    this.entries = this.entries.map((e) => (e.name === old.name ? entry : e));
    if (this.busy === old.name) this.busy = name;
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

import { removeDatabase } from '../sqlite/files.js';
import { syncDir } from '../fs/sync-dir.js';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createZstdCompress, createZstdDecompress } from 'node:zlib';
import type { SnapshotHeader, SnapshotRef } from './header.js';
import { writeDiffBody } from './diff-body.js';
import { releaseTempName, tempName } from './temp-files.js';
import { SnapshotDb } from './database.js';
import type { CopyWorkerData, FromCopyWorker } from './copy-worker.js';
import { folderWorker } from './worker.js';
import { READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION, WORKING_TABLE_NAMES } from './schema.js';

/**
 * Snapshot file layout:
 *   8 bytes magic `BESNAP\0\x01` | uint32 BE header length | header JSON (SnapshotHeader, padded
 *   with trailing spaces to that length) | body = zstd(SQLite database)
 * The header is readable without touching the body; `sha256`/`bodyBytes` cover the body. The
 * body is the whole database (formatVersion 1) or the changes since the header's `base`
 * (formatVersion 2, a diff snapshot: diff-body.ts; chain.ts reads one whole).
 */
export const MAGIC = Buffer.from('BESNAP\x00\x01', 'latin1');
const MAX_HEADER_BYTES = 1 << 20;

export class SnapshotFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`snapshot ${path}: ${problem}`);
    this.name = 'SnapshotFileError';
  }
}

/** The header's fields that the writer does not fill in itself. */
export type HeaderDraft = Omit<SnapshotHeader, 'sha256' | 'bodyBytes' | 'schemaVersion' | 'formatVersion'>;

/** Counts and hashes the bytes flowing through. */
function digestTap(): Transform & { digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { digest(): { sha256: string; bytes: number } };
  t.digest = () => ({ sha256: hash.digest('hex'), bytes });
  return t;
}

const READ_CHUNK = 1 << 20;

/**
 * The bytes of file `path` a chunk at a time, read into one reused buffer: a chunk is valid only
 * until the next is asked for. A read stream allocates a fresh buffer per chunk, and the garbage
 * (as much as the whole file before V8 collects it) showed as tens of MiB of RSS while a large
 * snapshot was written.
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The header bytes of a database file in WAL mode that say so (offsets 18 and 19, the file format
 * write and read versions: 2 for WAL, 1 for a rollback journal), set to 1 in the first chunk read
 * of it. A reader would open a body in WAL mode with `-wal` and `-shm` files beside it, and could
 * not open it read-only where it may not create them; the pages are the same in either mode.
 * https://www.sqlite.org/fileformat2.html#file_format_version_numbers
 */
function asRollbackJournal(first: Buffer): void {
  if (first.length < 20 || first.toString('latin1', 0, 16) !== 'SQLite format 3\x00')
    throw new Error('not an SQLite database file');
  if (first[18] === 2 && first[19] === 2) first[18] = first[19] = 1;
}

/**
 * zstd-compresses `src` through `tap` into `out`; a database in WAL mode as one in rollback mode
 * when `rollback` (see asRollbackJournal).
 */
async function compressFile(
  src: string,
  tap: Transform,
  out: NodeJS.WritableStream,
  rollback = false,
): Promise<void> {
  // Level 1: on a large tenant's database (535 MiB) it took half the time of level 3 (zstd's
  // default; 1.7-2.5 s against 3.1-4 s) for a body no larger (88.7 against 89.2 MiB): the pages
  // are JSON text whose repeats the fastest level finds as well. Its small window keeps the
  // compressor's memory small.
  const zstd = createZstdCompress({ params: { [zc.ZSTD_c_compressionLevel]: 1 } });
  const done = pipeline(zstd, tap, out);
  // Met when awaited below; marked handled so a failure while a chunk is read is not unhandled.
  done.catch(() => undefined);
  try {
    let first = rollback;
    for await (const chunk of fileChunks(src)) {
      if (first) asRollbackJournal(chunk);
      first = false;
      // The callback runs once the compressor has consumed the chunk (and, under backpressure,
      // once its output has drained), so the buffer is free to be read into again.
      await new Promise<void>((resolve, reject) =>
        zstd.write(chunk, (err) => (err ? reject(err) : resolve())),
      );
    }
    zstd.end();
    await done;
  } catch (err) {
    zstd.destroy(err as Error);
    await done.catch(() => undefined);
    throw err;
  }
}

/** Writes all of `buf` into `fh` at `position` (a write may take fewer bytes than offered). */
async function writeAt(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let off = 0; off < buf.length;)
    off += (await fh.write(buf, off, buf.length - off, position + off)).bytesWritten;
}

/** A writable that puts what it is given into `fh` from `position` on. */
function fileFrom(fh: FileHandle, position: number): Writable {
  let at = position;
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      writeAt(fh, chunk, at).then(() => {
        at += chunk.length;
        done();
      }, done);
    },
  });
}

/** The header a writer fills in: the draft with the body's format, schema, checksum and length. */
function completed(
  draft: HeaderDraft,
  formatVersion: SnapshotHeader['formatVersion'],
  sha256: string,
  bodyBytes: number,
): SnapshotHeader {
  // Bodies are always of this build's schema: a working database of another starts over.
  return { ...draft, formatVersion, schemaVersion: SCHEMA_VERSION, sha256, bodyBytes };
}

/**
 * Compresses the database file `dbFile` into a snapshot file at `outFile` under the header
 * `draft` completes: body and header go to temp files beside it and the finished file is renamed
 * into place, so a reader never sees a half-written snapshot and an existing file is replaced only
 * by a whole one.
 */
async function packDatabase(
  dbFile: string,
  outFile: string,
  draft: HeaderDraft,
  formatVersion: SnapshotHeader['formatVersion'],
  /** The database file is in WAL mode (its WAL checkpointed): packed as a rollback-mode one. */
  wal = false,
): Promise<SnapshotHeader> {
  const final = tempName(outFile, '.tmp');
  try {
    // The body is compressed straight into the file after room for its header, which is written
    // last: room for the draft completed with the widest checksum and length there can be.
    const room = Buffer.byteLength(
      JSON.stringify(completed(draft, formatVersion, '0'.repeat(64), Number.MAX_SAFE_INTEGER)),
    );
    const head = MAGIC.length + 4 + room;
    const fh = await open(final, 'wx');
    let header: SnapshotHeader;
    try {
      const tap = digestTap();
      await compressFile(dbFile, tap, fileFrom(fh, head), wal);
      const { sha256, bytes } = tap.digest();
      header = completed(draft, formatVersion, sha256, bytes);
      const json = Buffer.alloc(room, ' ');
      json.write(JSON.stringify(header), 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(room);
      await writeAt(fh, Buffer.concat([MAGIC, len, json]), 0);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(final, outFile);
    // The rename itself reaches the disk only with its directory: without this a power loss could
    // leave the old file (or none) under the name after the sync reported the new one.
    await syncDir(dirname(outFile));
    return header;
  } finally {
    await rm(final, { force: true });
    releaseTempName(final);
  }
}

/**
 * Makes a compacted copy of the database at `source` (`VACUUM INTO`) at `into`, on a worker thread
 * (copy-worker.ts), from what the database held when it started. Settles once the thread has
 * ended.
 */
function copyDatabase(source: string, into: string): Promise<void> {
  const worker = folderWorker('copy-worker', { path: source, into } satisfies CopyWorkerData);
  return new Promise<void>((resolve, reject) => {
    let result: FromCopyWorker | undefined;
    worker.once('message', (m: FromCopyWorker) => (result = m));
    worker.once('error', (err) => (result ??= { error: err.message }));
    worker.once('exit', () => {
      if (result && 'done' in result) resolve();
      else reject(new Error(`copying ${source}: ${result?.error ?? 'the copy thread ended early'}`));
    });
  });
}

/**
 * Packs a working database into a whole snapshot file at `outFile` as it is, without a copy
 * (atomically, see packDatabase). On a large tenant the copy wrote as many bytes as the database
 * holds (590 MB) just before they were compressed: seconds of a full sync's end, and as much
 * disk again. The snapshot is a little larger: B-tree pages filled out of key order keep some
 * slack, and the free pages are packed too. Only for a database its sync built from empty (a full
 * sync): their bytes are then this sync's own rows, where a database that began as the parent's
 * content would carry what this sync deleted into the snapshot.
 *
 * `seal` turns the database into the snapshot's content inside a transaction (the sync's identity
 * in, its progress keys out) and the working tables are dropped; the WAL is then copied into the
 * database file, which is packed while a second transaction puts the progress back in the WAL
 * only. The file holds the snapshot; the database as read (file and WAL) is the working database
 * it was, so a sync stopped while the file is compressed resumes as before. Nothing may checkpoint
 * the WAL meanwhile: the connection's automatic checkpoints are off until the file is packed, and
 * no other connection may be open.
 *
 * Returns undefined, leaving the database as it was, when a working table other than the
 * checkpoints holds rows (an incremental's change records), or when the WAL could not be copied
 * into the file whole (a reader holds it): the caller copies the database instead
 * (writeSnapshotFile).
 */
export async function packWorkingDatabase(
  db: SnapshotDb,
  outFile: string,
  draft: () => HeaderDraft,
  seal: (db: SnapshotDb) => void,
): Promise<SnapshotHeader | undefined> {
  if (db.hasWorkingRows()) return undefined;
  const progress = db.progress();
  db.db.exec('PRAGMA wal_autocheckpoint = 0;');
  try {
    let sealed = false;
    let header: HeaderDraft | undefined;
    try {
      db.transaction(() => {
        seal(db);
        for (const t of WORKING_TABLE_NAMES) db.db.exec(`DROP TABLE IF EXISTS ${t}`);
      });
      sealed = true;
      if (db.checkpointWal()) header = draft();
    } finally {
      if (sealed) db.transaction(() => db.restoreProgress(progress));
    }
    return header && (await packDatabase(db.path, outFile, header, 1, true));
  } finally {
    db.db.exec(`PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES};`);
  }
}

/** SQLite's default: a checkpoint once the WAL holds this many pages. */
const WAL_AUTOCHECKPOINT_PAGES = 1000;

/**
 * Writes a compacted copy of `db` (working tables dropped) as a whole snapshot file at `outFile`,
 * atomically (see packDatabase).
 */
export async function writeSnapshotFile(
  db: SnapshotDb,
  outFile: string,
  draft: HeaderDraft,
  /** Last touches on the copy that becomes the snapshot (the working database stays as it is). */
  prepare?: (copy: SnapshotDb) => void,
): Promise<SnapshotHeader> {
  const copy = tempName(outFile, '.db');
  try {
    await copyDatabase(db.path, copy);
    const c = new SnapshotDb(copy);
    try {
      if (prepare) c.transaction(() => prepare(c));
      // The copy is already compact (VACUUM INTO); dropping the small working tables (checkpoints,
      // an empty stage) frees a page or two, not worth a second pass over the whole database.
      for (const t of WORKING_TABLE_NAMES) c.db.exec(`DROP TABLE IF EXISTS ${t}`);
      c.db.exec('PRAGMA journal_mode = DELETE;');
    } finally {
      c.close();
    }
    return await packDatabase(copy, outFile, draft, 1);
  } finally {
    await removeDatabase(copy);
    releaseTempName(copy);
  }
}

/**
 * Writes a diff snapshot of a patched working database at `outFile`: only what changed since
 * `base` (see diff-body.ts), atomically. Its cost follows the change, not the tenant. Throws
 * DiffUnavailable when the working database cannot say what changed (the caller writes it whole).
 */
export async function writeDiffSnapshotFile(
  db: SnapshotDb,
  outFile: string,
  draft: HeaderDraft,
  base: SnapshotRef,
  /** The sync's identity (`sync:` meta keys), as a whole snapshot's copy gets it. */
  identity: Record<string, string>,
): Promise<SnapshotHeader> {
  const diff = tempName(outFile, '.db');
  try {
    const changes = writeDiffBody(db, diff, identity);
    return await packDatabase(diff, outFile, { ...draft, base, changes }, 2);
  } finally {
    await removeDatabase(diff);
    releaseTempName(diff);
  }
}

/** Reads and validates the header (and the file's length against it). */
export async function readSnapshotHeader(
  path: string,
): Promise<{ header: SnapshotHeader; bodyOffset: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new SnapshotFileError(
      path,
      `cannot be opened (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  try {
    const size = (await fh.stat()).size;
    const pre = Buffer.alloc(MAGIC.length + 4);
    const { bytesRead } = await fh.read(pre, 0, pre.length, 0);
    if (bytesRead < pre.length || !pre.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw new SnapshotFileError(path, 'is not a baton-entra snapshot (bad magic bytes)');
    }
    const len = pre.readUInt32BE(MAGIC.length);
    if (len === 0 || len > MAX_HEADER_BYTES || pre.length + len > size) {
      throw new SnapshotFileError(
        path,
        `has a corrupt or truncated header (length ${len}, file ${size} bytes)`,
      );
    }
    const buf = Buffer.alloc(len);
    await fh.read(buf, 0, len, pre.length);
    let header: SnapshotHeader;
    try {
      header = JSON.parse(buf.toString('utf8')) as SnapshotHeader;
    } catch {
      throw new SnapshotFileError(path, 'has a header that is not valid JSON');
    }
    if (
      header.format !== 'baton-entra-snapshot' ||
      (header.formatVersion !== 1 && header.formatVersion !== 2)
    ) {
      throw new SnapshotFileError(
        path,
        `has unsupported format ${String(header.format)} v${String(header.formatVersion)}`,
      );
    }
    const base = header.base as Partial<SnapshotRef> | undefined;
    if (
      (header.formatVersion === 2) !== (base !== undefined) ||
      (base && (typeof base.syncId !== 'string' || !/^[0-9a-f]{64}$/.test(String(base.sha256))))
    ) {
      throw new SnapshotFileError(
        path,
        'has a header whose base (the parent of a diff snapshot, format v2) is missing or malformed',
      );
    }
    const bodyOffset = pre.length + len;
    if (size - bodyOffset !== header.bodyBytes) {
      throw new SnapshotFileError(
        path,
        `is truncated or padded: body is ${size - bodyOffset} bytes, header says ${header.bodyBytes}`,
      );
    }
    return { header, bodyOffset };
  } finally {
    await fh.close();
  }
}

/**
 * Decompresses the body into a SQLite file at `dbPath`, verifying the checksum. `maxBytes` bounds
 * what the body may decompress to, for files from elsewhere: a few kilobytes of zstd can expand
 * into gigabytes.
 */
export async function unpackSnapshot(
  path: string,
  dbPath: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Promise<SnapshotHeader> {
  const { header, bodyOffset } = await readSnapshotHeader(path);
  const tap = digestTap();
  let written = 0;
  const bounded = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      if (written > maxBytes) done(new Error(`it decompresses to more than ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(
      // Chunks of 1 MiB, not the default 64/16 KiB: per-chunk overhead made unpacking a large
      // snapshot (the start of every incremental sync) cost seconds of CPU per GiB.
      createReadStream(path, { start: bodyOffset, highWaterMark: READ_CHUNK }),
      tap,
      createZstdDecompress({ chunkSize: READ_CHUNK }),
      bounded,
      createWriteStream(dbPath),
    );
  } catch (err) {
    await rm(dbPath, { force: true });
    throw new SnapshotFileError(path, `body cannot be decompressed (${(err as Error).message})`);
  }
  if (tap.digest().sha256 !== header.sha256) {
    await rm(dbPath, { force: true });
    throw new SnapshotFileError(path, 'body checksum does not match its header (corrupt file)');
  }
  return header;
}

/** A header's schema version: snapshots written before the field existed are schema 1. */
export function schemaVersionOf(header: SnapshotHeader): number {
  return header.schemaVersion ?? 1;
}

/** Why a snapshot's body cannot be read by this build, or undefined when it can. */
export function schemaProblem(header: SnapshotHeader): string | undefined {
  const v = schemaVersionOf(header);
  return READABLE_SCHEMA_VERSIONS.includes(v)
    ? undefined
    : `has schema version ${v}; this build reads schema versions ${READABLE_SCHEMA_VERSIONS.join(' and ')} only (a full sync writes a readable one)`;
}

/**
 * Why a snapshot cannot be the parent of an incremental sync, or undefined when it can: its body
 * becomes the working database, which must be of this build's schema.
 */
export function parentSchemaProblem(header: SnapshotHeader): string | undefined {
  const v = schemaVersionOf(header);
  return v === SCHEMA_VERSION ? undefined : `has schema version ${v}, not ${SCHEMA_VERSION}`;
}

export async function fileExists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

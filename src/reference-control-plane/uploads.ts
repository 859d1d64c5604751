import { syncDir } from '../fs/sync-dir.js';
import { status } from '@grpc/grpc-js';
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  SnapshotKind,
  type UploadMetadata,
  type UploadSnapshotRequest,
  type UploadSnapshotResponse,
} from '../gen/baton_entra/v1/control_plane.js';
import { RpcError } from './rpc-error.js';
import type { ControlPlaneStore } from './store.js';
import type { SnapshotRef } from '../snapshot/header.js';
import { StoredChains } from './stored-chain.js';
import { getSync, recordSync } from './syncs.js';
import { verifySnapshot } from './verify-snapshot.js';
import { VerifiedHeads } from './verified-heads.js';

export const MAX_CHUNK_BYTES = 1024 * 1024;
const SYNC_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const SAFE_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/**
 * metadata.header_json is a copy of the snapshot's header, a few hundred bytes; a bound keeps a
 * client from parking megabytes in the database with every upload.
 */
export const MAX_HEADER_JSON_BYTES = 64 * 1024;
/** The smallest file that can be a snapshot: magic (8), header length (4), a header of `{}` (2). */
const MIN_SNAPSHOT_BYTES = 14;
/**
 * Scratch files left by a verification that was interrupted (the process died): the database read
 * (`….read.db`) and, for a diff, each body applied to it (`….read.db.<hex>.diff`).
 */
const SCRATCH = /\.read\.db(\.[0-9a-f]+\.diff)?$/;

export interface UploadStatus {
  committedOffset: number;
  complete: boolean;
  /** The diff's parent (asked about) is not held for this client: the sync must come whole. */
  baseMissing: boolean;
}

export interface UploadOptions {
  /** Largest upload taken (default 64 GiB). */
  maxBytes?: number;
  /**
   * Store diff snapshots, verified against their stored parents (default true). False answers
   * Hello as an older control plane does, and refuses a diff.
   */
  acceptDiffs?: boolean;
}

/**
 * Receives snapshot uploads into `<dataDir>/syncs/<host>/<syncId>.snapshot`. Bytes go to a part file
 * under `<dataDir>/uploads/` that survives a broken stream, so the daemon resumes from what is there
 * (GetUploadStatus). Only a file whose size and SHA-256 match the metadata, and which reads as a
 * snapshot (./verify-snapshot.ts), is renamed into place and listed; otherwise the part is deleted
 * (DATA_LOSS, INVALID_ARGUMENT). A repeat of a stored sync is acknowledged without writing anything.
 * Sync ids are per client: each client sees only its own syncs and part files.
 */
export class UploadReceiver {
  /**
   * Streams being received, by client and sync id: how to stop one, when it has let go of its part
   * file, and that file's name.
   */
  private readonly active = new Map<string, { cancel: () => void; done: Promise<void>; part: string }>();
  private readonly maxBytes: number;
  /** Whether diff snapshots are stored (told to daemons in Hello). */
  readonly acceptsDiffs: boolean;

  constructor(
    private readonly store: ControlPlaneStore,
    private readonly now: () => Date,
    options: UploadOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? 64 * 1024 ** 3;
    this.acceptsDiffs = options.acceptDiffs ?? true;
  }

  /**
   * How much of the upload is held. `base`, a diff's parent, is looked up among the client's
   * stored syncs with its whole chain: when any link is missing the answer is `baseMissing`.
   */
  async status(clientId: string, syncId: string, sha256: string, base?: SnapshotRef): Promise<UploadStatus> {
    checkIds(syncId, sha256);
    if (base) checkBase(base);
    const stored = getSync(this.store, clientId, syncId);
    if (stored?.sha256 === sha256)
      return { committedOffset: stored.bytes, complete: true, baseMissing: false };
    if (stored) throw new RpcError(status.ALREADY_EXISTS, `sync ${syncId} is stored with another sha256`);
    const baseMissing =
      base !== undefined &&
      (!this.acceptsDiffs || 'missing' in new StoredChains(this.store, clientId).walk(base));
    return {
      committedOffset: await sizeOf(this.partPath(clientId, syncId, sha256)),
      complete: false,
      baseMissing,
    };
  }

  /**
   * Consumes one UploadSnapshot stream from `clientId`. `hostOk` says whether the caller may upload
   * as a host.
   */
  async receive(
    messages: AsyncIterable<UploadSnapshotRequest>,
    clientId: string,
    hostOk: (hostId: string) => boolean,
    cancel: () => void,
  ): Promise<UploadSnapshotResponse> {
    const iterator = messages[Symbol.asyncIterator]();
    const first = await iterator.next();
    const meta = first.done ? undefined : first.value.metadata;
    if (!meta) throw new RpcError(status.INVALID_ARGUMENT, 'the first message of an upload must be metadata');
    this.checkMetadata(meta);
    if (!hostOk(meta.hostId))
      throw new RpcError(status.PERMISSION_DENIED, `host_id ${meta.hostId} belongs to another client`);
    // A new stream for a sync supersedes one still open: the daemon only starts another after
    // losing the first, which this side may not have noticed (a half-open connection).
    const key = `${clientKey(clientId)}/${meta.syncId}`;
    for (let prior = this.active.get(key); prior; prior = this.active.get(key)) {
      prior.cancel();
      await prior.done;
    }
    // (Checked after that wait, which may have completed the very same snapshot.)
    const stored = getSync(this.store, clientId, meta.syncId);
    if (stored) {
      if (stored.sha256 !== meta.sha256)
        throw new RpcError(status.ALREADY_EXISTS, `sync ${meta.syncId} is stored with another sha256`);
      return {
        syncId: stored.syncId,
        bytes: stored.bytes,
        sha256: stored.sha256,
        duplicate: true,
        receivedAt: new Date(stored.receivedAt),
      };
    }
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const part = this.partPath(clientId, meta.syncId, meta.sha256);
    this.active.set(key, { cancel, done, part });
    try {
      return await this.receiveBody(clientId, meta, part, iterator);
    } finally {
      this.active.delete(key);
      release();
    }
  }

  private async receiveBody(
    clientId: string,
    meta: UploadMetadata,
    part: string,
    it: AsyncIterator<UploadSnapshotRequest>,
  ): Promise<UploadSnapshotResponse> {
    await mkdir(dirname(part), { recursive: true, mode: 0o700 });
    const have = await sizeOf(part);
    if (meta.resumeOffset > have) {
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `resume_offset ${meta.resumeOffset} is beyond the ${have} bytes held; ask GetUploadStatus`,
      );
    }
    const fh = await open(part, have > 0 ? 'r+' : 'w', 0o600);
    let ended = false;
    try {
      await fh.truncate(meta.resumeOffset);
      const hash = createHash('sha256');
      if (meta.resumeOffset > 0) await hashPrefix(part, meta.resumeOffset, hash);
      let offset = meta.resumeOffset;
      const flusher = new Flusher(fh);
      for (let r = await it.next(); !r.done; r = await it.next()) {
        const msg = r.value;
        if (msg.chunk) {
          offset = await writeChunk(fh, hash, msg.chunk.offset, msg.chunk.data, offset, meta.totalSize);
          flusher.wrote(msg.chunk.data.length);
        } else if (msg.end) {
          ended = true;
          await flusher.settle();
          return await this.commit(clientId, meta, fh, part, hash.digest('hex'), msg.end.sha256, offset);
        } else {
          throw new RpcError(status.INVALID_ARGUMENT, 'metadata may only be the first message of an upload');
        }
      }
      // The stream stopped without `end`: keep what arrived for a resumed upload.
      throw new RpcError(
        status.ABORTED,
        `upload of sync ${meta.syncId} ended at offset ${offset} without an end message`,
      );
    } catch (err) {
      if (ended || (err instanceof RpcError && err.code === status.INVALID_ARGUMENT))
        await rm(part, { force: true });
      throw err;
    } finally {
      await fh.sync().catch(() => undefined);
      await fh.close().catch(() => undefined);
    }
  }

  private async commit(
    clientId: string,
    meta: UploadMetadata,
    fh: FileHandle,
    part: string,
    computed: string,
    claimed: string,
    size: number,
  ): Promise<UploadSnapshotResponse> {
    if (size !== meta.totalSize)
      throw new RpcError(status.DATA_LOSS, `received ${size} bytes, metadata said ${meta.totalSize}`);
    if (computed !== meta.sha256 || claimed !== meta.sha256) {
      throw new RpcError(
        status.DATA_LOSS,
        `sha256 mismatch for sync ${meta.syncId}: received ${computed}, expected ${meta.sha256}`,
      );
    }
    await fh.sync();
    const kind = meta.kind === SnapshotKind.SNAPSHOT_KIND_INCREMENTAL ? 'incremental' : 'full';
    const header = await verifySnapshot(
      part,
      {
        syncId: meta.syncId,
        kind,
        ...(meta.headerJson ? { header: JSON.parse(meta.headerJson) as Record<string, unknown> } : {}),
      },
      dirname(part),
      this.acceptsDiffs ? new StoredChains(this.store, clientId) : undefined,
      this.acceptsDiffs ? new VerifiedHeads(this.store.dataDir, clientId) : undefined,
    );
    const hostDir = SAFE_SEGMENT.test(meta.hostId)
      ? meta.hostId
      : `h-${createHash('sha256').update(meta.hostId).digest('hex').slice(0, 16)}`;
    const path = join(this.store.dataDir, 'syncs', hostDir, `${meta.syncId}.snapshot`);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await rename(part, path);
    await syncDir(dirname(path));
    const receivedAt = this.now();
    recordSync(
      this.store,
      {
        clientId,
        host: meta.hostId,
        syncId: meta.syncId,
        kind,
        ...(header.base ? { baseSyncId: header.base.syncId } : {}),
        bytes: size,
        sha256: computed,
        path,
        receivedAt: receivedAt.toISOString(),
        ...(meta.taskId ? { taskId: meta.taskId } : {}),
      },
      // The file's own header, verified above, rather than the client's copy of it.
      JSON.stringify(header),
    );
    return { syncId: meta.syncId, bytes: size, sha256: computed, duplicate: false, receivedAt };
  }

  private checkMetadata(meta: UploadMetadata): void {
    if (!meta.hostId) throw new RpcError(status.INVALID_ARGUMENT, 'metadata.host_id is required');
    checkIds(meta.syncId, meta.sha256);
    if (
      meta.kind !== SnapshotKind.SNAPSHOT_KIND_FULL &&
      meta.kind !== SnapshotKind.SNAPSHOT_KIND_INCREMENTAL
    ) {
      throw new RpcError(status.INVALID_ARGUMENT, 'metadata.kind must be FULL or INCREMENTAL');
    }
    if (
      !Number.isSafeInteger(meta.totalSize) ||
      meta.totalSize < MIN_SNAPSHOT_BYTES ||
      meta.totalSize > this.maxBytes
    ) {
      throw new RpcError(
        status.INVALID_ARGUMENT,
        `metadata.total_size must be between ${MIN_SNAPSHOT_BYTES} and ${this.maxBytes} bytes`,
      );
    }
    if (meta.resumeOffset < 0 || meta.resumeOffset > meta.totalSize) {
      throw new RpcError(status.INVALID_ARGUMENT, 'metadata.resume_offset must be between 0 and total_size');
    }
    if (meta.headerJson) {
      if (Buffer.byteLength(meta.headerJson) > MAX_HEADER_JSON_BYTES) {
        throw new RpcError(
          status.INVALID_ARGUMENT,
          `metadata.header_json must be at most ${MAX_HEADER_JSON_BYTES} bytes`,
        );
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(meta.headerJson);
      } catch {
        throw new RpcError(status.INVALID_ARGUMENT, 'metadata.header_json is not JSON');
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
        throw new RpcError(status.INVALID_ARGUMENT, 'metadata.header_json must be a JSON object');
    }
  }

  /**
   * Deletes partial uploads untouched for `maxAgeMs` (a daemon that never came back to resume).
   * Returns how many went.
   */
  async sweep(maxAgeMs: number): Promise<number> {
    const dir = join(this.store.dataDir, 'uploads');
    let removed = 0;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return 0;
    }
    const before = this.now().getTime() - maxAgeMs;
    const inUse = new Set([...this.active.values()].map((a) => a.part));
    for (const name of names) {
      if (!name.endsWith('.part') && !SCRATCH.test(name)) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (st && st.mtimeMs < before && !inUse.has(join(dir, name))) {
        await rm(join(dir, name), { force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Per client: two clients sending the same sync id (and even the same bytes) never share one. */
  private partPath(clientId: string, syncId: string, sha256: string): string {
    return join(
      this.store.dataDir,
      'uploads',
      `${clientKey(clientId)}.${syncId}.${sha256.slice(0, 16)}.part`,
    );
  }
}

/** A short, file-name-safe stand-in for a client id. */
function clientKey(clientId: string): string {
  return createHash('sha256').update(clientId).digest('hex').slice(0, 16);
}

/** Bytes written between background flushes of a part file. */
const FLUSH_EVERY = 32 * 1024 * 1024;

/**
 * Flushes a part file to disk in the background while the upload goes on, so the final fsync
 * before the rename does not have to write the whole snapshot at once (it would stall the reply
 * for seconds on a big file), and committed offsets are mostly on disk already.
 */
class Flusher {
  private pending?: Promise<void>;
  private unflushed = 0;

  constructor(private readonly fh: FileHandle) {}

  wrote(bytes: number): void {
    this.unflushed += bytes;
    if (this.unflushed < FLUSH_EVERY || this.pending) return;
    this.unflushed = 0;
    this.pending = this.fh
      .datasync()
      .catch(() => undefined)
      .finally(() => {
        this.pending = undefined;
      });
  }

  async settle(): Promise<void> {
    await this.pending;
  }
}

function checkIds(syncId: string, sha256: string): void {
  if (!SYNC_ID.test(syncId))
    throw new RpcError(status.INVALID_ARGUMENT, 'sync_id must be 1–128 of A-Z a-z 0-9 . _ : -');
  if (!SHA256.test(sha256))
    throw new RpcError(status.INVALID_ARGUMENT, 'sha256 must be 64 lowercase hex digits');
}

/** A diff's parent as GetUploadStatus names it: both fields, well formed. */
function checkBase(base: SnapshotRef): void {
  if (!SYNC_ID.test(base.syncId))
    throw new RpcError(status.INVALID_ARGUMENT, 'base_sync_id must be 1–128 of A-Z a-z 0-9 . _ : -');
  if (!SHA256.test(base.sha256))
    throw new RpcError(status.INVALID_ARGUMENT, 'base_sha256 must be 64 lowercase hex digits');
}

async function writeChunk(
  fh: FileHandle,
  hash: Hash,
  at: number,
  data: Uint8Array,
  expected: number,
  total: number,
): Promise<number> {
  if (at !== expected)
    throw new RpcError(status.INVALID_ARGUMENT, `chunk offset ${at}, expected ${expected}`);
  if (data.length === 0 || data.length > MAX_CHUNK_BYTES)
    throw new RpcError(status.INVALID_ARGUMENT, `chunk size must be 1–${MAX_CHUNK_BYTES} bytes`);
  if (expected + data.length > total)
    throw new RpcError(status.INVALID_ARGUMENT, `chunks run past total_size ${total}`);
  await fh.write(data, 0, data.length, at);
  hash.update(data);
  return expected + data.length;
}

async function hashPrefix(path: string, length: number, hash: Hash): Promise<void> {
  for await (const buf of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 })) {
    hash.update(buf as Buffer);
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

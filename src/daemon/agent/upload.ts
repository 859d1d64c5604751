import { Metadata, status, type ClientWritableStream } from '@grpc/grpc-js';
import { open } from 'node:fs/promises';
import {
  SnapshotKind,
  type ControlPlaneServiceClient,
  type GetUploadStatusRequest,
  type GetUploadStatusResponse,
  type UploadSnapshotRequest,
  type UploadSnapshotResponse,
} from '../../gen/baton_entra/v1/control_plane.js';
import type { Logger } from '../../observability/logger.js';
import { isDiff } from '../../snapshot/header.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../../retry/backoff.js';
import { allocChunk } from './chunk-codec.js';
import type { TokenSource } from './credentials.js';
import { callCredentials, describe, isServiceError, unary } from './rpc.js';
import type { SpoolEntry } from './spool.js';

/** 1 MiB, the protocol's maximum chunk. */
export const CHUNK_BYTES = 1024 * 1024;

export interface UploadDeps {
  client: ControlPlaneServiceClient;
  tokens: TokenSource;
  hostId: string;
  logger: Logger;
  signal: AbortSignal;
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  chunkBytes?: number;
}

export interface UploadOutcome {
  bytes: number;
  duplicate: boolean;
  /** Offsets each attempt started from (0, then the committed offsets after broken streams). */
  startOffsets: number[];
}

/** The control plane refused the snapshot itself (bad checksum, conflicting sync id …): retrying cannot help. */
export class UploadRejected extends Error {}

/**
 * The snapshot is a diff whose parent the control plane does not hold (GetUploadStatus said
 * base_missing): it would be refused; the sync must go whole.
 */
export class BaseMissing extends Error {}

/** The snapshot itself was refused: it would be refused again. */
const REJECTING = new Set<status>([status.DATA_LOSS, status.INVALID_ARGUMENT, status.ALREADY_EXISTS]);
/** The daemon (not the snapshot) was refused: the caller sorts out Hello or credentials first. */
const REFUSED = new Set<status>([
  status.UNAUTHENTICATED,
  status.PERMISSION_DENIED,
  status.UNIMPLEMENTED,
  status.NOT_FOUND,
]);

/**
 * Uploads one spooled snapshot: asks how much the control plane already holds, streams the rest in
 * chunks, ends with the SHA-256 streamed over the file when it was spooled, and after a broken stream resumes
 * from the committed offset, re-opening the file each attempt, with jittered backoff in between.
 * A diff snapshot's status request names its parent; when the control plane lacks it, BaseMissing
 * is thrown before a byte is sent (also after the upload itself was refused for that reason: the
 * next attempt asks again).
 */
export async function uploadSnapshot(
  deps: UploadDeps,
  file: string,
  entry: SpoolEntry,
): Promise<UploadOutcome> {
  const maxAttempts = deps.maxAttempts ?? 6;
  const backoff = deps.backoff ?? DEFAULT_BACKOFF;
  const startOffsets: number[] = [];
  for (let attempt = 0; ; attempt++) {
    deps.signal.throwIfAborted();
    try {
      const base = isDiff(entry.header) ? entry.header.base : undefined;
      const st = await unary<GetUploadStatusRequest, GetUploadStatusResponse>(
        deps.client,
        deps.client.getUploadStatus,
        {
          hostId: deps.hostId,
          syncId: entry.syncId,
          sha256: entry.sha256,
          baseSyncId: base?.syncId ?? '',
          baseSha256: base?.sha256 ?? '',
        },
        deps.tokens,
      );
      if (st.complete) return { bytes: entry.bytes, duplicate: true, startOffsets };
      if (base && st.baseMissing)
        throw new BaseMissing(
          `the control plane does not hold sync ${base.syncId}, the parent of diff ${entry.syncId}`,
        );
      startOffsets.push(st.committedOffset);
      const res = await streamFrom(deps, file, entry, st.committedOffset);
      return { bytes: res.bytes, duplicate: res.duplicate, startOffsets };
    } catch (err) {
      if (deps.signal.aborted || err instanceof BaseMissing) throw err;
      if (isServiceError(err) && REJECTING.has(err.code)) throw new UploadRejected(describe(err));
      if (isServiceError(err) && REFUSED.has(err.code)) throw err;
      if (attempt + 1 >= maxAttempts) throw err;
      const delay = backoffDelay(attempt + 1, backoff);
      deps.logger.warn(
        { syncId: entry.syncId, attempt: attempt + 1, delayMs: delay, err: describe(err) },
        'snapshot upload interrupted; resuming',
      );
      await sleep(delay, deps.signal);
    }
  }
}

async function streamFrom(
  deps: UploadDeps,
  file: string,
  entry: SpoolEntry,
  offset: number,
): Promise<UploadSnapshotResponse> {
  const chunkBytes = Math.min(deps.chunkBytes ?? CHUNK_BYTES, CHUNK_BYTES);
  const fh = await open(file, 'r');
  // Generous deadline (1 minute plus 1 MB/s) so a stalled connection cannot hold the spool forever.
  const deadline = new Date(Date.now() + 60_000 + entry.bytes / 1000);
  let settled = false;
  let call!: ClientWritableStream<UploadSnapshotRequest>;
  const response = new Promise<UploadSnapshotResponse>((resolve, reject) => {
    call = deps.client.uploadSnapshot(
      new Metadata(),
      { deadline, credentials: callCredentials(deps.tokens) },
      (err, res) => {
        settled = true;
        if (err) reject(err);
        else resolve(res);
      },
    );
  });
  response.catch(() => undefined);
  const onAbort = () => call.cancel();
  deps.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await write(
      call,
      {
        metadata: {
          hostId: deps.hostId,
          taskId: entry.taskId ?? '',
          syncId: entry.syncId,
          kind:
            entry.kind === 'incremental'
              ? SnapshotKind.SNAPSHOT_KIND_INCREMENTAL
              : SnapshotKind.SNAPSHOT_KIND_FULL,
          totalSize: entry.bytes,
          sha256: entry.sha256,
          headerJson: JSON.stringify(entry.header),
          resumeOffset: offset,
        },
      },
      () => settled,
    );
    let pos = offset;
    while (pos < entry.bytes && !settled) {
      // Read straight into the encoded message: no copy of the chunk on the way to the wire.
      const { request, data } = allocChunk(pos, Math.min(chunkBytes, entry.bytes - pos));
      const { bytesRead } = await fh.read(data, 0, data.length, pos);
      if (bytesRead !== data.length)
        throw new Error(`spooled snapshot ${entry.name} is shorter than recorded`);
      await write(call, request, () => settled);
      pos += bytesRead;
    }
    if (!settled) {
      // The checksum taken when the file entered the spool; the control plane recomputes it over
      // what it received, so a file changed on disk since is refused (DATA_LOSS), never stored.
      await write(call, { end: { sha256: entry.sha256 } }, () => settled);
      call.end();
    }
    return await response;
  } catch (err) {
    if (!settled) call.cancel();
    // Prefer the server's verdict over the local symptom ("write after end" …).
    if (settled) return await response;
    throw err;
  } finally {
    deps.signal.removeEventListener('abort', onAbort);
    await fh.close();
  }
}

/** Writes one message, waiting for 'drain' when grpc-js buffers too much (backpressure). */
async function write(
  call: ClientWritableStream<UploadSnapshotRequest>,
  msg: UploadSnapshotRequest,
  settled: () => boolean,
): Promise<void> {
  if (settled()) return;
  if (call.write(msg)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('close', done);
      call.off('error', done);
      call.off('status', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
    call.on('error', done);
    call.on('status', done);
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', done);
      resolve();
    }, ms);
    const done = () => {
      clearTimeout(t);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
  });
}

import { removeDatabase } from '../sqlite/files.js';
import { status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { applyDiffFile, materialiseChain, resolveChain } from '../snapshot/chain.js';
import { SnapshotDb } from '../snapshot/database.js';
import { readSnapshotHeader, SnapshotFileError, unpackSnapshot } from '../snapshot/file.js';
import { isDiff, type SnapshotHeader } from '../snapshot/header.js';
import type { VerifiedHeads } from './verified-heads.js';
import { RpcError } from './rpc-error.js';
import type { StoredChains } from './stored-chain.js';

/** Scratch databases of a verification (swept with stale partial uploads). */
export const SCRATCH_SUFFIX = '.read.db';

/** How much larger than its compressed body a snapshot's database may be, and the least bound. */
const MAX_EXPANSION = 64;
const MIN_EXPANSION_BOUND = 64 * 1024 * 1024;

/** What the upload's metadata says the file is. */
export interface ClaimedSnapshot {
  syncId: string;
  kind: 'full' | 'incremental';
  /** metadata.header_json, parsed, when the daemon sent one. */
  header?: Record<string, unknown>;
}

/**
 * Checks that a received file is a snapshot, not just bytes whose checksum matches: its header
 * parses and describes this sync, its body decompresses to the checksum the header gives, the
 * body opens as a database, and the database holds the counts the header claims. Throws
 * INVALID_ARGUMENT naming what is wrong; returns the file's header, which is what gets recorded.
 * `scratchDir` receives the decompressed database while it is checked (removed after).
 *
 * A diff snapshot (format v2) is checked as the sync it stands for: its stored parent chain
 * (`parents`, the uploading client's syncs) is applied with it and the result counted, each diff
 * on the way checked against its own header. Without its parent it is refused as
 * FAILED_PRECONDITION naming the parent (the daemon then sends the sync whole); without
 * `parents` (a control plane that takes whole snapshots only) as INVALID_ARGUMENT.
 */
export async function verifySnapshot(
  file: string,
  claimed: ClaimedSnapshot,
  scratchDir: string,
  parents?: StoredChains,
  /** The databases earlier verifications kept for this client (see verified-heads.ts). */
  heads?: VerifiedHeads,
): Promise<SnapshotHeader> {
  const header = await readOrRefuse(file, async () => (await readSnapshotHeader(file)).header);
  if (header.syncId !== claimed.syncId)
    refuse(`its header is for sync ${JSON.stringify(header.syncId)}, not ${claimed.syncId}`);
  if (header.kind !== claimed.kind)
    refuse(`its header says a ${String(header.kind)} sync, metadata.kind says ${claimed.kind}`);
  const counts = header.counts as Partial<SnapshotHeader['counts']> | undefined;
  const fields = ['resourceTypes', 'resources', 'entitlements', 'grants'] as const;
  if (
    !counts ||
    fields.some((f) => !Number.isSafeInteger(counts[f])) ||
    typeof counts.resourcesByType !== 'object'
  )
    refuse('its header has no counts (resourceTypes, resources, entitlements, grants, resourcesByType)');
  if (claimed.header) {
    for (const f of ['syncId', 'kind', 'sha256', 'bodyBytes'] as const) {
      if (claimed.header[f] !== header[f])
        refuse(`metadata.header_json.${f} does not match the snapshot's own header`);
    }
  }
  if (isDiff(header)) {
    if (!parents) refuse('it is a diff snapshot (format v2); this control plane stores whole snapshots only');
    const walked = parents.walk(header.base);
    if ('missing' in walked) {
      const deeper = walked.missing.syncId !== header.base.syncId;
      throw new RpcError(
        status.FAILED_PRECONDITION,
        `sync ${header.syncId} is a diff of sync ${header.base.syncId} (body sha256 ${header.base.sha256}), which this control plane does not hold for this client${deeper ? ` whole: its chain lacks sync ${walked.missing.syncId}` : ''}; upload the sync whole`,
      );
    }
  }
  const dbPath = await databaseOf(file, header, scratchDir, parents, heads);
  let snap: SnapshotDb;
  try {
    snap = new SnapshotDb(dbPath, { readOnly: true });
  } catch (err) {
    await removeDatabase(dbPath);
    return refuse(`its body is not a database (${(err as Error).message})`);
  }
  let verified = false;
  try {
    const count = (sql: string) => {
      try {
        return Number((snap.db.prepare(sql).get() as { n: number }).n);
      } catch (err) {
        return refuse(`its body is not a snapshot database (${(err as Error).message})`);
      }
    };
    const found = {
      resourceTypes: count('SELECT count(*) AS n FROM resource_types'),
      resources: count('SELECT count(*) AS n FROM resources'),
      entitlements: count('SELECT count(*) AS n FROM entitlements'),
      grants: count('SELECT count(*) AS n FROM grants'),
    };
    for (const f of fields) {
      if (found[f] !== counts![f]) refuse(`its header counts ${counts![f]} ${f}, the body holds ${found[f]}`);
    }
    const byType = snap.db
      .prepare('SELECT resource_type AS t, count(*) AS n FROM resources GROUP BY resource_type')
      .all() as { t: string; n: number }[];
    const claimedByType = counts!.resourcesByType as Record<string, unknown>;
    const bodyByType = Object.fromEntries(byType.map((r) => [r.t, Number(r.n)]));
    for (const t of new Set([...Object.keys(claimedByType), ...Object.keys(bodyByType)])) {
      if ((claimedByType[t] ?? 0) !== (bodyByType[t] ?? 0))
        refuse(
          `its header counts ${String(claimedByType[t] ?? 0)} resources of type ${JSON.stringify(t)}, the body holds ${bodyByType[t] ?? 0}`,
        );
    }
    verified = true;
  } finally {
    snap.close();
    if (verified && heads) await heads.keep(header.syncId, dbPath);
    else await removeDatabase(dbPath);
  }
  return header;
}

/**
 * The database of the sync `file` holds, built for checking: a whole snapshot unpacked; a diff
 * applied to the database its parent's verification kept (`heads`: only the changes are read),
 * or else applied with its whole stored chain. Each body within its own decompression bound.
 */
async function databaseOf(
  file: string,
  header: SnapshotHeader,
  scratchDir: string,
  parents: StoredChains | undefined,
  heads: VerifiedHeads | undefined,
): Promise<string> {
  const work = heads
    ? await heads.scratch()
    : join(scratchDir, `.${randomBytes(6).toString('hex')}${SCRATCH_SUFFIX}`);
  try {
    if (!isDiff(header)) {
      await readOrRefuse(file, () => unpackSnapshot(file, work, expansionBound(header)));
      return work;
    }
    const head = await heads?.take(header.base.syncId);
    if (head) {
      try {
        await applyDiffFile(head, file, header, expansionBound(header));
      } catch (err) {
        // Refused inside its transaction: the parent's database is as it was, and stays kept.
        if (err instanceof SnapshotFileError) await heads!.keep(header.base.syncId, head);
        else await removeDatabase(head);
        return await readOrRefuse(file, () => Promise.reject(err));
      }
      await removeDatabase(work);
      return head;
    }
    // A diff of a few changes may not expand as far as the whole tenant at the chain's root.
    await readOrRefuse(file, async () =>
      materialiseChain(await resolveChain(file, parents!.source()), work, expansionBound),
    );
    return work;
  } catch (err) {
    await removeDatabase(work);
    throw err;
  }
}

/** Snapshot bodies compress about 6:1; far beyond that is a decompression bomb, not a snapshot. */
function expansionBound(header: SnapshotHeader): number {
  return Math.max(MIN_EXPANSION_BOUND, Number(header.bodyBytes) * MAX_EXPANSION);
}

function refuse(problem: string): never {
  throw new RpcError(status.INVALID_ARGUMENT, `the upload is not a valid snapshot: ${problem}`);
}

/** Runs a snapshot reader, turning its complaint into a refusal (without the server's file path). */
async function readOrRefuse<T>(file: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof SnapshotFileError)) throw err;
    const prefix = `snapshot ${file}: `;
    return refuse(err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message);
  }
}

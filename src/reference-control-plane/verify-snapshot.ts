import { status } from '@grpc/grpc-js';
import { readSnapshotHeader, SnapshotFileError } from '../snapshot/file.js';
import { openSnapshot } from '../snapshot/open.js';
import { isDiff, type SnapshotHeader } from '../snapshot/header.js';
import type { ChainSource } from '../snapshot/chain.js';
import { RpcError } from './rpc-error.js';
import type { StoredChains } from './stored-chain.js';

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
  let chain: ChainSource | undefined;
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
    chain = parents.source();
  }
  const snap = await readOrRefuse(file, () =>
    // Each body within its own bound: a diff of a few changes may not expand as far as the whole
    // tenant at the chain's root.
    openSnapshot(file, scratchDir, {
      anySchema: true,
      maxBytes: expansionBound,
      ...(chain ? { chain } : {}),
    }),
  );
  try {
    const count = (sql: string) => {
      try {
        return Number((snap.db.db.prepare(sql).get() as { n: number }).n);
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
    const byType = snap.db.db
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
  } finally {
    await snap.close();
  }
  return header;
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

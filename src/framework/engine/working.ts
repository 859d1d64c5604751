import { removeDatabase } from '../../sqlite/files.js';
import { machineBootId, writtenUnderAnotherBoot } from '../../sqlite/boot.js';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../observability/logger.js';
import { SnapshotDb } from '../../snapshot/database.js';
import { materialiseChain, resolveChain, type ChainSource } from '../../snapshot/chain.js';
import { fileExists, readSnapshotHeader, SnapshotFileError } from '../../snapshot/file.js';
import type { SnapshotHeader, SnapshotRef } from '../../snapshot/header.js';
import { SCHEMA_VERSION } from '../../snapshot/schema.js';
import { watchSourceChanges } from '../../snapshot/source-changes.js';
import type { Connector } from '../connector.js';
import type { SyncKind } from './api.js';
import { ParentUnreadableError, SyncOptionError } from './errors.js';
import { takeKeptStore } from './kept-store.js';

/** Interrupted syncs older than this start over (baton-sdk: a week; Graph's delta state: 7 days). */
export const MAX_RESUME_AGE_MS = 6 * 86_400_000;

export interface WorkingSync {
  db: SnapshotDb;
  syncId: string;
  kind: SyncKind;
  parentSyncId?: string;
  /** The parent snapshot, by sync id and body SHA-256: the base of this sync's diff snapshot. */
  parent?: SnapshotRef;
  /** The parent's counts, which a patch's count delta (`work:countDelta`) moves. */
  parentCounts?: SnapshotHeader['counts'];
  startedAt: string;
  resumed: boolean;
  /**
   * An incremental that patches the parent's output (kept in the state directory) rather than
   * rebuilding it; `derivedAt` is the clock that output was derived at.
   */
  patch?: { derivedAt: number };
}

/**
 * What makes two runs "the same sync": a resume continues only a working database started with the
 * same parent snapshot and the same connector plan; anything else starts over.
 */
function planKey(connector: Connector, parentSyncId: string | undefined): string {
  return JSON.stringify({
    // A working database of another schema (an older build's, interrupted) starts over.
    schema: SCHEMA_VERSION,
    parent: parentSyncId ?? null,
    // Spread, not nested: the same key as before the connector named its own options.
    ...connector.planKey(),
  });
}

/** What a kept store's output was derived under: another plan's output cannot be patched. */
export function storePlan(connector: Connector): string {
  return JSON.stringify({ schema: SCHEMA_VERSION, ...connector.planKey() });
}

/** Whether a working database patches its parent's output (see `WorkingSync.patch`). */
function patchOf(db: SnapshotDb): WorkingSync['patch'] {
  if (db.getMeta('work:patch') !== '1') return undefined;
  return { derivedAt: Number(db.getMeta('work:since')) };
}

/**
 * The working database at `path` when it can be resumed under plan `key`: readable, of the same
 * plan, not too old, and not written unsynced under another boot (the machine stopped since: its
 * last writes may never have reached the disk). Anything else is closed and undefined returned
 * (the caller removes it and starts over).
 */
function openResumable(path: string, key: string, now: () => number, logger: Logger): SnapshotDb | undefined {
  let db: SnapshotDb | undefined;
  try {
    db = new SnapshotDb(path, { working: true });
    const syncId = db.getMeta('work:syncId');
    const startedAt = Date.parse(db.getMeta('work:startedAt') ?? '');
    // Page links in its checkpoints expire with Graph's 7-day sync state: an older sync restarts.
    const problem =
      db.getMeta('work:plan') !== key || !syncId
        ? 'it is of a different sync'
        : !(now() - startedAt < MAX_RESUME_AGE_MS)
          ? 'it is too old'
          : writtenUnderAnotherBoot(db.getMeta('work:bootId'))
            ? 'the machine restarted since it was written'
            : undefined;
    if (!problem) return db;
    logger.warn({ workingDb: path, problem }, 'discarding the working database of an interrupted sync');
  } catch (err) {
    logger.warn(
      { workingDb: path, err: (err as Error).message },
      'working database unreadable; starting over',
    );
  }
  if (db?.db.isOpen) db.close();
  return undefined;
}

/**
 * A working database is written unsynced where the machine has a boot id, which it records: a
 * killed process loses nothing (its writes are in the page cache), and a database from an earlier
 * boot is not resumed. On a large tenant the fsyncs of the WAL's checkpoints took ~7 % of a full
 * sync. Elsewhere it keeps SQLite's `synchronous = NORMAL`.
 */
function unsynced(db: SnapshotDb, boot: string | undefined): void {
  if (boot === undefined) return;
  db.writeUnsynced();
  db.setMeta('work:bootId', boot);
}

/**
 * Opens the working database of this sync: resumes an interrupted one with the same plan, or
 * starts afresh — empty for a full sync, or from the previous snapshot's content for an
 * incremental one (listings without a delta query are forgotten, to be listed again).
 */
export async function openWorking(
  path: string,
  connector: Connector,
  from: string | undefined,
  now: () => number,
  logger: Logger,
  /** Where the last sync's store may have been kept. */
  stateDir: string,
  /** Where the parents of `from` are, when it is a diff snapshot (default: its directory). */
  chain?: ChainSource,
): Promise<WorkingSync> {
  const parent = from ? (await readSnapshotHeader(from)).header : undefined;
  if (parent && parent.tenantId !== connector.tenantId) {
    throw new SyncOptionError(
      'incrementalFrom',
      `${from} is a snapshot of tenant ${parent.tenantId}, not ${connector.tenantId}`,
    );
  }
  const key = planKey(connector, parent?.syncId);
  const boot = machineBootId();
  const resumable = (await fileExists(path)) ? openResumable(path, key, now, logger) : undefined;
  if (resumable) {
    const db = resumable;
    const syncId = db.getMeta('work:syncId')!;
    logger.info({ syncId, workingDb: path }, 'resuming an interrupted sync from its checkpoint');
    unsynced(db, boot);
    const patch = patchOf(db);
    if (patch) watchSourceChanges(db.db);
    return {
      db,
      syncId,
      kind: parent ? 'incremental' : 'full',
      ...(parent
        ? { parentSyncId: parent.syncId, parent: { syncId: parent.syncId, sha256: parent.sha256 } }
        : {}),
      startedAt: db.getMeta('work:startedAt')!,
      resumed: true,
      ...(patch ? { patch } : {}),
    };
  }
  // Whatever is there (another sync's, unreadable) goes.
  await removeDatabase(path);
  // The parent's output is patched where the last sync kept its store and the connector can say
  // what a change touches; otherwise it is unpacked from the snapshot and rebuilt.
  const kept =
    parent && connector.patch
      ? await takeKeptStore(stateDir, parent, storePlan(connector), path, logger)
      : undefined;
  // A diff snapshot is read whole: its chain applied to the whole snapshot at its root.
  if (from && !kept) {
    try {
      await materialiseChain(await resolveChain(from, chain), path);
    } catch (err) {
      if (err instanceof SnapshotFileError) throw new ParentUnreadableError(err.message);
      throw err;
    }
  }
  const db = new SnapshotDb(path, { working: true });
  unsynced(db, boot);
  const w: WorkingSync = {
    db,
    syncId: randomUUID(),
    kind: parent ? 'incremental' : 'full',
    startedAt: new Date(now()).toISOString(),
    resumed: false,
  };
  if (parent) {
    w.parentSyncId = parent.syncId;
    w.parent = { syncId: parent.syncId, sha256: parent.sha256 };
    w.parentCounts = parent.counts;
  }
  // Before the first change (the relisted kinds cleared below) is made.
  if (kept) {
    watchSourceChanges(db.db);
    w.patch = { derivedAt: kept.derivedAt };
  }
  logger.info(
    { output: kept ? 'patched' : parent ? 'rebuilt' : 'built', store: kept ? 'kept' : undefined },
    kept ? 'patching the kept store of the parent sync' : 'output built from the source',
  );
  db.transaction(() => {
    if (parent) {
      // The audit poll of an incremental reaches back to the parent's start.
      db.setMeta('work:parentStartedAt', parent.startedAt);
      db.source.clearKinds(connector.relisted.objects, connector.relisted.links);
      if (!kept) db.clearOutput();
      for (const prefix of ['sync:', 'store:'])
        for (const k of Object.keys(db.metaWithPrefix(prefix))) db.deleteMeta(k);
    }
    if (kept) {
      db.setMeta('work:patch', '1');
      db.setMeta('work:since', String(kept.derivedAt));
    }
    db.setMeta('work:plan', key);
    db.setMeta('work:syncId', w.syncId);
    db.setMeta('work:startedAt', w.startedAt);
    db.setMeta('work:graphRequests', '0');
  });
  return w;
}

import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../../observability/logger.js';
import {
  packWorkingDatabase,
  parentSchemaProblem,
  readSnapshotHeader,
  SnapshotFileError,
  writeDiffSnapshotFile,
  writeSnapshotFile,
  type HeaderDraft,
} from '../../snapshot/file.js';
import { DiffUnavailable } from '../../snapshot/diff-body.js';
import type { SnapshotHeader } from '../../snapshot/header.js';
import { sourceLog } from '../../snapshot/source-changes.js';
import { removeStaleTemps } from '../../snapshot/temp-files.js';
import { DeltaExpiredError, type PhaseContext } from '../collect.js';
import type { Connector } from '../connector.js';
import { SyncAbortedError } from '../errors.js';
import type { EngineOptions, SyncResult } from './api.js';
import { DropCounter, emitAll } from './emit.js';
import { EarlyOutput } from './early-output.js';
import { ParentUnreadableError, SyncOptionError } from './errors.js';
import { headerDraft, sealSnapshot, syncIdentity } from './finish.js';
import { acquireLock } from './lock.js';
import { phaseStore } from './phase-store.js';
import { runPhases } from './phases.js';
import { keepStore } from './kept-store.js';
import { patchOutput } from './patch.js';
import { removeDatabase } from '../../sqlite/files.js';
import { openWorking, storePlan, type WorkingSync } from './working.js';

/**
 * One sync of a connector: its collection plan → source store (resumable phases) → resources,
 * entitlements and grants → snapshot file. Complete or failed: any listing that fails fails the
 * sync, and no snapshot is written (an existing file at `outFile` stays as it was).
 */
export async function runEngine(options: EngineOptions): Promise<SyncResult> {
  const logger = options.logger ?? silentLogger;
  const { connector } = options;
  const outDir = dirname(resolve(options.outFile));
  // Checked first: finding out only after a long sync that the result cannot be written wastes it.
  const dirStat = await stat(outDir).catch(() => undefined);
  if (!dirStat?.isDirectory())
    throw new SyncOptionError('outFile', `directory ${outDir} (of ${options.outFile}) does not exist`);
  const stateDir = resolve(options.stateDir ?? outDir);
  await mkdir(stateDir, { recursive: true });
  const workPath = join(stateDir, `${basename(options.outFile)}.work.db`);
  let from = options.incrementalFrom;
  if (from !== undefined) {
    // An unreadable previous snapshot (deleted, corrupt) must not wedge a daemon: sync in full.
    try {
      const problem = parentSchemaProblem((await readSnapshotHeader(from)).header);
      // A parent of another schema cannot be carried forward table by table: its delta links
      // are dropped with it, and this sync lists the tenant in full.
      if (problem) {
        logger.warn({ file: from, problem }, 'previous snapshot is of another schema; running a full sync');
        from = undefined;
      }
    } catch (err) {
      if (!(err instanceof SnapshotFileError)) throw err;
      logger.warn({ err: err.message }, 'previous snapshot unreadable; running a full sync');
      from = undefined;
    }
  }
  const release = await acquireLock(`${workPath}.lock`);
  const requestsAtStart = connector.requestCount();
  try {
    // A run killed while writing its snapshot left temp files beside the output; nothing else
    // would ever remove them.
    const stale = await removeStaleTemps(options.outFile);
    if (stale.length) logger.info({ removed: stale }, 'removed temp files of an interrupted snapshot write');
    try {
      return await attempt(options, workPath, stateDir, from, logger);
    } catch (err) {
      if (err instanceof ParentUnreadableError) {
        logger.warn({ file: from, err: err.message }, 'previous snapshot unreadable; running a full sync');
      } else if (err instanceof DeltaExpiredError) {
        logger.warn({ phase: err.phase }, 'delta link expired; falling back to a full sync');
      } else throw err;
      await removeDatabase(workPath);
      return attempt(
        options,
        workPath,
        stateDir,
        undefined,
        logger,
        connector.requestCount() - requestsAtStart,
      );
    }
  } finally {
    await release();
  }
}

async function attempt(
  options: EngineOptions,
  workPath: string,
  stateDir: string,
  from: string | undefined,
  root: Logger,
  /** Requests an abandoned attempt of this run made (counted in the header too). */
  carried = 0,
): Promise<SyncResult> {
  const now = options.now ?? Date.now;
  const { connector, signal } = options;
  const work = await openWorking(workPath, connector, from, now, root, stateDir, options.chain);
  if (carried)
    work.db.setMeta(
      'work:graphRequests',
      String(Number(work.db.getMeta('work:graphRequests') ?? 0) + carried),
    );
  const logger = root.child({ syncId: work.syncId });
  const requestsBefore = connector.requestCount();
  const countRequests = () =>
    Number(work.db.getMeta('work:graphRequests') ?? 0) + connector.requestCount() - requestsBefore;
  try {
    logger.info({ kind: work.kind, parentSyncId: work.parentSyncId, resumed: work.resumed }, 'sync started');
    const drops = new DropCounter();
    const early = await collect(work, connector, logger, now, drops, options.earlyOutput !== false, signal);
    await emit(work, connector, logger, now, drops, early, signal);
    const db = work.db;
    const graphRequests = countRequests();
    const draft = () => headerDraft(work, connector.tenantId, now(), graphRequests);
    const header = await writeSnapshot(work, options, draft, connector.tenantId, logger);
    if (drops.counts.size) logger.info({ left_out: drops.toJSON() }, 'objects left out of the snapshot');
    // The working database becomes the store the next incremental patches.
    const derivedAt = Number(db.getMeta('work:derivedAt'));
    await keepStore(work, header, storePlan(connector), derivedAt, stateDir, logger);
    logger.info({ file: options.outFile, counts: header.counts, graphRequests }, 'sync finished');
    return { file: options.outFile, header };
  } catch (err) {
    if (work.db.db.isOpen) {
      work.db.setMeta('work:graphRequests', String(countRequests()));
      work.db.close();
    }
    if (signal?.aborted) throw new SyncAbortedError(signal.reason);
    throw err;
  }
}

/**
 * The snapshot file of a finished sync: a patched incremental as a diff against its parent (its
 * cost follows the change), anything else whole. `draft` is asked for once the content is final.
 * A full sync's working database is packed as it is (packWorkingDatabase); any other is copied
 * first, so that what its parent held and this sync deleted stays out of the snapshot's free pages.
 */
async function writeSnapshot(
  work: WorkingSync,
  options: EngineOptions,
  draft: () => HeaderDraft,
  tenantId: string,
  logger: Logger,
): Promise<SnapshotHeader> {
  const { db } = work;
  if (options.diff !== false && work.parent && work.patch && db.getMeta('work:patched') === '1') {
    try {
      return await writeDiffSnapshotFile(
        db,
        options.outFile,
        draft(),
        work.parent,
        syncIdentity(work, tenantId),
      );
    } catch (err) {
      if (!(err instanceof DiffUnavailable)) throw err;
      logger.warn({ reason: err.message }, 'cannot write a diff snapshot; writing it whole');
    }
  }
  const seal = sealSnapshot(work, tenantId);
  const packed =
    work.kind === 'full' ? await packWorkingDatabase(db, options.outFile, draft, seal) : undefined;
  return packed ?? (await writeSnapshotFile(db, options.outFile, draft(), seal));
}

/** Resources, entitlements and grants from the source store into the output tables. */
async function emit(
  work: WorkingSync,
  connector: Connector,
  logger: Logger,
  now: () => number,
  drops: DropCounter,
  /** Types the collection's early output wrote (undefined: the output is not begun). */
  early: ReadonlySet<string> | undefined,
  signal?: AbortSignal,
): Promise<void> {
  const { db } = work;
  // A patch stopped after its transaction committed (the snapshot not yet written) is done.
  if (work.patch && db.getMeta('work:patched') === '1') return;
  const started = Date.now();
  for (const sql of Object.values(connector.sourceIndexes ?? {})) db.db.exec(sql);
  logger.info({ phase: 'index', ms: Date.now() - started }, 'source index built');
  // The clock the output is derived at, kept with the store: the next patch re-derives what a
  // time boundary passed since then changes. Everything is derived at this one instant (an early
  // output fixed it when it began).
  const derivedAt = early ? Number(db.getMeta('work:derivedAt')) : deriveNow(db, now);
  const drop = (reason: string, n?: number) => drops.drop(reason, n);
  const patched =
    work.patch &&
    connector.patch &&
    (await patchOutput(
      db,
      connector.patch,
      connector.syncers({ source: db.source, logger, now: () => derivedAt, drop }),
      { source: db.source, logger, now: () => derivedAt, drop, derivedAt: work.patch.derivedAt },
      drops,
      logger,
      signal,
    ));
  if (patched) return;
  await emitAll(
    db,
    connector.syncers({ source: db.source, logger, now: () => derivedAt, drop }),
    drops,
    logger,
    signal,
    early ? { emitted: early } : undefined,
  );
}

/** Records now as the instant the output is derived at, and returns it. */
function deriveNow(db: WorkingSync['db'], now: () => number): number {
  const derivedAt = now();
  db.setMeta('work:derivedAt', String(derivedAt));
  return derivedAt;
}

/**
 * Fills the source store. A full sync writes the output of each type whose collections are done
 * as the others go on (early-output.ts): returns the types it wrote, or undefined when it began no
 * output.
 */
async function collect(
  work: WorkingSync,
  connector: Connector,
  logger: Logger,
  now: () => number,
  drops: DropCounter,
  earlyOutput: boolean,
  signal?: AbortSignal,
): Promise<ReadonlySet<string> | undefined> {
  const parentStartedAt = work.db.getMeta('work:parentStartedAt');
  const ctx: PhaseContext = {
    store: phaseStore(work.db),
    work: { kind: work.kind, ...(parentStartedAt ? { parentStartedAt } : {}) },
    incremental: work.kind === 'incremental',
    ...(work.patch ? { sourceLog: sourceLog(work.db.db) } : {}),
    logger,
    now,
    ...(signal ? { signal } : {}),
  };
  // Only the output step reads these indexes; after a full listing they are built there in one
  // sorted pass. An incremental sync writes few source rows: keeping them costs less.
  if (work.kind === 'full')
    for (const name of Object.keys(connector.sourceIndexes ?? {}))
      work.db.db.exec(`DROP INDEX IF EXISTS ${name}`);
  const plan = connector.collectPlan();
  if (work.kind !== 'full' || !connector.outputNeeds || !earlyOutput) {
    await runPhases(plan, ctx, logger);
    return undefined;
  }
  const db = work.db;
  let derivedAt = 0;
  const drop = (reason: string, n?: number) => drops.drop(reason, n);
  const early = new EarlyOutput(
    db,
    connector,
    new Set(plan.map((p) => p.name)),
    () => connector.syncers({ source: db.source, logger, now: () => derivedAt, drop }),
    () => (derivedAt = deriveNow(db, now)),
    drops,
    logger,
    signal,
  );
  let failed: { err: unknown } | undefined;
  try {
    await runPhases(plan, ctx, logger, undefined, (done) => early.phasesDone(done));
  } catch (err) {
    failed = { err };
  }
  // Whether the collection failed or not, nothing of the early output runs on after it; the
  // collection's failure is the one reported.
  const emitted = await early.close(failed !== undefined).catch((err: unknown) => {
    failed ??= { err };
    return undefined;
  });
  if (failed) throw failed.err;
  return early.begun ? emitted : undefined;
}

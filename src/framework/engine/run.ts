import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ConnectorConfig } from '../../config/types.js';
import { DeltaExpiredError, type CollectContext } from '../../connector/shared/collect-context.js';
import { collectPlan, createSyncers, scopeFilter } from '../../connector/connector.js';
import { SyncAbortedError } from '../errors.js';
import { createGraphClient } from '../../graph/client.js';
import type { GraphClient } from '../../graph/types.js';
import { silentLogger, type Logger } from '../../observability/logger.js';
import {
  parentSchemaProblem,
  readSnapshotHeader,
  SnapshotFileError,
  writeSnapshotFile,
} from '../../snapshot/file.js';
import type { RunSync, SyncOptions, SyncResult } from './api.js';
import { DropCounter, emitAll } from './emit.js';
import { SyncOptionError } from './errors.js';
import { headerDraft, sealCopy } from './finish.js';
import { acquireLock } from './lock.js';
import { runPhases } from './phases.js';
import { openWorking, removeDb, type WorkingSync } from './working.js';

/**
 * One sync: Graph → source cache (resumable phases) → resources, entitlements and grants →
 * snapshot file. Complete or failed: any listing that fails fails the sync, and no snapshot is
 * written (an existing file at `outFile` stays as it was).
 */
export const runSync: RunSync = async (options) => {
  const logger = options.logger ?? silentLogger;
  const own = options.graph ? undefined : createGraphClient(options.config, { logger });
  const graph = options.graph ?? own!;
  try {
    return await runWith(options, graph, logger);
  } finally {
    await own?.close();
  }
};

async function runWith(options: SyncOptions, graph: GraphClient, logger: Logger): Promise<SyncResult> {
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
  const requestsAtStart = graph.stats.requests;
  try {
    try {
      return await attempt(options, graph, workPath, from, logger);
    } catch (err) {
      if (!(err instanceof DeltaExpiredError)) throw err;
      logger.warn({ phase: err.phase }, 'delta link expired; falling back to a full sync');
      await removeDb(workPath);
      return attempt(options, graph, workPath, undefined, logger, graph.stats.requests - requestsAtStart);
    }
  } finally {
    await release();
  }
}

async function attempt(
  options: SyncOptions,
  graph: GraphClient,
  workPath: string,
  from: string | undefined,
  root: Logger,
  /** Requests an abandoned attempt of this run made (counted in the header too). */
  carried = 0,
): Promise<SyncResult> {
  const now = options.now ?? Date.now;
  const { config, signal } = options;
  const work = await openWorking(workPath, config, from, now, root);
  if (carried)
    work.db.setMeta(
      'work:graphRequests',
      String(Number(work.db.getMeta('work:graphRequests') ?? 0) + carried),
    );
  const logger = root.child({ syncId: work.syncId });
  const requestsBefore = graph.stats.requests;
  const countRequests = () =>
    Number(work.db.getMeta('work:graphRequests') ?? 0) + graph.stats.requests - requestsBefore;
  try {
    logger.info({ kind: work.kind, parentSyncId: work.parentSyncId, resumed: work.resumed }, 'sync started');
    await collect(work, graph, config, logger, now, signal);
    await emit(work, config, logger, now, signal);
    const db = work.db;
    const graphRequests = countRequests();
    const draft = headerDraft(work, config, now(), graphRequests);
    const header = await writeSnapshotFile(db, options.outFile, draft, sealCopy(work, config));
    db.close();
    await removeDb(workPath);
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

/** Resources, entitlements and grants from the source cache into the output tables. */
async function emit(
  work: WorkingSync,
  config: ConnectorConfig,
  logger: Logger,
  now: () => number,
  signal?: AbortSignal,
) {
  const drops = new DropCounter();
  const { db } = work;
  const started = Date.now();
  db.buildIndex('source_links_by_license');
  logger.info({ phase: 'index', ms: Date.now() - started }, 'source index built');
  const deps = {
    source: db.source,
    config,
    logger,
    now,
    drop: (reason: string, n?: number) => drops.drop(reason, n),
    orgIds: new Set([...db.source.all('organization')].map((o) => o.id)),
    scopedUsers: scopeFilter(db, config.scopeGroups),
  };
  await emitAll(db, createSyncers(config, deps), drops, logger, signal);
  if (drops.counts.size) logger.info({ left_out: drops.toJSON() }, 'objects left out of the snapshot');
}

async function collect(
  work: WorkingSync,
  graph: GraphClient,
  config: ConnectorConfig,
  logger: Logger,
  now: () => number,
  signal?: AbortSignal,
): Promise<void> {
  const ctx: CollectContext = {
    graph,
    db: work.db,
    config,
    logger,
    requestOptions: { priority: 'low', ...(signal ? { signal } : {}) },
    incremental: work.kind === 'incremental',
    now,
    ...(signal ? { signal } : {}),
  };
  // Only the output step reads this index; after a full listing it is built there in one pass
  // (see DEFERRED_INDEXES). An incremental sync writes few links: keeping it costs less.
  if (work.kind === 'full') work.db.dropIndex('source_links_by_license');
  await runPhases(collectPlan(config), ctx, logger);
}

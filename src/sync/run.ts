import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ConnectorConfig } from '../config/types.js';
import { DeltaExpiredError, type CollectContext } from '../connector/collect/context.js';
import { collectPlan, createSyncers, scopeFilter } from '../connector/connector.js';
import { SyncAbortedError } from '../framework/errors.js';
import { createGraphClient } from '../graph/client.js';
import type { GraphClient } from '../graph/types.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type { SnapshotDb } from '../snapshot/database.js';
import { readSnapshotHeader, SnapshotFileError, writeSnapshotFile } from '../snapshot/file.js';
import type { RunSync, SyncOptions, SyncResult } from './api.js';
import { DropCounter, emitAll } from './emit.js';
import { SyncOptionError } from './errors.js';
import { acquireLock } from './lock.js';
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
      await readSnapshotHeader(from);
    } catch (err) {
      if (!(err instanceof SnapshotFileError)) throw err;
      logger.warn({ err: err.message }, 'previous snapshot unreadable; running a full sync');
      from = undefined;
    }
  }
  const release = await acquireLock(`${workPath}.lock`);
  try {
    try {
      return await attempt(options, graph, workPath, from, logger);
    } catch (err) {
      if (!(err instanceof DeltaExpiredError)) throw err;
      logger.warn({ phase: err.phase }, 'delta link expired; falling back to a full sync');
      await removeDb(workPath);
      return attempt(options, graph, workPath, undefined, logger);
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
): Promise<SyncResult> {
  const now = options.now ?? Date.now;
  const { config, signal } = options;
  const work = await openWorking(workPath, config, from, now, root);
  const logger = root.child({ syncId: work.syncId });
  const requestsBefore = graph.stats.requests;
  const countRequests = () => {
    const total = Number(work.db.getMeta('work:graphRequests') ?? 0) + graph.stats.requests - requestsBefore;
    return total;
  };
  try {
    logger.info({ kind: work.kind, parentSyncId: work.parentSyncId, resumed: work.resumed }, 'sync started');
    await collect(work, graph, config, logger, signal);
    const drops = new DropCounter();
    const db = work.db;
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
    const graphRequests = countRequests();
    // The snapshot gets the sync's identity instead of the working state; the working database is
    // left untouched until the file is in place, so a failed write can be resumed.
    const finish = (copy: SnapshotDb) => {
      for (const k of Object.keys(copy.metaWithPrefix('work:'))) copy.deleteMeta(k);
      for (const k of Object.keys(copy.metaWithPrefix('replaying:'))) copy.deleteMeta(k);
      copy.setMeta('sync:id', work.syncId);
      copy.setMeta('sync:kind', work.kind);
      copy.setMeta('sync:tenantId', config.auth.tenantId);
      if (work.parentSyncId) copy.setMeta('sync:parentSyncId', work.parentSyncId);
    };
    const header = await writeSnapshotFile(
      db,
      options.outFile,
      {
        format: 'baton-entra-snapshot',
        formatVersion: 1,
        syncId: work.syncId,
        tenantId: config.auth.tenantId,
        kind: work.kind,
        ...(work.parentSyncId ? { parentSyncId: work.parentSyncId } : {}),
        startedAt: work.startedAt,
        endedAt: new Date(now()).toISOString(),
        counts: {
          resourceTypes: db.count('resource_types'),
          resources: db.count('resources'),
          entitlements: db.count('entitlements'),
          grants: db.count('grants'),
          resourcesByType: db.countResourcesByType(),
        },
        graphRequests,
      },
      finish,
    );
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

async function collect(
  work: WorkingSync,
  graph: GraphClient,
  config: ConnectorConfig,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const ctx: CollectContext = {
    graph,
    db: work.db,
    config,
    logger,
    requestOptions: { priority: 'low', ...(signal ? { signal } : {}) },
    incremental: work.kind === 'incremental',
    ...(signal ? { signal } : {}),
  };
  for (const phase of collectPlan(config)) {
    signal?.throwIfAborted();
    const started = Date.now();
    const before = graph.stats.requests;
    const items = await phase.run(ctx);
    const ms = Date.now() - started;
    logger.info(
      {
        phase: phase.name,
        items,
        requests: graph.stats.requests - before,
        ms,
        perSecond: ms ? Math.round((items * 1000) / ms) : items,
      },
      'phase complete',
    );
  }
}

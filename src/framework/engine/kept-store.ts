import { removeDatabase } from '../../sqlite/files.js';
import { writtenUnderAnotherBoot } from '../../sqlite/boot.js';
import { readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Logger } from '../../observability/logger.js';
import type { SnapshotHeader } from '../../snapshot/header.js';
import { fileExists } from '../../snapshot/file.js';
import type { WorkingSync } from './working.js';

/**
 * The kept store: the working database of the last finished sync, left in the state directory so
 * that the next incremental patches it instead of unpacking the snapshot and rebuilding the
 * output. It holds what the snapshot's body holds (plus empty working tables) and says whose it is
 * in `store:` meta keys: the sync id and body SHA-256 of the snapshot it matches, the plan it was
 * made under and the clock its output was derived at. One per state directory: a newer sync's
 * replaces it.
 */
const SUFFIX = '.store.db';
const NAME = /^[0-9a-f-]{36}\.store\.db(-wal|-shm)?$/;

function keptPath(stateDir: string, syncId: string): string {
  return join(stateDir, `${syncId}${SUFFIX}`);
}

/** Meta of a kept store: its owner and derivation clock. */
export interface KeptMeta {
  derivedAt: number;
}

/**
 * Moves the kept store of `parent` to `workPath`, when there is one that matches the parent
 * snapshot (sync id and body SHA-256) and this plan. Returns its meta, or undefined (the caller
 * rebuilds from the snapshot); a store of another sync or plan is removed.
 */
export async function takeKeptStore(
  stateDir: string,
  parent: SnapshotHeader,
  plan: string,
  workPath: string,
  logger: Logger,
): Promise<KeptMeta | undefined> {
  const path = keptPath(stateDir, parent.syncId);
  if (!(await fileExists(path))) return undefined;
  let meta: Record<string, string>;
  try {
    const db = new DatabaseSync(path);
    try {
      const rows = db
        .prepare(
          "SELECT key, value FROM meta WHERE key IN ('sync:id', 'store:sha256', 'store:plan', 'store:derivedAt', 'store:bootId')",
        )
        .all() as { key: string; value: string }[];
      meta = Object.fromEntries(rows.map((r) => [r.key, r.value]));
    } finally {
      db.close();
    }
  } catch (err) {
    logger.warn({ store: path, err: (err as Error).message }, 'kept store unreadable; rebuilding the output');
    await removeDatabase(path);
    return undefined;
  }
  const derivedAt = Number(meta['store:derivedAt']);
  const problem =
    meta['sync:id'] !== parent.syncId || meta['store:sha256'] !== parent.sha256
      ? 'it does not match the parent snapshot'
      : meta['store:plan'] !== plan
        ? 'it was made under another plan'
        : !Number.isFinite(derivedAt)
          ? 'it has no derivation time'
          : writtenUnderAnotherBoot(meta['store:bootId'])
            ? 'it was written unsynced and the machine restarted since'
            : undefined;
  if (problem) {
    logger.warn({ store: path, problem }, 'kept store not usable; rebuilding the output');
    await removeDatabase(path);
    return undefined;
  }
  try {
    // Closed above, so the WAL was checkpointed into the file: only the file moves.
    await rename(path, workPath);
  } catch (err) {
    // Another sync from the same parent took it first.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return { derivedAt };
}

/**
 * Turns the finished working database into the kept store of the snapshot just written: progress
 * and change records go, the sync's identity comes in (as `sealSnapshot` does for the snapshot),
 * then it is renamed and any other kept store of the directory removed. Never fails the sync: the
 * snapshot is already in place, and without a kept store the next incremental rebuilds.
 */
export async function keepStore(
  work: WorkingSync,
  header: SnapshotHeader,
  plan: string,
  derivedAt: number,
  stateDir: string,
  logger: Logger,
): Promise<void> {
  const { db } = work;
  const target = keptPath(stateDir, header.syncId);
  // Written unsynced under this boot (working.ts), it is trusted under this boot only.
  const boot = db.getMeta('work:bootId');
  try {
    db.transaction(() => {
      for (const prefix of ['work:', 'replaying:', 'store:'])
        for (const k of Object.keys(db.metaWithPrefix(prefix))) db.deleteMeta(k);
      db.setMeta('sync:id', header.syncId);
      db.setMeta('sync:kind', header.kind);
      db.setMeta('sync:tenantId', header.tenantId);
      if (header.parentSyncId) db.setMeta('sync:parentSyncId', header.parentSyncId);
      else db.deleteMeta('sync:parentSyncId');
      db.setMeta('store:sha256', header.sha256);
      db.setMeta('store:plan', plan);
      db.setMeta('store:derivedAt', String(derivedAt));
      if (boot !== undefined) db.setMeta('store:bootId', boot);
      db.db.exec(
        'DELETE FROM checkpoints; DELETE FROM staged_items; DELETE FROM source_objects_before; DELETE FROM source_links_before; DELETE FROM output_changes;',
      );
    });
    db.close();
    await removeDatabase(target);
    await rename(db.path, target);
    await Promise.all([`${db.path}-wal`, `${db.path}-shm`].map((p) => rm(p, { force: true })));
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not keep the store; the next incremental rebuilds');
    db.close();
    await removeDatabase(db.path);
    await removeDatabase(target);
    return;
  }
  for (const f of await readdir(stateDir).catch(() => [] as string[]))
    if (NAME.test(f) && !f.startsWith(header.syncId)) await rm(join(stateDir, f), { force: true });
}

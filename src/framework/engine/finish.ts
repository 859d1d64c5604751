import type { SnapshotDb } from '../../snapshot/database.js';
import type { HeaderDraft } from '../../snapshot/file.js';
import type { SnapshotHeader } from '../../snapshot/header.js';
import type { CountDelta } from '../../snapshot/output-patch.js';
import type { WorkingSync } from './working.js';

/** The header of the snapshot a finished working database becomes. */
export function headerDraft(
  work: WorkingSync,
  tenantId: string,
  endedAt: number,
  graphRequests: number,
): HeaderDraft {
  const { db } = work;
  return {
    format: 'baton-entra-snapshot',
    syncId: work.syncId,
    tenantId,
    kind: work.kind,
    ...(work.parentSyncId ? { parentSyncId: work.parentSyncId } : {}),
    startedAt: work.startedAt,
    endedAt: new Date(endedAt).toISOString(),
    counts: patchedCounts(work) ?? {
      resourceTypes: db.count('resource_types'),
      resources: db.count('resources'),
      entitlements: db.count('entitlements'),
      grants: db.count('grants'),
      resourcesByType: db.countResourcesByType(),
    },
    graphRequests,
  };
}

/**
 * A patched output's counts: the parent's moved by what the patch added and removed (counting
 * a large tenant's grants again took a fifth of a quiet incremental's time). Undefined when the
 * output was not patched.
 */
function patchedCounts(work: WorkingSync): SnapshotHeader['counts'] | undefined {
  const raw = work.patch && work.parentCounts ? work.db.getMeta('work:countDelta') : undefined;
  if (!raw || !work.parentCounts) return undefined;
  const delta = JSON.parse(raw) as CountDelta;
  const parent = work.parentCounts;
  const byType: Record<string, number> = { ...parent.resourcesByType };
  for (const [t, n] of Object.entries(delta.resourcesByType)) {
    byType[t] = (byType[t] ?? 0) + n;
    if (byType[t] === 0) delete byType[t];
  }
  return {
    resourceTypes: parent.resourceTypes + delta.resourceTypes,
    resources: parent.resources + delta.resources,
    entitlements: parent.entitlements + delta.entitlements,
    grants: parent.grants + delta.grants,
    resourcesByType: Object.fromEntries(
      Object.entries(byType).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    ),
  };
}

/**
 * Turns the database that becomes the snapshot (the working database as packed, or a copy of it)
 * from working state into a finished sync: progress keys go, the sync's identity comes in. The
 * working database reads as it was until the file is in place (packWorkingDatabase), so a failed
 * write can still be resumed.
 */
export function sealSnapshot(work: WorkingSync, tenantId: string): (db: SnapshotDb) => void {
  return (db) => {
    // `replaying:` is where working databases of earlier builds kept a phase's replay flag.
    for (const prefix of ['work:', 'replaying:']) {
      for (const k of Object.keys(db.metaWithPrefix(prefix))) db.deleteMeta(k);
    }
    for (const [k, v] of Object.entries(syncIdentity(work, tenantId))) db.setMeta(k, v);
  };
}

/** The `sync:` meta keys that say which sync a snapshot is. */
export function syncIdentity(work: WorkingSync, tenantId: string): Record<string, string> {
  return {
    'sync:id': work.syncId,
    'sync:kind': work.kind,
    'sync:tenantId': tenantId,
    ...(work.parentSyncId ? { 'sync:parentSyncId': work.parentSyncId } : {}),
  };
}

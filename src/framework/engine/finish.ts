import type { SnapshotDb } from '../../snapshot/database.js';
import type { HeaderDraft } from '../../snapshot/file.js';
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
    counts: {
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
 * Turns the copy that becomes the snapshot from working state into a finished sync: progress
 * keys go, the sync's identity comes in. The working database itself is left as it is until the
 * file is in place, so a failed write can still be resumed.
 */
export function sealCopy(work: WorkingSync, tenantId: string): (copy: SnapshotDb) => void {
  return (copy) => {
    // `replaying:` is where working databases of earlier builds kept a phase's replay flag.
    for (const prefix of ['work:', 'replaying:']) {
      for (const k of Object.keys(copy.metaWithPrefix(prefix))) copy.deleteMeta(k);
    }
    for (const [k, v] of Object.entries(syncIdentity(work, tenantId))) copy.setMeta(k, v);
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

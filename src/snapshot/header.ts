import type { SyncKind } from '../framework/types.js';

export type { SyncKind };

/** Names one snapshot file's content: its sync and the SHA-256 of its body. */
export interface SnapshotRef {
  syncId: string;
  sha256: string;
}

/** The header at the front of every snapshot file; readable without decompressing the body. */
export interface SnapshotHeader {
  format: 'baton-entra-snapshot';
  /**
   * 1: the body is the whole database. 2: a diff snapshot, whose body holds only the records
   * changed since `base` (./diff-body.ts); a reader of version 1 alone refuses it rather than
   * taking a few changes for the whole tenant.
   */
  formatVersion: 1 | 2;
  /** The body's database schema (SCHEMA_VERSION when written); absent in schema-1 snapshots. */
  schemaVersion?: number;
  syncId: string;
  tenantId: string;
  kind: SyncKind;
  /** The sync this one was built incrementally from, for `kind: incremental`. */
  parentSyncId?: string;
  startedAt: string;
  endedAt: string;
  counts: {
    resourceTypes: number;
    resources: number;
    entitlements: number;
    grants: number;
    resourcesByType: Record<string, number>;
  };
  /** A diff snapshot's parent: the snapshot its changes apply to, by sync id and body SHA-256. */
  base?: SnapshotRef;
  /** A diff snapshot's records, by table: rows written (added or changed) and removed. */
  changes?: Record<string, { put: number; removed: number }>;
  /** Requests the sync made to the connected system (Graph HTTP requests). */
  graphRequests: number;
  /** Hex SHA-256 of the compressed body that follows the header. */
  sha256: string;
  /** Size in bytes of the compressed body. */
  bodyBytes: number;
}

/** Whether a snapshot holds only the changes since its `base` (formatVersion 2). */
export function isDiff(header: SnapshotHeader): header is SnapshotHeader & { base: SnapshotRef } {
  return header.formatVersion === 2 && header.base !== undefined;
}

import type { SyncKind } from '../framework/types.js';

export type { SyncKind };

/** The header at the front of every snapshot file; readable without decompressing the body. */
export interface SnapshotHeader {
  format: 'baton-entra-snapshot';
  formatVersion: 1;
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
  /** Requests the sync made to the connected system (Graph HTTP requests). */
  graphRequests: number;
  /** Hex SHA-256 of the compressed body that follows the header. */
  sha256: string;
  /** Size in bytes of the compressed body. */
  bodyBytes: number;
}

import type { ConnectorConfig } from '../../config/types.js';
import type { GraphClient } from '../../graph/types.js';
import type { Logger } from '../../observability/logger.js';

export type SyncKind = 'full' | 'incremental';

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
  /** Graph HTTP requests the sync made. */
  graphRequests: number;
  /** Hex SHA-256 of the compressed body that follows the header. */
  sha256: string;
  /** Size in bytes of the compressed body. */
  bodyBytes: number;
}

export interface SyncOptions {
  config: ConnectorConfig;
  /** Where the finished snapshot is written (atomically). */
  outFile: string;
  /** A previous snapshot to sync incrementally from (its delta links); full sync if absent/expired. */
  incrementalFrom?: string;
  /** Directory for checkpoints, so an interrupted sync resumes. Defaults next to outFile. */
  stateDir?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Injected Graph client; built from `config` when absent. */
  graph?: GraphClient;
  /** Injected clock (ms since epoch). */
  now?: () => number;
}

export interface SyncResult {
  file: string;
  header: SnapshotHeader;
}

/** Implemented by src/sync/run.ts. */
export type RunSync = (options: SyncOptions) => Promise<SyncResult>;

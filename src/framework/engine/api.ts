import type { Logger } from '../../observability/logger.js';
import type { SnapshotHeader, SyncKind } from '../../snapshot/header.js';
import type { ChainSource } from '../../snapshot/chain.js';
import type { Connector } from '../connector.js';

export type { SnapshotHeader, SyncKind };

/** Where and how the engine runs one sync of a connector. */
export interface EngineOptions {
  connector: Connector;
  /** Where the finished snapshot is written (atomically). */
  outFile: string;
  /** A previous snapshot to sync incrementally from (its source state); full sync if absent/expired. */
  incrementalFrom?: string;
  /**
   * Where the parents of `incrementalFrom` are, when it is a diff snapshot (default: its own
   * directory).
   */
  chain?: ChainSource;
  /**
   * Write a patched incremental as a diff snapshot, holding only the changes since its parent
   * (default true); false writes every sync whole.
   */
  diff?: boolean;
  /**
   * A full sync writes the output of each resource type whose collections are done while the
   * others still run (default true; see early-output.ts); false writes it all after the collection.
   */
  earlyOutput?: boolean;
  /** Directory for checkpoints, so an interrupted sync resumes. Defaults next to outFile. */
  stateDir?: string;
  logger?: Logger;
  signal?: AbortSignal;
  /** Injected clock (ms since epoch). */
  now?: () => number;
}

export interface SyncResult {
  file: string;
  header: SnapshotHeader;
}

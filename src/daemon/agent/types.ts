import type { TaskKind } from '../../protocol/task-kinds.js';
import type { Logger } from '../../observability/logger.js';
import type { ChainSource } from '../../snapshot/chain.js';

export interface AgentSettings {
  /** host:port of the control plane (BATON_CONTROL_PLANE_ADDRESS). */
  address: string;
  /** BATON_CLIENT_ID */
  clientId: string;
  /** BATON_CLIENT_SECRET */
  clientSecret: string;
  tls: { mode: 'tls' | 'insecure'; caPem?: string; certPem?: string; keyPem?: string; serverName?: string };
  /** BATON_HOST_ID (default hostname). */
  hostId: string;
  /** BATON_DATA_DIR: the spool lives in <dataDir>/spool, unsent task results in <dataDir>/task-results. */
  dataDir: string;
  version: string;
  spool?: { maxBytes?: number; maxFiles?: number };
  logger?: Logger;
  now?: () => number;
  /** Tasks run at the same time (default 3). */
  taskConcurrency?: number;
  /** Retry pacing; tests shorten it. Defaults: 1 s doubling to 5 min (Hello) / 60 s (others). */
  retry?: { initialMs?: number; maxMs?: number; helloMaxMs?: number; uploadAttempts?: number };
  /** Lower bound for server-given poll and heartbeat intervals (default 1 s). */
  minIntervalMs?: number;
  /** Told about deliveries, the spool and the connection as they change (the daemon's metrics). */
  observer?: AgentObserver;
  /**
   * The control plane refused this daemon after start (UNAUTHENTICATED/PERMISSION_DENIED …); the
   * agent has stopped. A refusal of the first Hello is thrown by start() instead.
   */
  onRefused?: (err: Error) => void;
  /**
   * Where the parents of spooled diff snapshots are (the daemon's local chain; the spool itself is
   * always searched too): a diff the control plane cannot take is made whole from them.
   */
  chain?: ChainSource;
  /**
   * A spooled diff could be sent neither as it is (the control plane lacks its parent) nor whole
   * (its local chain is gone too): it was dropped, and the control plane's copy of the tenant
   * stops before it until a full sync arrives.
   */
  onChainLost?: (syncId: string) => void;
}

/** Events of the agent, as they happen. Must not throw. */
export interface AgentObserver {
  /** A delivery attempt of one spooled snapshot ended (`bytes`: the snapshot's size). */
  upload(event: { result: 'success' | 'duplicate' | 'failure' | 'rejected'; bytes: number }): void;
  /** The spool changed (a snapshot added, delivered, dropped or found at start). */
  spool(state: { depth: number; bytes: number }): void;
  /** The control plane accepted a call (true) or a call failed (false). */
  connection(connected: boolean): void;
}

export interface AgentStatus {
  connected: boolean;
  /** The control plane refused this daemon for good (a bad or revoked credential); the agent stopped. */
  refused?: string;
  spoolDepth: number;
  spoolBytes: number;
  lastUploadAt?: string;
  lastError?: string;
}

/** The task kinds of the protocol (src/protocol/task-kinds.ts). */
export type AgentTaskKind = TaskKind;

export interface AgentTask {
  id: string;
  kind: AgentTaskKind;
  payload: Record<string, unknown>;
  /** Provisioning kinds: plan without acting. */
  dryRun?: boolean;
  /** Provisioning kinds: approved after the deletion guard held it. */
  approved?: boolean;
}

export type TaskResult =
  | { ok: true; response?: Record<string, unknown> }
  | {
      ok: false;
      code:
        | 'INVALID_ARGUMENT'
        | 'FAILED_PRECONDITION'
        | 'NOT_FOUND'
        | 'PERMISSION_DENIED'
        | 'UNAVAILABLE'
        | 'INTERNAL'
        | 'UNIMPLEMENTED'
        | 'CANCELLED';
      message: string;
      retryable: boolean;
    };

export type TaskHandler = (task: AgentTask, ctx: { signal: AbortSignal }) => Promise<TaskResult>;

export interface HelloInfo {
  connectionStatus: 'connected' | 'unconnected' | 'expired';
  credentialExpiresAt?: string;
  capabilities: string[];
  tenantId?: string;
}

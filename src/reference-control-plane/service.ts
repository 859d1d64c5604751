import { status, type sendUnaryData, type ServerReadableStream, type ServerUnaryCall } from '@grpc/grpc-js';
import type { Logger } from '../observability/logger.js';
import {
  ConnectionStatus,
  type ControlPlaneServiceServer,
  type FinishTaskRequest,
  type GetTasksRequest,
  type GetUploadStatusRequest,
  type HeartbeatRequest,
  type HelloRequest,
} from '../gen/baton_entra/v1/control_plane.js';
import { AuthError, ReplayError, verifyBearer } from './auth.js';
import { hostBelongsTo, HostOwnershipError, recordHello, touchHost } from './hosts.js';
import { RpcError, toServiceError } from './rpc-error.js';
import type { ControlPlaneStore } from './store.js';
import { toWireTask } from './task-kinds.js';
import { claimTasks, finishTask, heartbeatTasks, type TaskOutcome } from './tasks.js';
import { salvagingMessages } from './upload-stream.js';
import type { UploadReceiver } from './uploads.js';

export interface ServiceSettings {
  store: ControlPlaneStore;
  uploads: UploadReceiver;
  logger: Logger;
  now: () => Date;
  /** Delay the daemon waits between polls when idle. */
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
  /** A running task whose host stops heartbeating this long goes back to the queue. */
  taskLeaseMs: number;
  /** Told to daemons in Hello: the age recipient generated passwords are sealed to. */
  passwordRecipient?: string;
}

/** Control characters, invisible format characters (bidi overrides …) and line separators. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

type Call = ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>;

function duration(ms: number): { seconds: number; nanos: number } {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** The ControlPlaneService handlers. Every call is authenticated first; nothing is read before. */
export function createService(s: ServiceSettings): ControlPlaneServiceServer {
  const log = s.logger;

  async function authenticate(call: Call): Promise<string> {
    const header = call.metadata.get('authorization')[0];
    try {
      return await verifyBearer(s.store, typeof header === 'string' ? header : undefined, s.now());
    } catch (err) {
      if (err instanceof AuthError) {
        log.warn({ peer: call.getPeer(), reason: err.message }, 'rejected a call without a valid credential');
        throw new RpcError(
          status.UNAUTHENTICATED,
          err instanceof ReplayError
            ? 'replayed credential: each bearer token is accepted once'
            : 'invalid or missing credential',
        );
      }
      throw err;
    }
  }

  function requireHost(hostId: string, clientId: string): void {
    if (!hostId) throw new RpcError(status.INVALID_ARGUMENT, 'host_id is required');
    if (!hostBelongsTo(s.store, hostId, clientId)) {
      throw new RpcError(status.PERMISSION_DENIED, `host_id ${hostId} has not said Hello with this client`);
    }
    touchHost(s.store, hostId, s.now());
  }

  function unary<Req, Res>(name: string, fn: (req: Req, clientId: string) => Promise<Res> | Res) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      authenticate(call)
        .then((clientId) => fn(call.request, clientId))
        .then(
          (res) => callback(null, res),
          (err: unknown) => {
            if (!(err instanceof RpcError)) log.error({ err, rpc: name }, 'handler failed');
            callback(toServiceError(err));
          },
        );
    };
  }

  return {
    hello: unary('Hello', (req: HelloRequest, clientId) => {
      if (!req.hostId || req.hostId.length > 256)
        throw new RpcError(status.INVALID_ARGUMENT, 'host_id must be 1–256 characters');
      // It is printed by `hosts list` and written to logs: escapes there could forge output.
      if (UNPRINTABLE.test(req.hostId))
        throw new RpcError(status.INVALID_ARGUMENT, 'host_id must not contain control or format characters');
      try {
        recordHello(
          s.store,
          {
            hostId: req.hostId,
            clientId,
            version: req.version,
            connectionStatus: connectionStatusName(req.connectionStatus),
            capabilities: req.capabilities,
            ...(req.tenantId ? { tenantId: req.tenantId } : {}),
            ...(req.credentialExpiresAt
              ? { credentialExpiresAt: req.credentialExpiresAt.toISOString() }
              : {}),
            ...(req.buildInfo ? { buildInfo: req.buildInfo } : {}),
            ...(req.osInfo ? { osInfo: req.osInfo } : {}),
          },
          s.now(),
        );
      } catch (err) {
        if (err instanceof HostOwnershipError) throw new RpcError(status.PERMISSION_DENIED, err.message);
        throw err;
      }
      log.info({ hostId: req.hostId, version: req.version }, 'host said hello');
      return {
        serverTime: s.now(),
        passwordRecipient: s.passwordRecipient ?? '',
        acceptsDiffSnapshots: s.uploads.acceptsDiffs,
      };
    }),

    getTasks: unary('GetTasks', (req: GetTasksRequest, clientId) => {
      requireHost(req.hostId, clientId);
      const size = Math.min(Math.max(req.pageSize || 10, 1), 100);
      const tasks = claimTasks(s.store, req.hostId, req.knownTaskIds, size, s.taskLeaseMs, s.now());
      for (const t of tasks) log.info({ taskId: t.id, kind: t.kind, hostId: req.hostId }, 'task handed out');
      return {
        tasks: tasks.map((t) =>
          toWireTask(t.id, t.kind, t.payload, new Date(t.createdAt), {
            dryRun: t.dryRun,
            approved: t.approved,
          }),
        ),
        nextPoll: duration(tasks.length ? 0 : s.pollIntervalMs),
        nextHeartbeat: duration(s.heartbeatIntervalMs),
      };
    }),

    heartbeat: unary('Heartbeat', (req: HeartbeatRequest, clientId) => {
      requireHost(req.hostId, clientId);
      const cancelledTaskIds = heartbeatTasks(s.store, req.hostId, req.taskIds, s.now());
      return { nextHeartbeat: duration(s.heartbeatIntervalMs), cancelledTaskIds };
    }),

    finishTask: unary('FinishTask', (req: FinishTaskRequest, clientId) => {
      requireHost(req.hostId, clientId);
      const outcome = outcomeOf(req);
      const result = finishTask(s.store, req.hostId, req.taskId, outcome, s.now());
      if (result === 'unknown') throw new RpcError(status.NOT_FOUND, `task ${req.taskId} is unknown`);
      if (result === 'not-held') {
        log.warn(
          { taskId: req.taskId, hostId: req.hostId },
          'refused an outcome from a host not holding the task',
        );
        throw new RpcError(
          status.FAILED_PRECONDITION,
          `task ${req.taskId} is not held by host ${req.hostId}`,
        );
      }
      log.info({ taskId: req.taskId, hostId: req.hostId, ok: outcome.ok }, 'task finished');
      return {};
    }),

    getUploadStatus: unary('GetUploadStatus', async (req: GetUploadStatusRequest, clientId) => {
      requireHost(req.hostId, clientId);
      // An older daemon sends neither base field: its snapshots are whole.
      const base =
        req.baseSyncId || req.baseSha256 ? { syncId: req.baseSyncId, sha256: req.baseSha256 } : undefined;
      return s.uploads.status(clientId, req.syncId, req.sha256, base);
    }),

    uploadSnapshot: (call, callback) => {
      authenticate(call)
        .then((clientId) =>
          s.uploads.receive(
            salvagingMessages(call),
            clientId,
            (hostId) => {
              if (!hostBelongsTo(s.store, hostId, clientId)) return false;
              touchHost(s.store, hostId, s.now());
              return true;
            },
            () => call.destroy(),
          ),
        )
        .then(
          (res) => {
            log.info({ syncId: res.syncId, bytes: res.bytes, duplicate: res.duplicate }, 'snapshot received');
            callback(null, res);
          },
          (err: unknown) => {
            if (err instanceof RpcError) log.warn({ code: err.code, reason: err.message }, 'upload stopped');
            else log.warn({ err: (err as Error).message }, 'upload stream broke');
            callback(toServiceError(err));
          },
        );
    },
  };
}

function outcomeOf(req: FinishTaskRequest): TaskOutcome {
  if (req.success) return { ok: true, ...(req.success.response ? { response: req.success.response } : {}) };
  if (req.error)
    return { ok: false, code: req.error.code, message: req.error.message, retryable: req.error.retryable };
  throw new RpcError(status.INVALID_ARGUMENT, 'FinishTask needs success or error');
}

function connectionStatusName(c: ConnectionStatus): string {
  switch (c) {
    case ConnectionStatus.CONNECTION_STATUS_CONNECTED:
      return 'connected';
    case ConnectionStatus.CONNECTION_STATUS_UNCONNECTED:
      return 'unconnected';
    case ConnectionStatus.CONNECTION_STATUS_EXPIRED:
      return 'expired';
    default:
      return 'unknown';
  }
}

import type { ConnectorConfig } from '../config/types.js';
import type { Logger } from '../observability/logger.js';
import type { SyncKind, SyncResult } from '../framework/engine/api.js';
import type { AgentTask, TaskResult } from './agent/agent.js';
import type { ProvisioningService } from '../framework/provisioning/service.js';
import { isProvisioningKind } from '../protocol/task-kinds.js';
import { runProvisioningTask } from './provisioning-tasks.js';

/** What a task handler may use: the current configuration and the daemon's sync gate. */
export interface TaskContext {
  config: ConnectorConfig;
  logger: Logger;
  signal: AbortSignal;
  now: () => number;
  /** Runs a sync through the scheduler's no-overlap gate. */
  sync: (kind: SyncKind) => Promise<SyncResult | 'busy' | 'paused'>;
  /** Lists resource-change events (the directoryAudits feed). */
  listEvents?: (since: Date, signal: AbortSignal) => Promise<{ events: object[]; truncated: boolean }>;
  /** The provisioning service for the current configuration (only asked when provisioning is on). */
  provisioning?: () => ProvisioningService;
}

/** Dispatches one control-plane task. Errors become results; nothing here throws to the agent. */
export async function handleTask(task: AgentTask, ctx: TaskContext): Promise<TaskResult> {
  try {
    switch (task.kind) {
      case 'sync_full':
      case 'sync_incremental':
        return await runSyncTask(task.kind === 'sync_full' ? 'full' : 'incremental', ctx);
      case 'list_events':
        return await listEventsTask(task, ctx);
      default:
        if (isProvisioningKind(task.kind)) return await provisioningTask(task, ctx);
        return {
          ok: false,
          code: 'UNIMPLEMENTED',
          message: `unknown task kind ${task.kind}`,
          retryable: false,
        };
    }
  } catch (err) {
    if (ctx.signal.aborted) {
      return { ok: false, code: 'CANCELLED', message: 'task cancelled', retryable: true };
    }
    ctx.logger.error({ err: (err as Error).message }, 'task failed');
    return { ok: false, code: 'INTERNAL', message: (err as Error).message, retryable: true };
  }
}

async function runSyncTask(kind: SyncKind, ctx: TaskContext): Promise<TaskResult> {
  const result = await ctx.sync(kind);
  if (result === 'busy') {
    return { ok: false, code: 'UNAVAILABLE', message: 'a sync is already running', retryable: true };
  }
  if (result === 'paused') {
    return {
      ok: false,
      code: 'FAILED_PRECONDITION',
      message: 'syncs are paused on this host (BATON_SYNC_ACTIVE=false or not the leader)',
      retryable: true,
    };
  }
  const { header } = result;
  return {
    ok: true,
    response: { syncId: header.syncId, kind: header.kind, counts: header.counts, sha256: header.sha256 },
  };
}

async function listEventsTask(task: AgentTask, ctx: TaskContext): Promise<TaskResult> {
  if (!ctx.listEvents) {
    return { ok: false, code: 'UNIMPLEMENTED', message: 'the event feed is not available', retryable: false };
  }
  const sinceRaw = task.payload['since'];
  const since = typeof sinceRaw === 'string' ? new Date(sinceRaw) : new Date(ctx.now() - 24 * 3600_000);
  if (Number.isNaN(since.getTime())) {
    return {
      ok: false,
      code: 'INVALID_ARGUMENT',
      message: 'since: expected an ISO 8601 time',
      retryable: false,
    };
  }
  const { events, truncated } = await ctx.listEvents(since, ctx.signal);
  return { ok: true, response: { events, truncated } };
}

async function provisioningTask(task: AgentTask, ctx: TaskContext): Promise<TaskResult> {
  if (!ctx.config.provisioning) {
    return {
      ok: false,
      code: 'FAILED_PRECONDITION',
      message: `${task.kind}: provisioning is disabled on this host (set BATON_PROVISIONING=true)`,
      retryable: false,
    };
  }
  if (!ctx.provisioning) {
    return {
      ok: false,
      code: 'UNIMPLEMENTED',
      message: `${task.kind}: provisioning is not available here`,
      retryable: false,
    };
  }
  return runProvisioningTask(task, ctx.provisioning(), ctx.signal);
}

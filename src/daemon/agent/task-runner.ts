import { status } from '@grpc/grpc-js';
import type {
  FinishTaskRequest,
  FinishTaskResponse,
  GetTasksRequest,
  GetTasksResponse,
  HeartbeatRequest,
  HeartbeatResponse,
} from '../../gen/baton_entra/v1/control_plane.js';
import { clampDuration, type AgentContext } from './context.js';
import type { AgentTask, TaskHandler, TaskResult } from './types.js';
import { backoffDelay } from '../../retry/backoff.js';
import { Waker } from './waker.js';
import { describe, isPermanent, isServiceError, unary } from './rpc.js';
import { fromWireTask, toWireError } from './task-wire.js';
import { isSafeTaskId, type TaskResults } from './task-results.js';

/** Baton cancels a task after this many heartbeats fail in a row. */
const MAX_HEARTBEAT_FAILURES = 10;
const DEFAULT_HEARTBEAT_MS = 30_000;
const DEFAULT_POLL_MS = 5_000;
/** How long stop() waits for running handlers to notice their signal. */
const STOP_GRACE_MS = 10_000;

interface Running {
  task: AgentTask;
  ctl: AbortController;
  done: Promise<void>;
}

/**
 * Polls for tasks, runs them through the handler (up to `concurrency` at once), heartbeats while
 * any runs, and reports each outcome with FinishTask until the control plane acknowledges it.
 */
export class TaskRunner {
  private readonly running = new Map<string, Running>();
  /** Outcomes persisted but not yet acknowledged. */
  private readonly unacked = new Map<string, TaskResult>();
  private readonly finishing = new Set<Promise<void>>();
  private readonly pollWaker = new Waker();
  private readonly heartbeatWaker = new Waker();
  private heartbeatMs = DEFAULT_HEARTBEAT_MS;
  private heartbeatFailures = 0;

  constructor(
    private readonly ctx: AgentContext,
    private readonly handler: TaskHandler,
    private readonly results: TaskResults,
    private readonly concurrency: number,
  ) {}

  /** Runs until stop: re-sends outcomes a previous run left unacknowledged, then polls. */
  async run(): Promise<void> {
    for (const [id, result] of await this.results.open()) this.finish(id, result);
    const heartbeats = this.heartbeatLoop();
    await this.pollLoop();
    for (const r of this.running.values()) r.ctl.abort(new Error('agent stopping'));
    this.heartbeatWaker.wake();
    // A handler that ignores its signal must not hold shutdown forever: its task is handed out
    // again after the restart (the control plane never heard an outcome).
    const settled = Promise.allSettled([
      ...[...this.running.values()].map((r) => r.done),
      heartbeats,
      ...this.finishing,
    ]);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (this.running.size)
          this.ctx.log.warn({ taskIds: [...this.running.keys()] }, 'tasks did not stop in time');
        resolve();
      }, STOP_GRACE_MS);
    });
    await Promise.race([settled, grace]);
    clearTimeout(timer);
  }

  private async pollLoop(): Promise<void> {
    const { ctx } = this;
    let failures = 0;
    while (!ctx.signal.aborted) {
      if (this.running.size >= this.concurrency) {
        await this.pollWaker.sleep(DEFAULT_POLL_MS, ctx.signal);
        continue;
      }
      let delay: number;
      try {
        const res = await unary<GetTasksRequest, GetTasksResponse>(
          ctx.client,
          ctx.client.getTasks,
          {
            hostId: ctx.hostId,
            pageSize: this.concurrency - this.running.size,
            knownTaskIds: [...this.running.keys(), ...this.unacked.keys()],
          },
          ctx.tokens,
        );
        ctx.markOk();
        failures = 0;
        this.heartbeatMs = clampDuration(res.nextHeartbeat, DEFAULT_HEARTBEAT_MS, ctx.minIntervalMs);
        for (const t of res.tasks) this.accept(t);
        delay = res.tasks.length ? 0 : clampDuration(res.nextPoll, DEFAULT_POLL_MS, ctx.minIntervalMs);
      } catch (err) {
        if (ctx.signal.aborted) break;
        ctx.markError(err);
        if (isServiceError(err) && err.code === status.UNAUTHENTICATED) return ctx.fatal(err);
        if (isPermanent(err)) await ctx.rehello();
        delay = backoffDelay(++failures, ctx.retry);
        ctx.log.warn({ err: describe(err), delayMs: delay }, 'polling for tasks failed');
      }
      if (delay > 0) await this.pollWaker.sleep(delay, ctx.signal);
    }
  }

  private accept(wire: Parameters<typeof fromWireTask>[0]): void {
    const { ctx } = this;
    if (!isSafeTaskId(wire.id) || this.running.has(wire.id)) return;
    const saved = this.unacked.get(wire.id);
    if (saved) return; // already done here; its FinishTask is under way
    const task = fromWireTask(wire);
    if (!task) {
      ctx.log.warn({ taskId: wire.id }, 'task of an unknown kind');
      this.finish(wire.id, {
        ok: false,
        code: 'UNIMPLEMENTED',
        message: 'task kind not supported by this version',
        retryable: false,
      });
      return;
    }
    const ctl = new AbortController();
    const done = this.execute(task, ctl).finally(() => {
      this.running.delete(task.id);
      this.pollWaker.wake();
    });
    this.running.set(task.id, { task, ctl, done });
    this.heartbeatWaker.wake();
  }

  private async execute(task: AgentTask, ctl: AbortController): Promise<void> {
    const { ctx } = this;
    const log = ctx.log.child({ taskId: task.id, kind: task.kind });
    log.info('task started');
    let result: TaskResult;
    try {
      result = await this.handler(task, { signal: ctl.signal });
    } catch (err) {
      result = ctl.signal.aborted
        ? {
            ok: false,
            code: 'CANCELLED',
            message: String((ctl.signal.reason as Error)?.message ?? 'cancelled'),
            retryable: true,
          }
        : {
            ok: false,
            code: 'INTERNAL',
            message: err instanceof Error ? err.message : String(err),
            retryable: true,
          };
    }
    if (ctl.signal.aborted && !ctx.signal.aborted && !result.ok) result = { ...result, code: 'CANCELLED' };
    if (ctx.signal.aborted && !result.ok) {
      // Interrupted by shutdown: leave the task to be handed out again rather than report a failure.
      log.info('task interrupted by shutdown; it will run again');
      return;
    }
    log.info({ ok: result.ok, ...(result.ok ? {} : { code: result.code }) }, 'task finished');
    try {
      await this.results.save(task.id, result, new Date(ctx.now()).toISOString());
    } catch (err) {
      log.error({ err: (err as Error).message }, 'could not persist the task outcome; reporting it anyway');
    }
    this.finish(task.id, result);
  }

  /** Reports an outcome until acknowledged (or stop; it stays on disk for the next start). */
  private finish(taskId: string, result: TaskResult): void {
    this.unacked.set(taskId, result);
    const p = this.reportLoop(taskId, result).finally(() => this.finishing.delete(p));
    this.finishing.add(p);
  }

  private async reportLoop(taskId: string, result: TaskResult): Promise<void> {
    const { ctx } = this;
    const req: FinishTaskRequest = {
      hostId: ctx.hostId,
      taskId,
      ...(result.ok ? { success: { response: result.response ?? {} } } : { error: toWireError(result) }),
    };
    for (let attempt = 0; !ctx.signal.aborted; attempt++) {
      try {
        await unary<FinishTaskRequest, FinishTaskResponse>(
          ctx.client,
          ctx.client.finishTask,
          req,
          ctx.tokens,
        );
        ctx.markOk();
        break;
      } catch (err) {
        if (ctx.signal.aborted) return;
        if (isServiceError(err) && err.code === status.NOT_FOUND) {
          ctx.log.warn({ taskId }, 'the control plane no longer knows this task; dropping its outcome');
          break;
        }
        // The task is no longer this host's (its lease passed to another host, or it was cancelled
        // before it ran): the control plane will never take this outcome, so retrying is pointless.
        if (isServiceError(err) && err.code === status.FAILED_PRECONDITION) {
          ctx.log.warn(
            { taskId, err: describe(err) },
            'the control plane refused the outcome of a task this host no longer holds; dropping it',
          );
          break;
        }
        ctx.markError(err);
        const delay = backoffDelay(attempt + 1, ctx.retry);
        ctx.log.warn({ taskId, err: describe(err), delayMs: delay }, 'FinishTask failed; retrying');
        await new Waker().sleep(delay, ctx.signal);
      }
    }
    if (ctx.signal.aborted) return;
    this.unacked.delete(taskId);
    await this.results.delete(taskId);
  }

  private async heartbeatLoop(): Promise<void> {
    const { ctx } = this;
    while (!ctx.signal.aborted) {
      if (this.running.size === 0) {
        await this.heartbeatWaker.sleep(60_000, ctx.signal);
        continue;
      }
      await this.heartbeatWaker.sleep(this.heartbeatMs, ctx.signal);
      if (ctx.signal.aborted || this.running.size === 0) continue;
      await this.heartbeatOnce();
    }
  }

  private async heartbeatOnce(): Promise<void> {
    const { ctx } = this;
    const ids = [...this.running.keys()];
    try {
      const res = await unary<HeartbeatRequest, HeartbeatResponse>(
        ctx.client,
        ctx.client.heartbeat,
        { hostId: ctx.hostId, taskIds: ids },
        ctx.tokens,
      );
      ctx.markOk();
      this.heartbeatFailures = 0;
      this.heartbeatMs = clampDuration(res.nextHeartbeat, DEFAULT_HEARTBEAT_MS, ctx.minIntervalMs);
      for (const id of res.cancelledTaskIds) {
        const r = this.running.get(id);
        if (r && !r.ctl.signal.aborted) {
          ctx.log.info({ taskId: id }, 'the control plane cancelled the task');
          r.ctl.abort(new Error('cancelled by the control plane'));
        }
      }
    } catch (err) {
      if (ctx.signal.aborted) return;
      ctx.markError(err);
      this.heartbeatFailures++;
      ctx.log.warn({ err: describe(err), failures: this.heartbeatFailures }, 'heartbeat failed');
      if (this.heartbeatFailures >= MAX_HEARTBEAT_FAILURES) {
        for (const r of this.running.values())
          r.ctl.abort(new Error(`${MAX_HEARTBEAT_FAILURES} heartbeats failed in a row`));
        this.heartbeatFailures = 0;
      }
    }
  }
}

import type { Task, TaskError } from '../../gen/baton_entra/v1/task.js';
import { payloadOf, TASK_KINDS } from '../../protocol/task-kinds.js';
import type { AgentTask, TaskResult } from './types.js';

/**
 * The handler's view of a wire task: the kind, and the payload as protobuf JSON (camelCase).
 * Returns undefined for a task this version does not know (a newer control plane).
 */
export function fromWireTask(task: Task): AgentTask | undefined {
  for (const kind of TASK_KINDS) {
    const { field, codec } = payloadOf(kind);
    const payload = task[field];
    if (payload !== undefined) {
      return {
        id: task.id,
        kind,
        payload: (codec.toJSON(payload as never) ?? {}) as Record<string, unknown>,
        ...(task.dryRun ? { dryRun: true } : {}),
        ...(task.approved ? { approved: true } : {}),
      };
    }
  }
  return undefined;
}

/** google.rpc.Code numbers. */
const CODES: Record<Extract<TaskResult, { ok: false }>['code'], number> = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
};

export function toWireError(r: Extract<TaskResult, { ok: false }>): TaskError {
  return { code: CODES[r.code], message: r.message, retryable: r.retryable };
}

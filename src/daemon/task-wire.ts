import {
  CreateAccountTask,
  DeleteAccountTask,
  DisableAccountTask,
  EnableAccountTask,
  GrantTask,
  InvokeActionTask,
  ListEventsTask,
  RevokeTask,
  SyncFullTask,
  SyncIncrementalTask,
  type Task,
  type TaskError,
} from '../gen/baton_entra/v1/task.js';
import type { AgentTask, AgentTaskKind, TaskResult } from './agent-types.js';

interface Codec {
  toJSON(message: never): unknown;
}

const FIELDS: [keyof Task, AgentTaskKind, Codec][] = [
  ['syncFull', 'sync_full', SyncFullTask],
  ['syncIncremental', 'sync_incremental', SyncIncrementalTask],
  ['grant', 'grant', GrantTask],
  ['revoke', 'revoke', RevokeTask],
  ['createAccount', 'create_account', CreateAccountTask],
  ['enableAccount', 'enable_account', EnableAccountTask],
  ['disableAccount', 'disable_account', DisableAccountTask],
  ['deleteAccount', 'delete_account', DeleteAccountTask],
  ['invokeAction', 'invoke_action', InvokeActionTask],
  ['listEvents', 'list_events', ListEventsTask],
];

/**
 * The handler's view of a wire task: the kind, and the payload as protobuf JSON (camelCase).
 * Returns undefined for a task this version does not know (a newer control plane).
 */
export function fromWireTask(task: Task): AgentTask | undefined {
  for (const [field, kind, codec] of FIELDS) {
    const payload = task[field];
    if (payload !== undefined) {
      return {
        id: task.id,
        kind,
        payload: (codec.toJSON(payload as never) ?? {}) as Record<string, unknown>,
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

import type { Task } from '../gen/baton_entra/v1/task.js';
import { payloadOf, type TaskKind } from '../protocol/task-kinds.js';

export { isProvisioningKind, isTaskKind, TASK_KINDS, type TaskKind } from '../protocol/task-kinds.js';

/**
 * Parses and normalises a payload (camelCase JSON of the kind's message, as `protojson` writes it)
 * and checks the fields a kind cannot do without. Throws with the field name on bad input.
 */
export function normalisePayload(kind: TaskKind, payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error(`payload for ${kind} must be a JSON object`);
  }
  const { codec } = payloadOf(kind);
  const message = codec.fromJSON(payload);
  const json = codec.toJSON(message as never) as Record<string, unknown>;
  const missing = requiredFields(kind).filter((f) => !hasValue(json[f]));
  if (missing.length) throw new Error(`payload for ${kind} needs ${missing.join(', ')}`);
  return json;
}

function requiredFields(kind: TaskKind): string[] {
  switch (kind) {
    case 'grant':
      return ['entitlementId', 'principal'];
    case 'revoke':
      return ['grantId'];
    case 'create_account':
      return ['login'];
    case 'enable_account':
    case 'disable_account':
    case 'delete_account':
    case 'restore_account':
      return ['account'];
    case 'invoke_action':
      return ['name'];
    default:
      return [];
  }
}

function hasValue(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (typeof v === 'object') return Object.values(v).some(hasValue);
  return true;
}

/** Builds the wire Task from a stored one. */
export function toWireTask(
  id: string,
  kind: TaskKind,
  payload: Record<string, unknown>,
  createdAt: Date,
  flags: { dryRun?: boolean; approved?: boolean } = {},
): Task {
  const { field, codec } = payloadOf(kind);
  return {
    id,
    createdAt,
    dryRun: flags.dryRun === true,
    approved: flags.approved === true,
    [field]: codec.fromJSON(payload),
  } as Task;
}

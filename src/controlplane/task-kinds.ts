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
} from '../gen/baton_entra/v1/task.js';

interface PayloadCodec {
  fromJSON(object: unknown): unknown;
  toJSON(message: never): unknown;
}

/** Task kinds by their wire name (the `Task.payload` oneof field), with the typed payload codec. */
const KINDS = {
  sync_full: { field: 'syncFull', codec: SyncFullTask },
  sync_incremental: { field: 'syncIncremental', codec: SyncIncrementalTask },
  grant: { field: 'grant', codec: GrantTask },
  revoke: { field: 'revoke', codec: RevokeTask },
  create_account: { field: 'createAccount', codec: CreateAccountTask },
  enable_account: { field: 'enableAccount', codec: EnableAccountTask },
  disable_account: { field: 'disableAccount', codec: DisableAccountTask },
  delete_account: { field: 'deleteAccount', codec: DeleteAccountTask },
  invoke_action: { field: 'invokeAction', codec: InvokeActionTask },
  list_events: { field: 'listEvents', codec: ListEventsTask },
} as const satisfies Record<string, { field: keyof Task; codec: PayloadCodec }>;

export type TaskKind = keyof typeof KINDS;
export const TASK_KINDS = Object.keys(KINDS) as TaskKind[];

export function isTaskKind(kind: string): kind is TaskKind {
  return Object.hasOwn(KINDS, kind);
}

/**
 * Parses and normalises a payload (camelCase JSON of the kind's message, as `protojson` writes it)
 * and checks the fields a kind cannot do without. Throws with the field name on bad input.
 */
export function normalisePayload(kind: TaskKind, payload: unknown): Record<string, unknown> {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    throw new Error(`payload for ${kind} must be a JSON object`);
  }
  const { codec } = KINDS[kind] as { codec: PayloadCodec };
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
): Task {
  const { field, codec } = KINDS[kind] as { field: keyof Task; codec: PayloadCodec };
  return { id, createdAt, [field]: codec.fromJSON(payload) } as Task;
}

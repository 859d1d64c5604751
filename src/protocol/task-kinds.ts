import {
  CreateAccountTask,
  DeleteAccountTask,
  DisableAccountTask,
  EnableAccountTask,
  GrantTask,
  InvokeActionTask,
  ListEventsTask,
  RestoreAccountTask,
  RevokeTask,
  SyncFullTask,
  SyncIncrementalTask,
  type Task,
} from '../gen/baton_entra/v1/task.js';

/** A generated message's protobuf-JSON codec. */
export interface PayloadCodec {
  fromJSON(object: unknown): unknown;
  toJSON(message: never): unknown;
}

/**
 * Task kinds by their wire name, with the `Task.payload` oneof field that carries each and its
 * typed payload codec. Both ends of the protocol (control plane and daemon) read this one table.
 */
export const TASK_PAYLOADS = {
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
  restore_account: { field: 'restoreAccount', codec: RestoreAccountTask },
} as const satisfies Record<string, { field: keyof Task; codec: PayloadCodec }>;

export type TaskKind = keyof typeof TASK_PAYLOADS;
export const TASK_KINDS = Object.keys(TASK_PAYLOADS) as TaskKind[];

export function isTaskKind(kind: string): kind is TaskKind {
  return Object.hasOwn(TASK_PAYLOADS, kind);
}

/** The field and codec of a kind, typed loosely enough to index a `Task`. */
export function payloadOf(kind: TaskKind): { field: keyof Task; codec: PayloadCodec } {
  return TASK_PAYLOADS[kind];
}

/** Kinds that change the directory: off unless BATON_PROVISIONING, each with a dry run. */
export const PROVISIONING_KINDS: readonly TaskKind[] = [
  'grant',
  'revoke',
  'create_account',
  'enable_account',
  'disable_account',
  'delete_account',
  'restore_account',
  'invoke_action',
];

export function isProvisioningKind(kind: TaskKind): boolean {
  return PROVISIONING_KINDS.includes(kind);
}

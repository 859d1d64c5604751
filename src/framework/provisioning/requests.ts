import type { JsonObject, Principal, ResourceId } from '../types.js';

/**
 * One provisioning operation as the control plane or the CLI asks for it. Ids are exactly the
 * snapshot's: a grant names an entitlement id and a principal, a revoke a grant id.
 */
export type ProvisionRequest =
  | { kind: 'grant'; entitlementId: string; principal: Principal; durationMs?: number }
  | { kind: 'revoke'; grantId: string }
  | {
      kind: 'create_account';
      resourceType: string;
      login: string;
      displayName?: string;
      emails?: string[];
      profile?: JsonObject;
      /** age X25519 recipient (`age1…`) the generated password is sealed to. */
      passwordRecipient?: string;
    }
  | { kind: AccountOperation; account: ResourceId }
  | { kind: 'invoke_action'; name: string; args: JsonObject };

export type AccountOperation = 'enable_account' | 'disable_account' | 'delete_account' | 'restore_account';

export const ACCOUNT_OPERATIONS: readonly AccountOperation[] = [
  'enable_account',
  'disable_account',
  'delete_account',
  'restore_account',
];

/** What a caller may get wrong or meet, in google.rpc terms the task protocol carries. */
export type ProvisioningErrorCode =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  | 'PERMISSION_DENIED'
  | 'UNAVAILABLE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL';

/** An operation that could not be carried out, with whether running it again could succeed. */
export class ProvisioningError extends Error {
  constructor(
    readonly code: ProvisioningErrorCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ProvisioningError';
  }
}

export function invalidArgument(message: string): ProvisioningError {
  return new ProvisioningError('INVALID_ARGUMENT', message);
}

/** A grant id split from the end: `<entitlementId>:<principalType>:<principalId>`. */
export function parseGrantId(id: string): { entitlementId: string; principal: Principal } {
  const parts = id.split(':');
  if (parts.length < 5 || parts.some((p) => p === '')) {
    throw invalidArgument(
      `grant id "${id}" is not <resourceType>:<resourceId>:<slug>:<principalType>:<principalId>`,
    );
  }
  const principalId = parts.pop()!;
  const principalType = parts.pop()!;
  return { entitlementId: parts.join(':'), principal: { type: principalType, id: principalId } };
}

/** `type:id` as the CLI and the task payloads spell a principal or an account. */
export function parseTypedId(flag: string, value: string): { type: string; id: string } {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1 || value.indexOf(':', i + 1) !== -1) {
    throw invalidArgument(`${flag}: expected TYPE:ID (e.g. user:<object id>), got "${value}"`);
  }
  return { type: value.slice(0, i), id: value.slice(i + 1) };
}

import type { Grant, JsonObject, JsonValue, Principal, Resource, ResourceId, ResourceType } from './types.js';

/**
 * Provisioning capabilities, after baton-sdk's connector builder: a resource type that can change
 * its system implements one of these beside its syncer, and implementing it is the capability —
 * there are no flags. Nothing here knows a particular system.
 */

/** How an operation ended: done now, found already done, only planned (dry run), or held by the guard. */
export type ProvisionOutcome = 'applied' | 'already_applied' | 'planned' | 'held';

/** One write an operation makes (or, in a dry run, would make). Never carries a secret. */
export interface PlannedRequest {
  /** Which API the request goes to (e.g. `graph`, `exchange`). */
  service: string;
  method: string;
  url: string;
  body?: JsonValue;
}

export interface OperationResult {
  outcome: ProvisionOutcome;
  requests: PlannedRequest[];
  /** Grants the operation created (a grant) or removed (a revoke), as the next snapshot will show them. */
  grants?: Grant[];
  /** The account an account operation created or changed. */
  resource?: Resource;
  /** Operation-specific facts (counts, the next free login, a sealed password). */
  detail?: JsonObject;
}

/** What an implementation returns; the provisioning service adds the requests it recorded. */
export type ImplementationResult = Omit<OperationResult, 'requests'>;

/**
 * How an operation runs. An implementation reads what it needs for real, and passes every write
 * through `record` before sending it — or, in a dry run, instead of sending it — so that the result
 * lists the exact requests made or planned.
 */
export interface OperationOptions {
  dryRun: boolean;
  /** A time-bound grant's length (ms); absent = until revoked. */
  durationMs?: number;
  signal?: AbortSignal;
  /**
   * Set when the same task ran before without a recorded outcome (a crash after the change): an
   * implementation re-reads and reports what it finds rather than failing on its own earlier write.
   */
  replay?: boolean;
  record(request: PlannedRequest): void;
}

/** An entitlement named by its id, split into resource and slug. */
export interface EntitlementRef {
  id: string;
  resource: ResourceId;
  slug: string;
}

/** Grants and revokes the entitlements of one resource type (Baton's ResourceProvisioner). */
export interface ResourceProvisioner {
  readonly resourceType: ResourceType;
  grant(
    entitlement: EntitlementRef,
    principal: Principal,
    options: OperationOptions,
  ): Promise<ImplementationResult>;
  revoke(
    grant: { id: string; entitlement: EntitlementRef; principal: Principal },
    options: OperationOptions,
  ): Promise<ImplementationResult>;
  /** How many principals hold the entitlement now (the deletion guard's share); undefined if unknown. */
  holders?(entitlement: EntitlementRef, signal?: AbortSignal): Promise<number | undefined>;
}

/** What an account is created from (Baton's AccountInfo). */
export interface AccountInfo {
  login: string;
  displayName: string;
  emails?: string[];
  profile?: JsonObject;
}

/** Creates and manages accounts of one resource type (Baton's AccountManager and ResourceDeleter). */
export interface AccountManager {
  readonly resourceType: ResourceType;
  /**
   * Creates the account with `credential.password` (generated and already sealed by the service,
   * so a recipient that cannot be sealed to stops the operation before anything is created).
   * Returns `already_applied` with the account when `options.replay` finds it created.
   */
  createAccount(
    info: AccountInfo,
    credential: { password: string },
    options: OperationOptions,
  ): Promise<ImplementationResult>;
  enableAccount(id: string, options: OperationOptions): Promise<ImplementationResult>;
  disableAccount(id: string, options: OperationOptions): Promise<ImplementationResult>;
  deleteAccount(id: string, options: OperationOptions): Promise<ImplementationResult>;
  restoreAccount(id: string, options: OperationOptions): Promise<ImplementationResult>;
}

/** A connector action's declaration, listable by a control plane. */
export interface ActionSchema {
  name: string;
  displayName: string;
  description: string;
  /** JSON Schema of the action's arguments. */
  arguments: JsonObject;
  /** Whether the action takes access away (it then counts against the deletion guard). */
  destructive: boolean;
}

/** Named operations beyond grant and revoke (Baton's ActionManager). */
export interface ActionManager {
  listActions(): ActionSchema[];
  invokeAction(name: string, args: JsonObject, options: OperationOptions): Promise<ImplementationResult>;
}

export type Capability = 'sync' | 'provision' | 'account_provisioning' | 'actions';

export function isResourceProvisioner(x: unknown): x is ResourceProvisioner {
  return (
    has(x, 'grant') && has(x, 'revoke') && typeof (x as { resourceType?: unknown }).resourceType === 'object'
  );
}

export function isAccountManager(x: unknown): x is AccountManager {
  return has(x, 'createAccount');
}

export function isActionManager(x: unknown): x is ActionManager {
  return has(x, 'listActions') && has(x, 'invokeAction');
}

/** The capabilities a set of implementations offers, worked out from what they implement. */
export function capabilitiesOf(parts: readonly unknown[]): Capability[] {
  const caps: Capability[] = ['sync'];
  if (parts.some(isResourceProvisioner)) caps.push('provision');
  if (parts.some(isAccountManager)) caps.push('account_provisioning');
  if (parts.some(isActionManager)) caps.push('actions');
  return caps;
}

function has(x: unknown, method: string): boolean {
  return typeof x === 'object' && x !== null && typeof (x as Record<string, unknown>)[method] === 'function';
}

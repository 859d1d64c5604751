import { silentLogger, type Logger } from '../../observability/logger.js';
import {
  isActionManager,
  type AccountManager,
  type ActionManager,
  type ActionSchema,
  type EntitlementRef,
  type ImplementationResult,
  type OperationOptions,
  type OperationResult,
  type PlannedRequest,
  type ResourceProvisioner,
} from '../capabilities.js';
import { parseEntitlementId } from '../ids.js';
import type { JsonObject } from '../types.js';
import { guardReason, type DeletionGuardSettings } from './guard.js';
import type { JournalEntry, ProvisioningJournal } from './journal.js';
import {
  invalidArgument,
  parseGrantId,
  ProvisioningError,
  type AccountOperation,
  type ProvisionRequest,
} from './requests.js';
import { generatePassword, sealTo } from './seal.js';

export interface ProvisioningServiceOptions {
  provisioners: readonly ResourceProvisioner[];
  accounts?: AccountManager;
  actions?: ActionManager;
  journal: ProvisioningJournal;
  guard: DeletionGuardSettings;
  /**
   * The recipient a generated password is sealed to when a task names none: a fixed one, or asked at
   * each use (a control plane announces its own when it connects).
   */
  passwordRecipient?: string | (() => string | undefined);
  now?: () => number;
  logger?: Logger;
}

export interface RunOptions {
  dryRun?: boolean;
  /** An approval of a held operation: the guard lets this one through. */
  approved?: boolean;
  signal?: AbortSignal;
}

/** An operation's outcome with the task it belongs to and, when held, why. */
export type ServiceResult = OperationResult & { taskId: string; heldBecause?: string };

/**
 * The one way into provisioning: every grant, revoke, account change and action goes through
 * `run`, which journals the intent before any write and the outcome before returning, holds
 * destructive operations the deletion guard refuses, and plans without acting on a dry run.
 * Implementations (per resource type) know their system; this knows none.
 */
export class ProvisioningService {
  private readonly byType = new Map<string, ResourceProvisioner>();
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly o: ProvisioningServiceOptions) {
    for (const p of o.provisioners) this.byType.set(p.resourceType.id, p);
    this.now = o.now ?? Date.now;
    this.log = (o.logger ?? silentLogger).child({ component: 'provisioning' });
  }

  listActions(): ActionSchema[] {
    return this.o.actions && isActionManager(this.o.actions) ? this.o.actions.listActions() : [];
  }

  /** Operations waiting for an approval. */
  held(): JournalEntry[] {
    return this.o.journal.list('held');
  }

  /** Runs a held operation now. */
  async approve(taskId: string, signal?: AbortSignal): Promise<ServiceResult> {
    const entry = this.o.journal.get(taskId);
    if (!entry) throw new ProvisioningError('NOT_FOUND', `no operation ${taskId} in the journal`);
    if (entry.state !== 'held') {
      throw new ProvisioningError(
        'FAILED_PRECONDITION',
        `operation ${taskId} is ${entry.state}, not held: there is nothing to approve`,
      );
    }
    return this.run(taskId, entry.request, { approved: true, ...(signal ? { signal } : {}) });
  }

  async run(taskId: string, request: ProvisionRequest, opts: RunOptions = {}): Promise<ServiceResult> {
    const dryRun = opts.dryRun === true;
    const prior = dryRun ? undefined : this.o.journal.get(taskId);
    if (prior?.state === 'done' && prior.result) return { ...prior.result, taskId };
    if (prior?.state === 'held' && !opts.approved) {
      return { ...(prior.result ?? { outcome: 'held', requests: [] }), taskId };
    }
    // An earlier attempt that reached its intent may have changed the directory before it crashed
    // (`intent`) or failed (`failed`: e.g. a write applied whose answer was lost, then a re-read
    // that failed too). Either way this run re-reads rather than trusting that nothing happened.
    const replay = prior?.state === 'intent' || prior?.state === 'failed';
    const op = this.resolve(request);
    const log = this.log.child({ taskId, kind: request.kind, ...op.logFields });

    if (dryRun) {
      // A plan that could not be carried out is no plan: the recipient must take a sealed password.
      if (op.kind === 'create_account') await sealTo(op.recipient!, generatePassword());
      const planned = await this.execute(op, { dryRun: true, replay: false, signal: opts.signal });
      const reason = op.destructive ? await this.guardCheck(op) : undefined;
      const result: ServiceResult = {
        ...planned,
        outcome: planned.outcome === 'applied' ? 'planned' : planned.outcome,
        taskId,
        ...(reason ? { heldBecause: reason } : {}),
      };
      log.info({ outcome: result.outcome, requests: result.requests.length }, 'provisioning planned');
      return result;
    }

    const memo: JsonObject = { ...prior?.memo };
    let password: string | undefined;
    if (op.kind === 'create_account') {
      password = generatePassword();
      const sealed = await sealTo(op.recipient!, password);
      if (memo.sealed_password === undefined) memo.sealed_password = sealed;
      else memo.next_sealed_password = sealed;
    }

    // Guard check and intent are one step under the journal's lock, so that two operations cannot
    // both take the last place in the window.
    const holders = op.destructive && !opts.approved && !replay ? await this.holders(op) : undefined;
    const held = this.o.journal.transaction(() => {
      const reason =
        op.destructive && !opts.approved && !replay ? this.guardReasonNow(op, holders) : undefined;
      const at = this.now();
      this.o.journal.put({
        taskId,
        request,
        state: reason ? 'held' : 'intent',
        destructive: op.destructive,
        ...(op.entitlementId ? { entitlementId: op.entitlementId } : {}),
        dryRun: false,
        createdAt: prior?.createdAt ?? at,
        updatedAt: at,
        memo,
      });
      return reason;
    });
    if (held) {
      // What the approval would do, so that whoever approves sees the exact requests.
      const plan = await this.execute(op, { dryRun: true, replay: false, signal: opts.signal }).catch(() => ({
        requests: [] as PlannedRequest[],
      }));
      const result: OperationResult = {
        outcome: 'held',
        requests: plan.requests,
        detail: { held_because: held, approve: `baton-entra approve ${taskId}` },
      };
      this.o.journal.put({ ...this.o.journal.get(taskId)!, result, updatedAt: this.now() });
      log.warn({ because: held }, 'destructive operation held by the deletion guard');
      return { ...result, taskId, heldBecause: held };
    }

    let result: OperationResult;
    try {
      result = await this.execute(op, { dryRun: false, replay, signal: opts.signal }, password);
    } catch (err) {
      const e = err instanceof ProvisioningError ? err : undefined;
      this.o.journal.put({
        ...this.o.journal.get(taskId)!,
        state: 'failed',
        updatedAt: this.now(),
        error: { code: e?.code ?? 'INTERNAL', message: (err as Error).message },
      });
      log.warn({ err: (err as Error).message }, 'provisioning failed');
      throw err;
    }
    if (op.kind === 'create_account') {
      // A replay that finds the account made by the first attempt returns that attempt's password.
      const sealed =
        result.outcome === 'already_applied' || memo.next_sealed_password === undefined
          ? memo.sealed_password
          : memo.next_sealed_password;
      result = { ...result, detail: { ...result.detail, sealed_password: sealed ?? null } };
    }
    this.o.journal.put({
      ...this.o.journal.get(taskId)!,
      state: 'done',
      updatedAt: this.now(),
      result,
    });
    log.info({ outcome: result.outcome, requests: result.requests.length }, 'provisioning done');
    return { ...result, taskId };
  }

  private async execute(
    op: Resolved,
    o: { dryRun: boolean; replay: boolean; signal: AbortSignal | undefined },
    password?: string,
  ): Promise<OperationResult> {
    const requests: PlannedRequest[] = [];
    const options: OperationOptions = {
      dryRun: o.dryRun,
      replay: o.replay,
      record: (r) => requests.push(r),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(op.durationMs !== undefined ? { durationMs: op.durationMs } : {}),
    };
    const r: ImplementationResult = await op.call(options, password ?? generatePassword());
    return { ...r, requests };
  }

  private async holders(op: Resolved): Promise<number | undefined> {
    if (!op.entitlement || !op.provisioner?.holders) return undefined;
    try {
      return await op.provisioner.holders(op.entitlement);
    } catch (err) {
      // Unknown holders only lose the share rule; the window limit still applies.
      this.log.warn(
        { err: (err as Error).message, entitlement: op.entitlement.id },
        'holder count unavailable',
      );
      return undefined;
    }
  }

  private async guardCheck(op: Resolved): Promise<string | undefined> {
    const holders = await this.holders(op);
    return this.guardReasonNow(op, holders, false);
  }

  private guardReasonNow(op: Resolved, holders: number | undefined, record = true): string | undefined {
    const g = this.o.guard;
    const now = this.now();
    const since = now - g.windowMs;
    const j = this.o.journal;
    let entitlement: { revoked: number; holders: number | undefined } | undefined;
    if (op.entitlementId) {
      const base =
        holders === undefined
          ? undefined
          : record
            ? j.baseline(op.entitlementId, holders, since, now)
            : holders;
      entitlement = { revoked: j.destructiveSince(since, op.entitlementId), holders: base };
    }
    return guardReason(g, { inWindow: j.destructiveSince(since), ...(entitlement ? { entitlement } : {}) });
  }

  /** Checks a request's arguments and finds the implementation that carries it out. */
  private resolve(req: ProvisionRequest): Resolved {
    switch (req.kind) {
      case 'grant': {
        const entitlement = this.entitlement('entitlement', req.entitlementId);
        const p = this.provisioner(entitlement);
        if (!req.principal?.type || !req.principal.id) throw invalidArgument('principal: expected TYPE:ID');
        return {
          kind: req.kind,
          destructive: false,
          entitlement,
          entitlementId: entitlement.id,
          provisioner: p,
          ...(req.durationMs !== undefined ? { durationMs: req.durationMs } : {}),
          logFields: { entitlement: entitlement.id, principal: `${req.principal.type}:${req.principal.id}` },
          call: (o) => p.grant(entitlement, req.principal, o),
        };
      }
      case 'revoke': {
        const { entitlementId, principal } = parseGrantId(req.grantId);
        const entitlement = this.entitlement('grant', entitlementId);
        const p = this.provisioner(entitlement);
        return {
          kind: req.kind,
          destructive: true,
          entitlement,
          entitlementId: entitlement.id,
          provisioner: p,
          logFields: { grant: req.grantId },
          call: (o) => p.revoke({ id: req.grantId, entitlement, principal }, o),
        };
      }
      case 'create_account': {
        const a = this.accountsFor(req.resourceType);
        if (!req.login) throw invalidArgument('login: required (the account’s user principal name)');
        const fallback = this.o.passwordRecipient;
        const recipient = req.passwordRecipient || (typeof fallback === 'function' ? fallback() : fallback);
        if (!recipient) {
          throw invalidArgument(
            'password_recipient: none given, BATON_PASSWORD_RECIPIENT is not set and the control plane announced none; a generated password is only ever returned sealed to an age recipient',
          );
        }
        const info = {
          login: req.login,
          displayName: req.displayName || req.login.split('@')[0]!,
          ...(req.emails?.length ? { emails: req.emails } : {}),
          ...(req.profile ? { profile: req.profile } : {}),
        };
        return {
          kind: req.kind,
          destructive: false,
          recipient,
          logFields: { login: req.login },
          call: (o, password) => a.createAccount(info, { password }, o),
        };
      }
      case 'enable_account':
      case 'disable_account':
      case 'delete_account':
      case 'restore_account': {
        const a = this.accountsFor(req.account?.resourceType);
        const id = req.account?.resource;
        if (!id) throw invalidArgument('account: expected TYPE:ID');
        const method = ACCOUNT_METHODS[req.kind];
        return {
          kind: req.kind,
          destructive: req.kind === 'disable_account' || req.kind === 'delete_account',
          logFields: { account: `${req.account.resourceType}:${id}` },
          call: (o) => a[method](id, o),
        };
      }
      case 'invoke_action': {
        const actions = this.o.actions;
        const schema = this.listActions().find((s) => s.name === req.name);
        if (!actions || !schema) {
          const names = this.listActions().map((s) => s.name);
          throw invalidArgument(`action "${req.name}": unknown; available: ${names.join(', ') || 'none'}`);
        }
        return {
          kind: req.kind,
          destructive: schema.destructive,
          logFields: { action: req.name },
          call: (o) => actions.invokeAction(req.name, req.args ?? {}, o),
        };
      }
    }
  }

  private entitlement(field: string, id: string): EntitlementRef {
    try {
      const { resource, slug } = parseEntitlementId(id);
      return { id, resource, slug };
    } catch (err) {
      throw invalidArgument(`${field}: ${(err as Error).message}`);
    }
  }

  private provisioner(e: EntitlementRef): ResourceProvisioner {
    const p = this.byType.get(e.resource.resourceType);
    if (!p) {
      throw new ProvisioningError(
        'INVALID_ARGUMENT',
        `entitlement ${e.id}: resource type "${e.resource.resourceType}" cannot be granted or revoked (provisionable: ${[...this.byType.keys()].join(', ')})`,
      );
    }
    return p;
  }

  private accountsFor(resourceType: string | undefined): AccountManager {
    const a = this.o.accounts;
    if (!a) throw new ProvisioningError('UNIMPLEMENTED', 'this connector does not manage accounts');
    if (resourceType && resourceType !== a.resourceType.id) {
      throw invalidArgument(
        `account: resource type "${resourceType}" has no accounts; use ${a.resourceType.id}`,
      );
    }
    return a;
  }
}

const ACCOUNT_METHODS = {
  enable_account: 'enableAccount',
  disable_account: 'disableAccount',
  delete_account: 'deleteAccount',
  restore_account: 'restoreAccount',
} as const satisfies Record<AccountOperation, keyof AccountManager>;

interface Resolved {
  kind: ProvisionRequest['kind'];
  destructive: boolean;
  entitlement?: EntitlementRef;
  entitlementId?: string;
  provisioner?: ResourceProvisioner;
  durationMs?: number;
  recipient?: string;
  logFields: Record<string, string>;
  call: (o: OperationOptions, password: string) => Promise<ImplementationResult>;
}

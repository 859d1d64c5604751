import type { OperationOptions } from '../../framework/capabilities.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { JsonValue } from '../../framework/types.js';
import type { ExchangeClient } from '../../exchange/client.js';
import { ExchangeError } from '../../exchange/client.js';
import { GraphError } from '../../graph/errors.js';
import type { BatchMethod, GraphClient, GraphRequestOptions } from '../../graph/types.js';

/** What a provisioner talks to: Graph, and Exchange for the groups Graph cannot change. */
export interface ProvisionDeps {
  graph: GraphClient;
  exchange?: ExchangeClient;
  /** The tenant's id, for `@odata.id` references. */
  graphBaseUrl: string;
  now: () => number;
  /** After an app-role grant, provision the principal on demand (BATON_SCHEDULE_SCIM_PROVISIONING). */
  scheduleScimProvisioning?: boolean;
  /** Waits on `now`'s clock (spacing rate-limited calls); a real timer when absent. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Property names whose values never leave the process in a plan or a log. */
const SECRET_KEYS = new Set(['password', 'newPassword', 'secretText']);

export function redact(body: unknown): JsonValue | undefined {
  if (body === undefined) return undefined;
  if (Array.isArray(body)) return body.map((b) => redact(b) ?? null);
  if (body !== null && typeof body === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(body))
      out[k] = SECRET_KEYS.has(k) ? '[redacted]' : (redact(v) ?? null);
    return out;
  }
  return body as JsonValue;
}

/**
 * Every write of a provisioner goes through here: it is recorded (redacted) in the operation's
 * plan, then sent — or, in a dry run, only recorded. Reads go to the Graph client directly.
 */
export class Writes {
  constructor(
    private readonly deps: ProvisionDeps,
    private readonly options: OperationOptions,
  ) {}

  get dryRun(): boolean {
    return this.options.dryRun;
  }

  /** A Graph write; undefined in a dry run. */
  async graph<T = unknown>(
    method: BatchMethod,
    path: string,
    body?: unknown,
    o: Pick<GraphRequestOptions, 'apiVersion' | 'headers'> = {},
  ): Promise<T | undefined> {
    const version = o.apiVersion ?? 'v1.0';
    const b = redact(body);
    this.options.record({
      service: 'graph',
      method,
      url: `/${version}${path}`,
      ...(b !== undefined ? { body: b } : {}),
    });
    if (this.options.dryRun) return undefined;
    const res = await this.deps.graph.request<T>(method, path, body, {
      ...o,
      ...(this.options.signal ? { signal: this.options.signal } : {}),
    });
    return res.body;
  }

  /** An Exchange cmdlet; undefined in a dry run. */
  async exchange(cmdlet: string, parameters: Record<string, unknown>): Promise<unknown[] | undefined> {
    this.options.record({
      service: 'exchange',
      method: 'POST',
      url: '/adminapi/beta/{tenant}/InvokeCommand',
      body: { CmdletInput: { CmdletName: cmdlet, Parameters: redact(parameters) ?? null } },
    });
    if (this.options.dryRun) return undefined;
    if (!this.deps.exchange) {
      throw new ProvisioningError('FAILED_PRECONDITION', 'the Exchange Online admin API is not configured');
    }
    return this.deps.exchange.invoke(cmdlet, parameters, this.options.signal);
  }

  /** `https://graph…/v1.0/directoryObjects/{id}`, the reference `$ref` and `@odata.bind` take. */
  directoryObject(id: string): string {
    return `${this.deps.graphBaseUrl.replace(/\/+$/, '')}/v1.0/directoryObjects/${id}`;
  }
}

/**
 * Graph answers a duplicate add with 400 `Request_BadRequest` and words alone ("One or more added
 * object references already exist …", graph.md §6); appRoleAssignedTo says "Permission being
 * assigned already exists on the object"; PIM says `RoleAssignmentExists`.
 */
export function isAlreadyThere(err: unknown): boolean {
  if (err instanceof ExchangeError) return err.exception === 'MemberAlreadyExistsException';
  if (!(err instanceof GraphError)) return false;
  if (err.details.code === 'RoleAssignmentExists') return true;
  if (err.kind === 'conflict') return true;
  return err.details.status === 400 && /already exist/i.test(err.details.graphMessage ?? '');
}

/** A removal of what is not there: 404, or the words "does not exist" / "do not exist". */
export function isAlreadyGone(err: unknown): boolean {
  if (err instanceof ExchangeError) return err.exception === 'MemberNotFoundException';
  if (!(err instanceof GraphError)) return false;
  if (err.details.code === 'RoleAssignmentDoesNotExist') return true;
  if (err.kind === 'not_found') return true;
  return err.details.status === 400 && /(do|does) not exist/i.test(err.details.graphMessage ?? '');
}

/** Whether a write may have been carried out though its answer was lost (re-read before deciding). */
export function answerLost(err: unknown): boolean {
  if (err instanceof GraphError) return err.kind === 'transient';
  if (err instanceof ExchangeError) return err.status === 0 || err.status === 504;
  return false;
}

/**
 * A Graph or Exchange failure as a provisioning error: permission errors name the permission, bad
 * requests carry Graph's words (they say which property is wrong), throttling and outages are
 * retryable, everything the caller must change is not.
 */
export function provisioningError(what: string, err: unknown): ProvisioningError {
  if (err instanceof ProvisioningError) return err;
  if (err instanceof ExchangeError) {
    const code =
      err.status === 403 || err.status === 401
        ? 'PERMISSION_DENIED'
        : err.retryable
          ? 'UNAVAILABLE'
          : err.exception === 'ManagementObjectNotFoundException'
            ? 'NOT_FOUND'
            : 'FAILED_PRECONDITION';
    const hint =
      code === 'PERMISSION_DENIED'
        ? ' (the app needs Exchange.ManageAsApp and the Exchange Administrator role)'
        : '';
    return new ProvisioningError(code, `${what}: ${err.message}${hint}`, err.retryable, { cause: err });
  }
  if (err instanceof GraphError) {
    const words = err.details.graphMessage ? `: ${err.details.graphMessage}` : '';
    switch (err.kind) {
      case 'permission_denied':
      case 'unauthenticated':
        return new ProvisioningError(
          'PERMISSION_DENIED',
          `${what}: ${err.message}${err.details.missingPermission ? '' : words}`,
          false,
          { cause: err },
        );
      case 'not_found':
        return new ProvisioningError('NOT_FOUND', `${what}: not found (${err.message})`, false, {
          cause: err,
        });
      case 'throttled':
      case 'transient':
        return new ProvisioningError('UNAVAILABLE', `${what}: ${err.message}`, true, { cause: err });
      case 'bad_request':
      case 'conflict':
        return new ProvisioningError('FAILED_PRECONDITION', `${what}: ${err.message}${words}`, false, {
          cause: err,
        });
      default:
        return new ProvisioningError('INTERNAL', `${what}: ${err.message}`, true, { cause: err });
    }
  }
  return new ProvisioningError('INTERNAL', `${what}: ${(err as Error)?.message ?? String(err)}`, true, {
    cause: err,
  });
}

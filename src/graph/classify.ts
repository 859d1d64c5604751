import { GraphError, type GraphErrorKind } from './errors.js';
import { requiredPermission } from './permissions.js';
import { parseRetryAfter } from './retry-policy.js';

/** The parts of a failed Graph response that classification may look at (never the message text). */
export interface FailedResponse {
  method: string;
  url: string;
  status: number;
  /** Header lookup, case-insensitive. */
  header: (name: string) => string | null | undefined;
  /** The raw body, or the already-parsed body of an inner $batch response. */
  body: unknown;
  nowMs?: number;
}

/** Graph delta "start over" codes. https://learn.microsoft.com/en-us/graph/delta-query-overview#synchronization-reset */
const SYNC_RESET_CODES = new Set(['syncStateNotFound', 'resyncRequired', 'syncStateInvalid']);
/** https://learn.microsoft.com/en-us/graph/errors#code-property */
const CONFLICT_CODES = new Set([
  'Request_MultipleObjectsWithSameKeyValue',
  'ObjectConflict',
  'nameAlreadyExists',
]);

/** The error kind for a status and Graph `error.code`. */
export function kindOf(status: number, code: string | undefined): GraphErrorKind {
  if (status === 410 || (code !== undefined && SYNC_RESET_CODES.has(code))) return 'sync_state_expired';
  if (status === 409 || (code !== undefined && CONFLICT_CODES.has(code))) return 'conflict';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'permission_denied';
  if (status === 404) return 'not_found';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'transient';
  if (status >= 400) return 'bad_request';
  return 'bug';
}

/** `error.code` and `innerError.request-id` of a Graph error body (string or parsed). */
export function errorFields(body: unknown): { code?: string; requestId?: string; message?: string } {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return {};
    }
  }
  const error = (
    parsed as {
      error?: {
        code?: unknown;
        message?: unknown;
        innerError?: Record<string, unknown>;
        innererror?: Record<string, unknown>;
      };
    } | null
  )?.error;
  if (!error || typeof error !== 'object') return {};
  const inner = error.innerError ?? error.innererror;
  const requestId = inner?.['request-id'];
  return {
    ...(typeof error.code === 'string' ? { code: error.code } : {}),
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(typeof error.message === 'string' ? { message: error.message } : {}),
  };
}

/** `GET /v1.0/users` — the method and path of a call, without host or query (queries may hold names). */
export function describeCall(method: string, url: string): string {
  try {
    return `${method} ${new URL(url, 'https://graph.invalid').pathname}`;
  } catch {
    return `${method} ${url.split('?')[0]}`;
  }
}

/** Turns a failed response into a GraphError, once, from status and `error.code`. */
export function classifyResponse(r: FailedResponse): GraphError {
  const fields = errorFields(r.body);
  const requestId = r.header('request-id') ?? fields.requestId;
  const kind = kindOf(r.status, fields.code);
  const code = fields.code ?? `HTTP ${r.status}`;
  const missingPermission = kind === 'permission_denied' ? requiredPermission(r.method, r.url) : undefined;
  const retryAfterMs = parseRetryAfter(r.header('retry-after'), r.nowMs ?? Date.now());
  const notes = [
    requestId ? `request-id ${requestId}` : undefined,
    missingPermission ? `needs ${missingPermission}` : undefined,
  ].filter(Boolean);
  return new GraphError(
    `graph: ${describeCall(r.method, r.url)}: ${code}${notes.length ? ` (${notes.join('; ')})` : ''}`,
    kind,
    {
      status: r.status,
      ...(fields.code !== undefined ? { code: fields.code } : {}),
      ...(fields.message !== undefined ? { graphMessage: fields.message } : {}),
      ...(requestId ? { requestId } : {}),
      ...(missingPermission ? { missingPermission } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  );
}

/** A protocol invariant broke (unparsable body, repeated page token …). */
export function protocolBug(method: string, url: string, what: string, cause?: unknown): GraphError {
  return new GraphError(
    `graph: ${describeCall(method, url)}: ${what}`,
    'bug',
    cause === undefined ? {} : { cause },
  );
}

/**
 * A token could not be obtained. Keeps the AADSTS code (e.g. AADSTS7000215 invalid secret,
 * AADSTS7000222 expired secret) and the OAuth error, never the description or any credential.
 * https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
export function classifyCredentialError(err: unknown, scope: string): GraphError {
  if (err instanceof GraphError) return err;
  const e = err as {
    name?: string;
    statusCode?: number;
    errorResponse?: { error?: string; errorDescription?: string; errorCodes?: number[] };
    message?: string;
  };
  const description = e?.errorResponse?.errorDescription ?? e?.message ?? '';
  const aadsts =
    description.match(/AADSTS\d+/)?.[0] ??
    (e?.errorResponse?.errorCodes?.[0] !== undefined ? `AADSTS${e.errorResponse.errorCodes[0]}` : undefined);
  const oauthError = e?.errorResponse?.error;
  const code = aadsts ?? oauthError ?? e?.name ?? 'CredentialError';
  const label = [code, oauthError && oauthError !== code ? oauthError : undefined].filter(Boolean).join(' ');
  return new GraphError(`graph: token for ${scope}: ${label}`, 'unauthenticated', {
    code,
    ...(e?.statusCode !== undefined ? { status: e.statusCode } : {}),
    cause: err,
  });
}

/**
 * A token request that got no usable answer from the token endpoint: the response was cut off or
 * did not parse (MSAL's `network_error`, whose code leads its message:
 * https://learn.microsoft.com/entra/msal/javascript/browser/errors), or our password flow could
 * not read one. Nothing was refused, so asking again may work; an AADSTS answer is final.
 */
export function isTransientCredentialFailure(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null | undefined;
  if (e?.name === 'TokenTransportError') return true;
  return typeof e?.message === 'string' && /^network_error\b/.test(e.message);
}

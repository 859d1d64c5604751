/**
 * How a failed Graph call is classified, once, from the HTTP status and Graph's `error.code` —
 * never from message text.
 */
export type GraphErrorKind =
  | 'unauthenticated' // 401, or a token that cannot be obtained
  | 'permission_denied' // 403 Authorization_RequestDenied and friends
  | 'not_found' // 404 Request_ResourceNotFound
  | 'throttled' // 429 after the retry budget
  | 'transient' // 5xx, resets, timeouts after the retry budget
  | 'sync_state_expired' // delta link expired: 400 syncStateNotFound, 410 Gone
  | 'bad_request' // other 4xx
  | 'conflict' // 409, or "already exists" codes
  | 'bug'; // protocol invariant broken (repeated page token, unparsable body)

export class GraphError extends Error {
  constructor(
    message: string,
    readonly kind: GraphErrorKind,
    readonly details: {
      status?: number;
      code?: string;
      /**
       * Graph's `error.message`, kept out of `message` (it may name objects). Only the idempotency
       * checks of provisioning read it: Graph answers a duplicate add with the generic
       * `Request_BadRequest` and tells "already exists" apart in words alone.
       */
      graphMessage?: string;
      requestId?: string;
      /** For permission_denied: the application permission that would allow the call, if known. */
      missingPermission?: string;
      retryAfterMs?: number;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'GraphError';
  }

  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }
}

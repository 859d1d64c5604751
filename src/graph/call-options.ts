import type { MiddlewareOptions } from '@microsoft/microsoft-graph-client';

/**
 * Per-call settings handed through the SDK's middleware chain. The SDK rebuilds URLs (reordering
 * query options), so the exact URL travels here and is restored before sending: nextLinks and
 * deltaLinks must be followed verbatim. https://learn.microsoft.com/en-us/graph/paging
 */
export class CallOptions implements MiddlewareOptions {
  /** Set by the retry middleware when it gives up for a reason other than an HTTP status. */
  failure?: unknown;
  attempts = 0;
  /** A successful JSON answer, parsed by the fetch handler within the attempt that read it. */
  parsed?: { body: unknown };

  constructor(
    readonly url: string,
    readonly method: string,
    /** Whether resending after a reset or timeout is safe. */
    readonly idempotent: boolean,
    readonly scope: string,
  ) {}
}

/** A request that never got a response (reset, refused, timed out). */
export class NetworkFailure extends Error {
  constructor(
    readonly code: string,
    cause: unknown,
  ) {
    super(`network failure: ${code}`, { cause });
    this.name = 'NetworkFailure';
  }
}

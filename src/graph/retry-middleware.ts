import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import type { Logger } from '../observability/logger.js';
import { outcomeOf, type GraphObserver, type GraphStats } from './types.js';
import { GraphError } from './errors.js';
import { CallOptions, NetworkFailure } from './call-options.js';
import { classifyCredentialError, describeCall, isTransientCredentialFailure } from './classify.js';
import type { LimitFunction } from 'p-limit';
import { backoffDelay, DEFAULT_BACKOFF } from '../retry/backoff.js';
import {
  RETRY_AFTER_STATUSES,
  isIdempotent,
  isRetryableStatus,
  limitPercentagePauseMs,
  parseRetryAfter,
} from './retry-policy.js';

export interface RetryDeps {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  maxAttempts: number;
  /** Bounds the requests in flight, admitting waiters in arrival order. */
  limit: LimitFunction;
  stats: GraphStats;
  logger: Logger;
  observer?: GraphObserver;
}

/**
 * First link of the chain: restores the verbatim URL, bounds requests in flight, retries throttled
 * and transient failures (Retry-After first, else full-jitter backoff) and slows down when Graph
 * reports the app close to its quota. It wraps the authentication handler, so every attempt gets a
 * current token. https://learn.microsoft.com/en-us/graph/throttling
 */
export class RetryMiddleware implements Middleware {
  private next?: Middleware;
  /** New requests wait until then (x-ms-throttle-limit-percentage above 0.9). */
  private pausedUntil = 0;

  constructor(private readonly deps: RetryDeps) {}

  setNext(next: Middleware): void {
    this.next = next;
  }

  async execute(context: Context): Promise<void> {
    const call = context.middlewareControl?.getMiddlewareOptions(CallOptions) as CallOptions | undefined;
    const method = (context.options?.method ?? 'GET').toUpperCase();
    if (call) context.request = call.url;
    const url = String(context.request);
    const idempotent = call?.idempotent ?? isIdempotent(method);
    const signal = (context.options as { signal?: AbortSignal } | undefined)?.signal;
    const { deps } = this;

    for (let attempt = 1; ; attempt++) {
      if (call) call.attempts = attempt;
      await this.waitForPause(signal);
      const started = deps.now();
      const outcome = await this.attempt(context);
      if (outcome instanceof NetworkFailure) {
        deps.stats.requests++;
        this.observe({ outcome: 'network_error', durationMs: deps.now() - started });
        if (idempotent && attempt < deps.maxAttempts) {
          await this.retryAfter(
            backoffDelay(attempt, DEFAULT_BACKOFF, deps.random),
            { method, url, attempt, reason: outcome.code },
            signal,
          );
          continue;
        }
        const error = new GraphError(
          `graph: ${describeCall(method, url)}: ${outcome.code} after ${attempt} attempt(s)`,
          'transient',
          { code: outcome.code, cause: outcome.cause },
        );
        if (call) call.failure = error;
        throw error;
      }
      if (outcome !== undefined) {
        // No request left the process: the token could not be obtained (or the caller aborted).
        if (!signal?.aborted && isTransientCredentialFailure(outcome) && attempt < deps.maxAttempts) {
          await this.retryAfter(
            backoffDelay(attempt, DEFAULT_BACKOFF, deps.random),
            { method, url, attempt, reason: 'token endpoint answer unusable' },
            signal,
          );
          continue;
        }
        const error = signal?.aborted ? outcome : classifyCredentialError(outcome, call?.scope ?? 'graph');
        if (call) call.failure = error;
        throw error;
      }

      const response = context.response!;
      deps.stats.requests++;
      this.observe({
        outcome: outcomeOf(response.status),
        status: response.status,
        durationMs: deps.now() - started,
      });
      if (response.status === 429) {
        deps.stats.throttled++;
        this.observeThrottle();
      }
      this.notePressure(response.headers.get('x-ms-throttle-limit-percentage'));
      deps.logger.debug(
        {
          method,
          path: new URL(url).pathname,
          status: response.status,
          requestId: response.headers.get('request-id'),
          attempt,
        },
        'graph response',
      );
      if (!isRetryableStatus(response.status, idempotent) || attempt >= deps.maxAttempts) return;
      const hinted = RETRY_AFTER_STATUSES.has(response.status)
        ? parseRetryAfter(response.headers.get('retry-after'), deps.now())
        : undefined;
      await response.body?.cancel().catch(() => undefined);
      const info = { method, url, attempt, reason: response.status };
      if (response.status === 429 && hinted !== undefined) {
        // A 429 speaks for the app and tenant: hold back every request of this client, this one
        // included (it waits at the top of the loop like the others).
        this.holdOff(hinted);
        await this.retryAfter(0, info, signal);
      } else {
        await this.retryAfter(hinted ?? backoffDelay(attempt, DEFAULT_BACKOFF, deps.random), info, signal);
      }
    }
  }

  /** Counting must never break a request: an observer that throws is ignored. */
  private observe(event: Parameters<GraphObserver['request']>[0]): void {
    try {
      this.deps.observer?.request(event);
    } catch {
      // ignored: see above
    }
  }

  observeThrottle(): void {
    try {
      this.deps.observer?.throttled();
    } catch {
      // ignored: see observe()
    }
  }

  /** One attempt in one of the in-flight slots; resolves to the thrown error, if any. */
  private attempt(context: Context): Promise<unknown> {
    return this.deps.limit(async () => {
      try {
        const headers = context.options?.headers as Record<string, string> | undefined;
        // The auth handler appends its header; without this a retry would carry two bearers.
        if (headers) delete headers['Authorization'];
        context.response = undefined;
        await this.next!.execute(context);
        return undefined;
      } catch (err) {
        return err ?? new Error('request failed');
      }
    });
  }

  private async retryAfter(
    ms: number,
    info: { method: string; url: string; attempt: number; reason: string | number },
    signal?: AbortSignal,
  ): Promise<void> {
    this.deps.stats.retries++;
    this.deps.logger.debug(
      {
        method: info.method,
        path: new URL(info.url).pathname,
        attempt: info.attempt,
        reason: info.reason,
        waitMs: ms,
      },
      'graph retry',
    );
    if (ms > 0) await this.deps.sleep(ms, signal);
  }

  /** Holds new requests back for `ms` from now (a throttle the whole client should respect). */
  holdOff(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.deps.now() + ms);
  }

  private notePressure(header: string | null): void {
    const pause = limitPercentagePauseMs(header);
    if (pause > 0) {
      this.pausedUntil = Math.max(this.pausedUntil, this.deps.now() + pause);
      this.deps.logger.debug(
        { limitPercentage: header, pauseMs: pause },
        'graph near throttle limit; slowing down',
      );
    }
  }

  private async waitForPause(signal?: AbortSignal): Promise<void> {
    const wait = this.pausedUntil - this.deps.now();
    if (wait > 0) await this.deps.sleep(wait, signal);
  }
}

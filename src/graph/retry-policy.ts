/**
 * When and how long to wait before retrying a Graph call.
 * https://learn.microsoft.com/en-us/graph/throttling#best-practices-to-handle-throttling
 */

/** Longest wait a server may ask for; anything above is capped (a bad header must not park a sync for hours). */
export const MAX_RETRY_AFTER_MS = 15 * 60_000;
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Statuses that mean "not processed, come back later": Graph sends Retry-After with them. */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

/**
 * `Retry-After` as milliseconds: delta-seconds (inner $batch responses use decimals such as `0.249`,
 * https://github.com/microsoftgraph/microsoft-graph-docs-contrib/issues/3877) or an HTTP-date.
 * Undefined when absent or unreadable; capped at 15 minutes; never negative.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Math.ceil(Number(v) * 1000);
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Methods safe to resend after a reset or timeout, when we cannot know whether the server acted. */
export function isIdempotent(method: string): boolean {
  return (
    method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || method === 'OPTIONS'
  );
}

/**
 * Whether a response status warrants another attempt. 429/503 mean the request was not processed,
 * so any method may be resent; other 5xx (and 504, where the backend may have acted) only when the
 * request is idempotent.
 */
export function isRetryableStatus(status: number, idempotent: boolean): boolean {
  if (status === 429 || status === 503) return true;
  return status >= 500 && status !== 501 && status !== 505 && idempotent;
}

/**
 * How long to hold back new requests when Graph reports the app is near its quota
 * (`x-ms-throttle-limit-percentage`, sent from 0.8 up).
 * https://learn.microsoft.com/en-us/graph/throttling-limits#regular-responses-requests
 */
export function limitPercentagePauseMs(header: string | null | undefined): number {
  const pct = header ? Number(header) : NaN;
  if (!Number.isFinite(pct) || pct <= 0.9) return 0;
  return Math.min(30_000, Math.round((pct - 0.9) * 10_000));
}

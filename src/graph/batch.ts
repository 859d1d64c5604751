import type { BatchRequest, BatchResponse, GraphStats } from './types.js';
import { protocolBug } from './classify.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../retry/backoff.js';
import { RETRY_AFTER_STATUSES, isIdempotent, parseRetryAfter } from './retry-policy.js';

/** Graph's limit of requests per JSON batch. https://learn.microsoft.com/en-us/graph/json-batching */
export const MAX_BATCH_SIZE = 20;

export interface BatchDeps {
  /** POSTs one envelope to `$batch` and returns the parsed body. */
  post: (envelope: { requests: unknown[] }, idempotent: boolean) => Promise<unknown>;
  stats: GraphStats;
  now: () => number;
  random: () => number;
  maxAttempts: number;
  sleep: (ms: number) => Promise<void>;
  /** Holds every request of the client back for `ms` (throttling is per app and tenant, not per request). */
  holdOff: (ms: number) => void;
  /** For error messages. */
  url: string;
  /** Told about each inner 429 (the envelope's own status is counted by the retry middleware). */
  onThrottled?: () => void;
}

interface WireResponse {
  id?: unknown;
  status?: unknown;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * Sends `requests` as batches of at most 20. Inner 429/503 (and 504 for idempotent requests) are
 * resent after the largest inner Retry-After of the round, since Graph charges and throttles each
 * inner request separately and the SDKs do not retry them. Other inner failures are returned as
 * they are. The result is in request order, whatever order Graph answered in.
 */
export async function sendBatches<T>(requests: BatchRequest[], deps: BatchDeps): Promise<BatchResponse<T>[]> {
  const ids = new Set<string>();
  for (const r of requests) {
    if (ids.has(r.id))
      throw protocolBug('POST', deps.url, `duplicate batch request id ${JSON.stringify(r.id)}`);
    ids.add(r.id);
  }
  const chunks: BatchRequest[][] = [];
  for (let i = 0; i < requests.length; i += MAX_BATCH_SIZE)
    chunks.push(requests.slice(i, i + MAX_BATCH_SIZE));
  const results = await Promise.all(chunks.map((chunk) => sendChunk<T>(chunk, deps)));
  const byId = new Map(results.flat().map((r) => [r.id, r]));
  return requests.map((r) => byId.get(r.id)!);
}

/**
 * One envelope and its inner retries. The attempt budget counts rounds without progress: a round
 * in which some requests went through does not bring the give-up closer, so a long throttled burst
 * drains instead of failing its tail.
 */
async function sendChunk<T>(chunk: BatchRequest[], deps: BatchDeps): Promise<BatchResponse<T>[]> {
  const done: BatchResponse<T>[] = [];
  let pending = chunk;
  for (let attempt = 1; pending.length > 0;) {
    const body = (await deps.post(
      { requests: pending.map(toWire) },
      pending.every((r) => isIdempotent(r.method)),
    )) as { responses?: WireResponse[] } | undefined;
    deps.stats.batchedRequests += pending.length;
    if (!body || !Array.isArray(body.responses))
      throw protocolBug('POST', deps.url, 'batch response without a responses array');
    const answers = new Map(body.responses.map((r) => [String(r.id), r]));
    const retry: BatchRequest[] = [];
    let wait: number | undefined;
    for (const req of pending) {
      const answer = answers.get(req.id);
      if (!answer || typeof answer.status !== 'number')
        throw protocolBug(
          'POST',
          deps.url,
          `batch response has no status for request id ${JSON.stringify(req.id)}`,
        );
      const headers = lowerKeys(answer.headers);
      if (answer.status === 429) {
        deps.stats.throttled++;
        deps.onThrottled?.();
      }
      const retryable =
        answer.status === 429 || answer.status === 503 || (answer.status === 504 && isIdempotent(req.method));
      if (retryable && attempt < deps.maxAttempts) {
        retry.push(req);
        const hinted = RETRY_AFTER_STATUSES.has(answer.status)
          ? parseRetryAfter(headers['retry-after'], deps.now())
          : undefined;
        if (hinted !== undefined) wait = Math.max(wait ?? 0, hinted);
      } else {
        done.push({ id: req.id, status: answer.status, headers, body: answer.body as T });
      }
    }
    if (retry.length === 0) break;
    deps.stats.retries += retry.length;
    // Retry-After is the least to wait. After a round without progress other callers are winning
    // the refills: back off further (with jitter) so the envelopes stop waking up together.
    const delay =
      attempt > 1
        ? Math.max(wait ?? 0, backoffDelay(attempt, DEFAULT_BACKOFF, deps.random))
        : (wait ?? backoffDelay(attempt, DEFAULT_BACKOFF, deps.random));
    if (wait !== undefined) deps.holdOff(wait);
    await deps.sleep(delay);
    attempt = retry.length < pending.length ? 1 : attempt + 1;
    pending = retry;
  }
  return done;
}

function toWire(r: BatchRequest): Record<string, unknown> {
  const headers = { ...r.headers };
  // An inner body needs its Content-Type in the inner headers.
  if (r.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type'))
    headers['Content-Type'] = 'application/json';
  return {
    id: r.id,
    method: r.method,
    url: r.url.startsWith('/') ? r.url : `/${r.url}`,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(r.body !== undefined ? { body: r.body } : {}),
  };
}

function lowerKeys(h: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

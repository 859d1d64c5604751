/**
 * The contract of the connector's one Graph client (src/graph/client.ts). Everything that talks to
 * Microsoft Graph goes through it: paging, retries, throttling, batching and error classification
 * live there and nowhere else.
 */

export type GraphApiVersion = 'v1.0' | 'beta';

export interface GraphRequestOptions {
  /** Extra request headers (e.g. `ConsistencyLevel: eventual`). Re-sent on every page. */
  headers?: Record<string, string>;
  /** `x-ms-throttle-priority`; background syncs send `low`. */
  priority?: 'low' | 'normal' | 'high';
  /** API version for a relative path; ignored for absolute URLs (nextLink/deltaLink). */
  apiVersion?: GraphApiVersion;
  signal?: AbortSignal;
}

/** One page of a collection as Graph returns it. */
export interface GraphPage<T> {
  value: T[];
  /** `@odata.nextLink`, absent on the last page. */
  nextLink?: string;
  /** `@odata.deltaLink`, present on the last page of a delta round. */
  deltaLink?: string;
  /** `@odata.count`, first page only, when `$count=true` was asked. */
  count?: number;
}

export type BatchMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** One request inside a JSON `$batch` (at most 20 per batch; the client splits larger lists). */
export interface BatchRequest {
  id: string;
  method: BatchMethod;
  /** Relative to the version root, e.g. `/groups/{id}/owners?$select=id`. */
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface BatchResponse<T = unknown> {
  id: string;
  status: number;
  headers: Record<string, string>;
  body: T;
}

export interface GraphResponse<T> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Request accounting, for logs, metrics and the benchmark. */
export interface GraphStats {
  /** HTTP requests sent (a `$batch` counts once; retries count again). */
  requests: number;
  /** Requests inside `$batch` envelopes. */
  batchedRequests: number;
  /** Responses with status 429. */
  throttled: number;
  /** Retries after a throttle or a transient failure. */
  retries: number;
}

/** What became of one HTTP exchange with Graph (one attempt; a `$batch` envelope counts once). */
export type GraphOutcome = 'success' | 'client_error' | 'throttled' | 'server_error' | 'network_error';

/**
 * Told about each request as it happens, so that whoever runs the client (the daemon's metrics)
 * can count them without the client knowing how they are kept. Must not throw.
 */
export interface GraphObserver {
  /** One attempt ended: with a response (`status`) or without one (`network_error`). */
  request(event: { outcome: GraphOutcome; status?: number; durationMs: number }): void;
  /** Graph answered 429, to an envelope or to a request inside a `$batch`. */
  throttled(): void;
}

/** The outcome of an attempt that got a response. */
export function outcomeOf(status: number): GraphOutcome {
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'success';
}

export interface GraphClient {
  /**
   * Yields every page of a collection, following `@odata.nextLink` verbatim to the end. A page token
   * seen twice throws a `GraphError` of kind `bug`: a listing is complete or it fails.
   */
  pages<T>(pathOrUrl: string, options?: GraphRequestOptions): AsyncIterable<GraphPage<T>>;
  get<T>(pathOrUrl: string, options?: GraphRequestOptions): Promise<T>;
  request<T>(
    method: BatchMethod,
    pathOrUrl: string,
    body?: unknown,
    options?: GraphRequestOptions,
  ): Promise<GraphResponse<T>>;
  /**
   * Sends the requests as JSON batches of at most 20, retrying inner 429/503/504 responses after
   * the largest `Retry-After` of the batch. Responses come back in request order.
   */
  batch<T = unknown>(requests: BatchRequest[], options?: GraphRequestOptions): Promise<BatchResponse<T>[]>;
  readonly stats: GraphStats;
  /** Releases pooled connections; the client must not be used afterwards. */
  close?(): Promise<void>;
}

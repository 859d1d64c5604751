import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  AuthenticationHandler,
  Client,
  ResponseType,
  type GraphRequest,
} from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import type { TokenCredential } from '@azure/identity';
import type { Dispatcher } from 'undici';
import pLimit from 'p-limit';
import type { ConnectorConfig } from '../config/types.js';
import { silentLogger, type Logger } from '../observability/logger.js';
import type {
  BatchMethod,
  BatchRequest,
  BatchResponse,
  GraphClient,
  GraphObserver,
  GraphPage,
  GraphRequestOptions,
  GraphResponse,
  GraphStats,
} from './types.js';
import { GraphError } from './errors.js';
import { CallOptions } from './call-options.js';
import { classifyResponse, protocolBug } from './classify.js';
import { createCredential, graphScope } from './credentials.js';
import { createDispatcher } from './dispatcher.js';
import { FetchHandler } from './fetch-handler.js';
import { RetryMiddleware } from './retry-middleware.js';
import { DEFAULT_MAX_ATTEMPTS, isIdempotent } from './retry-policy.js';
import { followPages } from './paging.js';
import { sendBatches } from './batch.js';

export interface GraphClientOptions {
  credential?: TokenCredential;
  logger?: Logger;
  /** Requests in flight at once (default: the config's graphMaxInFlight, else 8). */
  maxInFlight?: number;
  maxAttempts?: number;
  /** Per-attempt timeout (default 100 s, Graph's own gateway timeout). */
  requestTimeoutMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  dispatcher?: Dispatcher;
  /** Told about every request and throttle as it happens (the daemon's metrics). */
  observer?: GraphObserver;
}

/** The Graph client plus `close()`, which releases its sockets. */
export interface EntraGraphClient extends GraphClient {
  close(): Promise<void>;
}

const realSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  delay(ms, undefined, signal ? { signal } : undefined);

/**
 * The connector's one Microsoft Graph client: @microsoft/microsoft-graph-client with the middleware
 * chain retry/throttle → authentication (TokenCredential) → undici fetch.
 */
export function createGraphClient(
  config: ConnectorConfig,
  options: GraphClientOptions = {},
): EntraGraphClient {
  const stats: GraphStats = { requests: 0, batchedRequests: 0, throttled: 0, retries: 0 };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const logger = options.logger ?? silentLogger;
  const scope = graphScope(config);
  const dispatcher = options.dispatcher ?? createDispatcher(config);
  const credential = options.credential ?? createCredential(config);

  const retry = new RetryMiddleware({
    now,
    sleep,
    random,
    maxAttempts,
    limit: pLimit(options.maxInFlight ?? config.graphMaxInFlight ?? 8),
    stats,
    logger,
    ...(options.observer ? { observer: options.observer } : {}),
  });
  const auth = new AuthenticationHandler(
    new TokenCredentialAuthenticationProvider(credential, { scopes: [scope] }),
  );
  const base = new URL(config.graphBaseUrl);
  const sdk = Client.initWithMiddleware({
    middleware: [retry, auth, new FetchHandler(dispatcher, options.requestTimeoutMs ?? 100_000)],
    baseUrl: `${base.origin}/`,
    // The SDK only attaches the bearer for known Graph hosts or these; it compares without the port.
    customHosts: new Set([base.hostname]),
  });

  function resolveUrl(pathOrUrl: string, version = 'v1.0'): string {
    if (/^[a-z]+:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      // A link to any other origin would leak the bearer or escape the proxy rules: refuse it.
      if (url.origin !== base.origin)
        throw protocolBug('GET', url.pathname, `refusing a link to another origin (${url.origin})`);
      return pathOrUrl;
    }
    const path = pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
    return /^\/(v1\.0|beta)(\/|$|\?)/.test(path)
      ? `${base.origin}${path}`
      : `${base.origin}/${version}${path}`;
  }

  function headersFor(o: GraphRequestOptions | undefined): Record<string, string> {
    return {
      Accept: 'application/json',
      'client-request-id': randomUUID(),
      ...(o?.priority ? { 'x-ms-throttle-priority': o.priority } : {}),
      ...o?.headers,
    };
  }

  async function send<T>(
    method: BatchMethod,
    url: string,
    body: unknown,
    o: GraphRequestOptions | undefined,
    idempotent = isIdempotent(method),
    /** Non-2xx statuses that still carry a usable body (an outer 424 on $batch). */
    alsoOk: readonly number[] = [],
  ): Promise<GraphResponse<T>> {
    const call = new CallOptions(url, method, idempotent, scope);
    let req: GraphRequest = sdk
      .api(url)
      .responseType(ResponseType.RAW)
      .middlewareOptions([call])
      .headers(headersFor(o));
    if (o?.signal) req = req.option('signal', o.signal);
    let res: Response;
    try {
      res = (await dispatch(req, method, body)) as Response;
    } catch (err) {
      if (call.failure !== undefined) throw call.failure;
      // The caller's own abort reason, not the SDK's wrapping of it.
      if (o?.signal?.aborted) throw o.signal.reason ?? err;
      if (err instanceof GraphError) throw err;
      throw protocolBug(method, url, `request failed: ${(err as Error)?.message ?? String(err)}`, err);
    }
    if (res.ok && call.parsed !== undefined)
      return { status: res.status, headers: Object.fromEntries(res.headers), body: call.parsed.body as T };
    const text = await res.text();
    if (!res.ok && !alsoOk.includes(res.status)) {
      throw classifyResponse({
        method,
        url,
        status: res.status,
        header: (n) => res.headers.get(n),
        body: text,
        nowMs: now(),
      });
    }
    let parsed: unknown = undefined;
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw protocolBug(method, url, `unparsable response body (status ${res.status})`, err);
      }
    }
    return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed as T };
  }

  const client: EntraGraphClient = {
    stats,
    pages<T>(pathOrUrl: string, o?: GraphRequestOptions): AsyncIterable<GraphPage<T>> {
      return followPages<T>(resolveUrl(pathOrUrl, o?.apiVersion), (url) =>
        send<unknown>('GET', resolveUrl(url), undefined, o).then((r) => r.body),
      );
    },
    async get<T>(pathOrUrl: string, o?: GraphRequestOptions): Promise<T> {
      return (await send<T>('GET', resolveUrl(pathOrUrl, o?.apiVersion), undefined, o)).body;
    },
    request<T>(
      method: BatchMethod,
      pathOrUrl: string,
      body?: unknown,
      o?: GraphRequestOptions,
    ): Promise<GraphResponse<T>> {
      return send<T>(method, resolveUrl(pathOrUrl, o?.apiVersion), body, o);
    },
    batch<T = unknown>(requests: BatchRequest[], o?: GraphRequestOptions): Promise<BatchResponse<T>[]> {
      const url = resolveUrl('/$batch', o?.apiVersion);
      return sendBatches<T>(requests, {
        // An envelope of reads may be resent after a reset; one carrying writes may not.
        post: (envelope, idempotent) =>
          // Older throttling docs describe an outer 424 when inner requests failed; its body is the
          // usual responses list. https://learn.microsoft.com/en-us/graph/throttling#throttling-and-batching
          send<unknown>('POST', url, envelope, o, idempotent, [424]).then((r) => r.body),
        stats,
        now,
        random,
        maxAttempts,
        sleep: (ms) => sleep(ms, o?.signal),
        holdOff: (ms) => retry.holdOff(ms),
        onThrottled: () => retry.observeThrottle(),
        url,
      });
    },
    async close() {
      await dispatcher.close();
    },
  };
  return client;
}

function dispatch(req: GraphRequest, method: BatchMethod, body: unknown): Promise<unknown> {
  switch (method) {
    case 'GET':
      return req.get();
    case 'POST':
      return req.post(body);
    case 'PATCH':
      return req.patch(body);
    case 'PUT':
      return req.put(body);
    case 'DELETE':
      return req.delete();
  }
}

import type { SimContext } from '../context.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../context.js';
import {
  graphError,
  GraphHttpError,
  json,
  newRequestId,
  type SimRequest,
  type SimResponse,
} from '../http/message.js';
import { verifyBearer } from '../identity/bearer.js';
import type { GraphVersion } from './collection.js';
import type { GraphDispatcher } from './dispatch.js';

interface InnerRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

/** https://learn.microsoft.com/graph/json-batching — at most 20 requests per batch. */
export const BATCH_LIMIT = 20;

function parseRequests(body: Buffer): InnerRequest[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GraphHttpError(400, 'BadRequest', 'Invalid batch payload format.');
  }
  const requests = (parsed as { requests?: unknown })?.requests;
  if (!Array.isArray(requests))
    throw new GraphHttpError(400, 'BadRequest', "Invalid batch payload format: 'requests' must be an array.");
  if (requests.length > BATCH_LIMIT)
    throw new GraphHttpError(
      400,
      'BadRequest',
      `Invalid batch payload format: the number of requests exceeds the limit of ${BATCH_LIMIT}.`,
    );
  const seen = new Set<string>();
  for (const r of requests as InnerRequest[]) {
    if (typeof r?.id !== 'string' || typeof r.method !== 'string' || typeof r.url !== 'string') {
      throw new GraphHttpError(
        400,
        'BadRequest',
        "Invalid batch payload format: every request needs 'id', 'method' and 'url'.",
      );
    }
    if (seen.has(r.id))
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Invalid batch payload format: request id '${r.id}' is not unique.`,
      );
    seen.add(r.id);
    for (const d of r.dependsOn ?? []) {
      if (!seen.has(d) || d === r.id)
        throw new GraphHttpError(
          400,
          'BadRequest',
          `Invalid batch payload format: request '${r.id}' depends on '${d}', which is not an earlier request of the batch.`,
        );
    }
  }
  return requests as InnerRequest[];
}

/**
 * JSON `$batch`: each inner request is authorised, charged and throttled on its own (an inner 429
 * carries its own Retry-After); a request whose dependency failed gets 424; responses come back
 * in no particular order (here: reversed) under an outer 200.
 */
export function createBatch(ctx: SimContext, graph: GraphDispatcher) {
  return async (req: SimRequest, version: GraphVersion): Promise<SimResponse> => {
    const now = ctx.clock.now();
    const ids = { 'request-id': req.requestId, 'client-request-id': req.clientRequestId };
    try {
      const claims = await verifyBearer(ctx, req.headers.authorization, [
        GRAPH_RESOURCE,
        GRAPH_APP_ID,
        `https://${ctx.graphDomain}`,
      ]);
      const requests = parseRequests(req.body);
      const status = new Map<string, number>();
      const responses: unknown[] = [];
      for (const r of requests) {
        const failedDep = (r.dependsOn ?? []).find((d) => (status.get(d) ?? 0) >= 400);
        if (failedDep !== undefined) {
          status.set(r.id, 424);
          responses.push({
            id: r.id,
            status: 424,
            body: {
              error: {
                code: 'FailedDependency',
                message: `Request '${r.id}' depends on request '${failedDep}', which failed.`,
              },
            },
          });
          continue;
        }
        const url = new URL(r.url.startsWith('/') ? r.url : `/${r.url}`, 'https://batch.invalid');
        const headers: Record<string, string> = {
          ...Object.fromEntries(
            Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
          ),
        };
        const inner: SimRequest = {
          method: r.method.toUpperCase(),
          path: decodeURIComponent(url.pathname),
          query: url.searchParams,
          headers,
          body:
            r.body === undefined
              ? Buffer.alloc(0)
              : Buffer.from(typeof r.body === 'string' ? r.body : JSON.stringify(r.body)),
          requestId: newRequestId(),
          clientRequestId: req.clientRequestId,
        };
        const res = await graph.serve(inner, version, inner.path, claims, true);
        status.set(r.id, res.status);
        const { 'content-length': _len, ...resHeaders } = res.headers;
        responses.push({
          id: r.id,
          status: res.status,
          headers: resHeaders,
          ...(res.body !== undefined ? { body: typeof res.body === 'string' ? res.body : res.body } : {}),
        });
      }
      return json(200, { responses: responses.reverse() }, ids);
    } catch (err) {
      if (err instanceof GraphHttpError)
        return graphError(req, now, err.status, err.code, err.message, { ...err.headers, ...ids });
      throw err;
    }
  };
}

import type { SimContext } from '../context.js';
import type { Counters } from '../counters.js';
import type { FaultInjector } from '../faults.js';
import { decodedQuery, type PageFaults } from '../page-faults.js';
import type { GraphDispatcher } from '../graph/dispatch.js';
import { instanceDiscovery, jwks, openidConfiguration } from '../identity/discovery.js';
import { handleTokenRequest } from '../identity/token-endpoint.js';
import { graphError, json, type SimRequest, type SimResponse } from './message.js';

/** Handlers the router delegates to; batch, control and Exchange plug in here. */
export interface RouterParts {
  ctx: SimContext;
  graph: GraphDispatcher;
  counters: Counters;
  faults: FaultInjector;
  pages: PageFaults;
  batch(req: SimRequest, version: 'v1.0' | 'beta'): Promise<SimResponse>;
  control(req: SimRequest, action: string): Promise<SimResponse>;
  exchange(req: SimRequest, tenant: string): Promise<SimResponse>;
}

/** What the socket layer must do besides writing a response. */
export type Outcome =
  | { kind: 'respond'; res: SimResponse; delayMs?: number }
  | { kind: 'reset' }
  | { kind: 'malformed'; res: SimResponse }
  /** The answer's head and the first half of its body, then the connection dropped. */
  | { kind: 'truncated'; res: SimResponse };

/** Counter key of a non-Graph request: identity endpoints keep `{tenant}` out of the key. */
function keyOf(parts: RouterParts, req: SimRequest): string {
  const p = req.path;
  const g = /^\/(v1\.0|beta)(\/.*)$/.exec(p);
  if (g && g[2] !== '/$batch') return parts.graph.keyOf(req.method, g[1] as string, g[2] as string);
  if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(p)) return `${req.method} /{tenant}/oauth2/v2.0/token`;
  if (/^\/adminapi\//.test(p)) return `${req.method} /adminapi/{version}/{tenant}/InvokeCommand`;
  if (/^\/[^/]+\/v2\.0\/\.well-known\/openid-configuration$/.test(p))
    return `GET /{tenant}/v2.0/.well-known/openid-configuration`;
  return `${req.method} ${p}`;
}

export async function route(parts: RouterParts, given: SimRequest): Promise<Outcome> {
  const { ctx, counters } = parts;
  const control = given.path.startsWith('/_sim/');
  let req = given;
  if (!control) {
    try {
      req = parts.pages.restore(given) ?? given;
    } catch (err) {
      return {
        kind: 'respond',
        res: graphError(given, ctx.clock.now(), 400, 'Request_BadRequest', (err as Error).message),
      };
    }
  }
  const key = keyOf(parts, req);
  if (!control) counters.add(key, 'requests');
  const fault = control ? undefined : parts.faults.pick(req.method, req.path, decodedQuery(req.query));
  let delayMs: number | undefined;
  if (fault?.kind === 'lost-response') {
    // The request is served (its writes happen) and then the answer is lost on the way back, as
    // when a gateway times out or a connection drops after the service committed the change: a
    // client that retries must cope with its own earlier write.
    counters.add(key, 'faults');
    await dispatch(parts, req);
    if (fault.respond === 'status504')
      return {
        kind: 'respond',
        res: graphError(req, ctx.clock.now(), 504, 'UnknownError', 'Gateway timeout.'),
      };
    return { kind: 'reset' };
  }
  if (fault?.kind === 'drop-next-link') {
    // Served in full, then spoiled on the way out: a page that claims to be the last one.
    counters.add(key, 'faults');
    return { kind: 'respond', res: withoutNextLink(await served(parts, req)) };
  }
  if (fault) {
    counters.add(key, 'faults');
    const now = ctx.clock.now();
    switch (fault.kind) {
      case 'reset':
        return { kind: 'reset' };
      case 'slow':
        delayMs = fault.value ?? 1000;
        break;
      case 'status429':
        return {
          kind: 'respond',
          res: graphError(req, now, 429, 'TooManyRequests', 'Too many requests.', {
            'retry-after': String(fault.value ?? 1),
          }),
        };
      case 'status503':
        return {
          kind: 'respond',
          res: graphError(req, now, 503, 'serviceNotAvailable', 'The service is temporarily unavailable.', {
            'retry-after': '1',
          }),
        };
      case 'status504':
        return { kind: 'respond', res: graphError(req, now, 504, 'UnknownError', 'Gateway timeout.') };
      case 'malformed':
        return { kind: 'malformed', res: json(200, '{"@odata.context":"x","value":[{"id":') };
      case 'truncated':
        return { kind: 'truncated', res: await served(parts, req) };
      case 'empty-page': {
        if (req.method !== 'GET') break;
        // Only a collection's page can come empty: a `$count` or a single object answered with a
        // page is nothing Graph does. The real answer decides; it is served again from the link.
        const res = await served(parts, req);
        return { kind: 'respond', res: isCollectionPage(res) ? parts.pages.emptyPage(req, ctx.origin) : res };
      }
      case 'repeat-items':
        return { kind: 'respond', res: parts.pages.repeatItems(req, await served(parts, req)) };
      case 'phantom-items':
        return { kind: 'respond', res: parts.pages.phantomItems(await served(parts, req)) };
      case 'gone410': {
        // A delta link can be answered 410 Gone with a Location that restarts the initial round.
        // https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset
        const q = new URLSearchParams(req.query);
        q.delete('$deltatoken');
        q.delete('$skiptoken');
        const qs = q.toString();
        const location = `${ctx.origin}${req.path}${qs ? `?${qs}` : ''}`;
        return {
          kind: 'respond',
          res: graphError(
            req,
            now,
            410,
            'syncStateInvalid',
            'The delta token is no longer valid; restart the sync from the Location URL.',
            { location },
          ),
        };
      }
    }
  }
  const res = await served(parts, req);
  return { kind: 'respond', res, ...(delayMs !== undefined ? { delayMs } : {}) };
}

/** A 200 answer holding a collection's page (a `value` array). */
function isCollectionPage(res: SimResponse): boolean {
  const body = res.body as { value?: unknown } | undefined;
  return res.status === 200 && typeof body === 'object' && body !== null && Array.isArray(body.value);
}

function withoutNextLink(res: SimResponse): SimResponse {
  const body = res.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body) || !('@odata.nextLink' in body))
    return res;
  const { '@odata.nextLink': _dropped, ...rest } = body as Record<string, unknown>;
  return { ...res, body: rest };
}

/** Serves a request, noting the page it returns for a later `repeat-items` fault. */
async function served(parts: RouterParts, req: SimRequest): Promise<SimResponse> {
  const res = await dispatch(parts, req);
  if (req.method === 'GET') parts.pages.remember(res);
  return res;
}

async function dispatch(parts: RouterParts, req: SimRequest): Promise<SimResponse> {
  const { ctx } = parts;
  const p = req.path;
  let m: RegExpExecArray | null;
  if ((m = /^\/_sim\/(.+)$/.exec(p))) return parts.control(req, m[1] as string);
  if ((m = /^\/(v1\.0|beta)\/\$batch$/.exec(p)) && req.method === 'POST')
    return parts.batch(req, m[1] as 'v1.0');
  if ((m = /^\/(v1\.0|beta)(\/.*)$/.exec(p))) return parts.graph.serve(req, m[1] as 'v1.0', m[2] as string);
  if ((m = /^\/adminapi\/(?:beta|v1\.0)\/([^/]+)\/InvokeCommand$/i.exec(p)) && req.method === 'POST')
    return parts.exchange(req, m[1] as string);
  if (p === '/common/discovery/instance')
    return instanceDiscovery(ctx, req.query.get('authorization_endpoint'));
  if ((m = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(p)))
    return openidConfiguration(ctx, m[1] as string, req.clientRequestId);
  if (/^\/[^/]+\/discovery\/v2\.0\/keys$/.test(p)) return jwks(ctx);
  if ((m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(p)) && req.method === 'POST')
    return handleTokenRequest(ctx, req, m[1] as string);
  return graphError(
    req,
    ctx.clock.now(),
    404,
    'NotFound',
    `No simulator endpoint serves ${req.method} ${p}.`,
  );
}

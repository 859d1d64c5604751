import type { SimContext } from '../context.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../context.js';
import type { Counters } from '../counters.js';
import { graphError, GraphHttpError, type SimRequest, type SimResponse } from '../http/message.js';
import { heldPermissions, verifyBearer, type AccessClaims } from '../identity/bearer.js';
import { requestCost, type Throttle } from '../throttle.js';
import type { GraphVersion } from './collection.js';
import { grants } from './permissions.js';
import type { GraphRequest, GraphRoute } from './route.js';

export interface GraphDispatcher {
  /** Serves one Graph request (outer or batch-inner); `claims` skips re-verifying the token. */
  serve(
    req: SimRequest,
    version: GraphVersion,
    rest: string,
    claims?: AccessClaims,
    inner?: boolean,
  ): Promise<SimResponse>;
  /** Counter key for a path, e.g. `GET /v1.0/users/{id}`. */
  keyOf(method: string, version: string, rest: string): string;
}

export function createGraphDispatcher(
  ctx: SimContext,
  routes: readonly GraphRoute[],
  throttle: Throttle,
  counters: Counters,
): GraphDispatcher {
  const match = (method: string, rest: string): { route: GraphRoute; params: string[] } | undefined => {
    for (const r of routes) {
      if (r.method !== method) continue;
      const m = r.pattern.exec(rest);
      // The path is already percent-decoded by the server (and batch); decoding again would corrupt '%'.
      if (m) return { route: r, params: m.slice(1) };
    }
    return undefined;
  };
  const keyOf = (method: string, version: string, rest: string): string => {
    const m = match(method, rest);
    return m
      ? `${m.route.method} /${version}${m.route.key.slice(m.route.method.length + 1)}`
      : `${method} /${version}/*`;
  };
  const withIds = (req: SimRequest, res: SimResponse, ru: number, usage = 0): SimResponse => {
    if (usage > 0.8) res.headers['x-ms-throttle-limit-percentage'] = Math.min(usage, 1.8).toFixed(2);
    res.headers['request-id'] = req.requestId;
    res.headers['client-request-id'] = req.clientRequestId;
    res.headers['x-ms-ags-diagnostic'] = JSON.stringify({
      ServerInfo: { DataCenter: 'Simulated', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'SIM' },
    });
    if (ru > 0) res.headers['x-ms-resource-unit'] = String(ru);
    return res;
  };

  async function serve(
    req: SimRequest,
    version: GraphVersion,
    rest: string,
    claimsIn?: AccessClaims,
    inner = false,
  ): Promise<SimResponse> {
    const now = ctx.clock.now();
    const key = keyOf(req.method, version, rest);
    let ru = 0;
    let usage = 0;
    if (inner) counters.add(key, 'requests');
    try {
      const claims =
        claimsIn ??
        (await verifyBearer(ctx, req.headers.authorization, [
          GRAPH_RESOURCE,
          GRAPH_APP_ID,
          `https://${ctx.graphDomain}`,
        ]));
      const m = match(req.method, rest);
      if (!m) {
        const anyMethod = routes.some((r) => r.pattern.test(rest));
        if (anyMethod)
          throw new GraphHttpError(
            405,
            'Request_BadRequest',
            `The request method '${req.method}' is not supported for this resource.`,
          );
        throw new GraphHttpError(
          400,
          'BadRequest',
          `Resource not found for the segment '${rest.split('/')[1] ?? ''}'.`,
        );
      }
      if (!grants(heldPermissions(claims), m.route.permissions)) {
        throw new GraphHttpError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
      }
      const cost = requestCost(req.method, rest, req.query);
      const verdict = throttle.charge(
        claims.appid,
        claims.tid,
        cost.ru,
        cost.write,
        rest.startsWith('/auditLogs/'),
      );
      ru = cost.ru;
      usage = verdict.usage;
      counters.add(key, 'resourceUnits', cost.ru);
      if (!verdict.ok) {
        counters.add(key, 'throttled');
        // Inside a batch, Retry-After can be a decimal (e.g. 0.249); outside it is whole seconds.
        const retry = inner
          ? (verdict.retryAfterS ?? 1).toFixed(3)
          : String(Math.ceil(verdict.retryAfterS ?? 1));
        // https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits
        return withIds(
          req,
          graphError(
            req,
            now,
            429,
            'TooManyRequests',
            'Too many requests. Retry after the number of seconds in the Retry-After header.',
            {
              'retry-after': retry,
              'x-ms-throttle-scope': verdict.scope ?? '',
              'x-ms-throttle-information': 'ResourceUnitLimitExceeded',
            },
          ),
          ru,
          verdict.usage,
        );
      }
      const gr: GraphRequest = { ...req, version, rest, claims };
      const res = await m.route.handle(ctx, gr, m.params);
      return withIds(req, res, ru, usage);
    } catch (err) {
      if (err instanceof GraphHttpError)
        return withIds(
          req,
          graphError(req, now, err.status, err.code, err.message, { ...err.headers }),
          ru,
          usage,
        );
      throw err;
    }
  }
  return { serve, keyOf };
}

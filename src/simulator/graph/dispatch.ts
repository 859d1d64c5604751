import type { SimContext } from '../context.js';
import { GRAPH_APP_ID, GRAPH_RESOURCE } from '../context.js';
import type { Counters } from '../counters.js';
import { graphError, GraphHttpError, type SimRequest, type SimResponse } from '../http/message.js';
import { heldPermissions, verifyBearer, type AccessClaims } from '../identity/bearer.js';
import type { DirectoryObjectKind } from '../tenant/model.js';
import { requestCost, type LimitedService, type Throttle, type ThrottleVerdict } from '../throttle.js';
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

interface Matched {
  route: GraphRoute;
  params: string[];
}

const CAST =
  /^(.*\/(?:members|owners|transitiveMembers|memberOf|transitiveMemberOf|directReports))\/microsoft\.graph\.(user|group|servicePrincipal|device|orgContact)$/;

/**
 * Splits an OData cast off a relationship path: `/groups/{id}/members/microsoft.graph.user`
 * lists only the users. https://learn.microsoft.com/graph/query-parameters#filter-using-odata-cast
 */
function splitCast(rest: string): { routed: string; cast?: DirectoryObjectKind } {
  const m = CAST.exec(rest);
  return m ? { routed: m[1] as string, cast: m[2] as DirectoryObjectKind } : { routed: rest };
}

function match(routes: readonly GraphRoute[], method: string, rest: string): Matched | undefined {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.pattern.exec(rest);
    // The path is already percent-decoded by the server (and batch); decoding again would corrupt '%'.
    if (m) return { route: r, params: m.slice(1) };
  }
  return undefined;
}

/** The route for a request, or Graph's 405 (known path, other method) / 400 (unknown segment). */
function resolve(routes: readonly GraphRoute[], method: string, rest: string): Matched {
  const m = match(routes, method, rest);
  if (m) return m;
  if (routes.some((r) => r.pattern.test(rest))) {
    throw new GraphHttpError(
      405,
      'Request_BadRequest',
      `The request method '${method}' is not supported for this resource.`,
    );
  }
  throw new GraphHttpError(
    400,
    'BadRequest',
    `Resource not found for the segment '${rest.split('/')[1] ?? ''}'.`,
  );
}

/** Endpoints throttled by their own service's limit rather than identity and access. */
function limitedService(rest: string): LimitedService | undefined {
  if (rest.startsWith('/auditLogs/')) return 'reports';
  if (/^\/servicePrincipals\/[^/]+\/synchronization\/jobs\/[^/]+\/provisionOnDemand\/?$/.test(rest))
    return 'provisionOnDemand';
  return undefined;
}

/**
 * 429 with Retry-After and the throttle headers. Inside a batch Retry-After can be a decimal
 * (e.g. 0.249); outside it is whole seconds.
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits
 */
function tooManyRequests(
  req: SimRequest,
  now: number,
  verdict: ThrottleVerdict,
  inner: boolean,
): SimResponse {
  const wait = verdict.retryAfterS ?? 1;
  return graphError(
    req,
    now,
    429,
    'TooManyRequests',
    'Too many requests. Retry after the number of seconds in the Retry-After header.',
    {
      'retry-after': inner ? wait.toFixed(3) : String(Math.ceil(wait)),
      'x-ms-throttle-scope': verdict.scope ?? '',
      'x-ms-throttle-information': verdict.information ?? 'ResourceUnitLimitExceeded',
    },
  );
}

/** Headers every Graph response carries: request ids, RU charged, quota use above 80 %. */
function decorate(req: SimRequest, res: SimResponse, ru: number, usage: number): SimResponse {
  if (usage > 0.8) res.headers['x-ms-throttle-limit-percentage'] = Math.min(usage, 1.8).toFixed(2);
  res.headers['request-id'] = req.requestId;
  res.headers['client-request-id'] = req.clientRequestId;
  res.headers['x-ms-ags-diagnostic'] = JSON.stringify({
    ServerInfo: { DataCenter: 'Simulated', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'SIM' },
  });
  if (ru > 0) res.headers['x-ms-resource-unit'] = String(ru);
  return res;
}

/**
 * Graph's request pipeline: token → route → permission → resource-unit charge → handler, with
 * errors in Graph's shape and the same headers on every answer.
 */
export function createGraphDispatcher(
  ctx: SimContext,
  routes: readonly GraphRoute[],
  throttle: Throttle,
  counters: Counters,
): GraphDispatcher {
  const keyOf = (method: string, version: string, rest: string): string => {
    const m = match(routes, method, splitCast(rest).routed);
    return m
      ? `${m.route.method} /${version}${m.route.key.slice(m.route.method.length + 1)}`
      : `${method} /${version}/*`;
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
    const charged = { ru: 0, usage: 0 };
    if (inner) {
      counters.add(key, 'requests');
      counters.add(key, 'batched');
    }
    try {
      // The Graph audience by its public name, its app id, or the simulator's own host.
      const audiences = [GRAPH_RESOURCE, GRAPH_APP_ID, `https://${ctx.graphDomain}`];
      const claims = claimsIn ?? (await verifyBearer(ctx, req.headers.authorization, audiences));
      const { routed, cast } = splitCast(rest);
      const m = resolve(routes, req.method, routed);
      if (!grants(heldPermissions(claims), m.route.permissions)) {
        throw new GraphHttpError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
      }
      const cost = requestCost(req.method, rest, req.query);
      const verdict = throttle.charge(claims.appid, claims.tid, cost.ru, cost.write, limitedService(rest));
      Object.assign(charged, { ru: cost.ru, usage: verdict.usage });
      counters.add(key, 'resourceUnits', cost.ru);
      if (!verdict.ok) {
        counters.add(key, 'throttled');
        return decorate(req, tooManyRequests(req, now, verdict, inner), charged.ru, charged.usage);
      }
      const gr: GraphRequest = {
        ...req,
        version,
        rest: routed,
        claims,
        ...(cast ? { cast: { kind: cast, path: rest } } : {}),
      };
      // Write routes record their own audit entries, naming the calling app.
      const res = await ctx.store.auditedByCaller(() => m.route.handle(ctx, gr, m.params));
      return decorate(req, res, charged.ru, charged.usage);
    } catch (err) {
      if (!(err instanceof GraphHttpError)) throw err;
      const res = graphError(req, now, err.status, err.code, err.message, { ...err.headers }, err.details);
      return decorate(req, res, charged.ru, charged.usage);
    }
  }
  return { serve, keyOf };
}

import type { SimClock } from './clock.js';

/**
 * Identity-and-access throttling: a token bucket of resource units per app+tenant, sized by
 * tenant size (3,500 / 5,000 / 8,000 RU per 10 s), and a write quota (3,000 per 150 s).
 * Refill is computed from the simulator clock; no timers.
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits
 */
export interface ThrottleVerdict {
  ok: boolean;
  /** Seconds until the request would fit (only when throttled); may be fractional. */
  retryAfterS?: number;
  scope?: string;
  /** Fraction of the quota in use after this request. */
  usage: number;
}

interface Bucket {
  tokens: number;
  last: number;
}

export const WINDOW_MS = 10_000;
const WRITE_QUOTA = 3000;
const WRITE_WINDOW_MS = 150_000;
/** Reports (directoryAudits, signIns): 5 requests per 10 s per app+tenant. https://learn.microsoft.com/graph/throttling-limits#microsoft-entra-reports-service-limits */
const REPORTS_QUOTA = 5;

/** RU budget per 10 s by user count: S (<50) 3,500, M (50–500) 5,000, L (>500) 8,000. */
export function quotaForTenant(userCount: number): number {
  return userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000;
}

export class Throttle {
  private readonly reads = new Map<string, Bucket>();
  private readonly writes = new Map<string, Bucket>();
  private readonly reports = new Map<string, Bucket>();

  constructor(
    private readonly clock: SimClock,
    public capacity: number,
    public enabled = true,
  ) {}

  private take(
    map: Map<string, Bucket>,
    key: string,
    capacity: number,
    windowMs: number,
    cost: number,
  ): { ok: boolean; wait: number; usage: number } {
    const now = this.clock.now();
    const b = map.get(key) ?? { tokens: capacity, last: now };
    const rate = capacity / windowMs;
    b.tokens = Math.min(capacity, b.tokens + Math.max(0, now - b.last) * rate);
    b.last = now;
    map.set(key, b);
    if (b.tokens < cost)
      return { ok: false, wait: (cost - b.tokens) / rate, usage: 1 + (cost - b.tokens) / capacity };
    b.tokens -= cost;
    return { ok: true, wait: 0, usage: (capacity - b.tokens) / capacity };
  }

  charge(appId: string, tenantId: string, ru: number, write: boolean, report = false): ThrottleVerdict {
    if (!this.enabled) return { ok: true, usage: 0 };
    const key = `${appId}/${tenantId}`;
    if (report) {
      const r = this.take(this.reports, key, REPORTS_QUOTA, WINDOW_MS, 1);
      return r.ok
        ? { ok: true, usage: r.usage }
        : {
            ok: false,
            retryAfterS: Math.max(0.001, r.wait / 1000),
            scope: `Tenant_Application/Read/${appId}/${tenantId}`,
            usage: r.usage,
          };
    }
    const r = this.take(this.reads, key, this.capacity, WINDOW_MS, ru);
    if (!r.ok)
      return {
        ok: false,
        retryAfterS: Math.max(0.001, r.wait / 1000),
        scope: `Tenant_Application/ReadWrite/${appId}/${tenantId}`,
        usage: r.usage,
      };
    if (write) {
      const w = this.take(this.writes, key, WRITE_QUOTA, WRITE_WINDOW_MS, 1);
      if (!w.ok)
        return {
          ok: false,
          retryAfterS: Math.max(0.001, w.wait / 1000),
          scope: `Tenant_Application/Write/${appId}/${tenantId}`,
          usage: w.usage,
        };
    }
    return { ok: true, usage: r.usage };
  }

  reset(): void {
    this.reads.clear();
    this.writes.clear();
    this.reports.clear();
  }
}

/**
 * Resource-unit cost of a request: the documented base costs and modifiers (`$select` −1,
 * `$expand` +1, `$top` < 20 −1, minimum 1). Writes cost 1 RU plus one write.
 */
export function requestCost(
  method: string,
  rest: string,
  query: URLSearchParams,
): { ru: number; write: boolean } {
  if (method !== 'GET') return { ru: rest.endsWith('/getByIds') ? 3 : 1, write: !rest.endsWith('/getByIds') };
  let base = 1;
  if (/^\/users\/?$/.test(rest)) base = 2;
  else if (/^\/groups\/[^/]+\/members(\/|$)/.test(rest)) base = 3;
  else if (/\/transitiveMembers(\/|$)/.test(rest)) base = 5;
  else if (/^\/applications\/?$/.test(rest)) base = 2;
  else if (/^\/oauth2PermissionGrants/.test(rest)) base = 2;
  else if (/^\/servicePrincipals\/[^/]+\/appRoleAssignments/.test(rest)) base = 2;
  else if (/^\/subscribedSkus/.test(rest)) base = 3;
  let ru = base;
  if (query.has('$select')) ru -= 1;
  if (query.has('$expand')) ru += 1;
  const top = Number(query.get('$top'));
  if (query.has('$top') && top < 20) ru -= 1;
  return { ru: Math.max(1, ru), write: false };
}

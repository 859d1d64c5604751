import type { WriteQuota } from './api.js';
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
  /** `x-ms-throttle-information`: why the request was throttled. */
  information?: string;
  /** Fraction of the quota in use after this request. */
  usage: number;
}

export type { WriteQuota } from './api.js';

/** Services with their own limit instead of the identity-and-access buckets. */
export type LimitedService = 'reports' | 'provisionOnDemand';

interface Bucket {
  tokens: number;
  last: number;
}

export const WINDOW_MS = 10_000;
/** 3,000 writes per 150 s per app per tenant. */
export const DEFAULT_WRITE_QUOTA: Readonly<WriteQuota> = { writes: 3000, windowMs: 150_000 };
/** 18,000 writes per 5 minutes per tenant, all apps together. */
const TENANT_WRITE_QUOTA: Readonly<WriteQuota> = { writes: 18_000, windowMs: 300_000 };
/**
 * Services limited by request count per 10 s per app+tenant: reports (directoryAudits, signIns)
 * https://learn.microsoft.com/graph/throttling-limits#microsoft-entra-reports-service-limits and
 * provisionOnDemand ("The rate limit for this API is 5 requests per 10 seconds",
 * https://learn.microsoft.com/graph/api/synchronization-synchronizationjob-provisionondemand).
 */
const SERVICE_QUOTA: Record<LimitedService, number> = { reports: 5, provisionOnDemand: 5 };

/** RU budget per 10 s by user count: S (<50) 3,500, M (50–500) 5,000, L (>500) 8,000. */
export function quotaForTenant(userCount: number): number {
  return userCount < 50 ? 3500 : userCount <= 500 ? 5000 : 8000;
}

export class Throttle {
  private readonly reads = new Map<string, Bucket>();
  private readonly writes = new Map<string, Bucket>();
  private readonly tenantWrites = new Map<string, Bucket>();
  private readonly services = new Map<string, Bucket>();
  private quota: WriteQuota = { ...DEFAULT_WRITE_QUOTA };

  constructor(
    private readonly clock: SimClock,
    public capacity: number,
    public enabled = true,
  ) {}

  /** The per-app write quota; a test sets a small one to meet the limit in a few requests. */
  get writeQuota(): Readonly<WriteQuota> {
    return this.quota;
  }

  /** Replaces the per-app write quota (`null`: Graph's 3,000 per 150 s) and empties the write buckets. */
  setWriteQuota(q: WriteQuota | null): void {
    if (
      q !== null &&
      !(Number.isInteger(q.writes) && q.writes > 0 && Number.isFinite(q.windowMs) && q.windowMs > 0)
    )
      throw new Error('writeQuota: expected {"writes": a positive integer, "windowMs": a positive number}');
    this.quota = q === null ? { ...DEFAULT_WRITE_QUOTA } : { writes: q.writes, windowMs: q.windowMs };
    this.writes.clear();
  }

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

  /**
   * Charges one request: a service with its own limit (reports, provisionOnDemand) is counted
   * there only; anything else takes its resource units from the app's bucket and, for a write,
   * one write from the app's and the tenant's write quotas.
   */
  charge(
    appId: string,
    tenantId: string,
    ru: number,
    write: boolean,
    service?: LimitedService,
  ): ThrottleVerdict {
    if (!this.enabled) return { ok: true, usage: 0 };
    const key = `${appId}/${tenantId}`;
    const refused = (wait: number, scope: string, information: string, usage: number): ThrottleVerdict => ({
      ok: false,
      retryAfterS: Math.max(0.001, wait / 1000),
      scope: `${scope}/${appId}/${tenantId}`,
      information,
      usage,
    });
    if (service) {
      const r = this.take(this.services, `${service}/${key}`, SERVICE_QUOTA[service], WINDOW_MS, 1);
      if (r.ok) return { ok: true, usage: r.usage };
      return refused(
        r.wait,
        `Tenant_Application/${service === 'reports' ? 'Read' : 'Write'}`,
        'RequestLimitExceeded',
        r.usage,
      );
    }
    const r = this.take(this.reads, key, this.capacity, WINDOW_MS, ru);
    if (!r.ok) return refused(r.wait, 'Tenant_Application/ReadWrite', 'ResourceUnitLimitExceeded', r.usage);
    if (write) {
      const w = this.take(this.writes, key, this.quota.writes, this.quota.windowMs, 1);
      if (!w.ok) return refused(w.wait, 'Tenant_Application/Write', 'WriteLimitExceeded', w.usage);
      const t = this.take(
        this.tenantWrites,
        tenantId,
        TENANT_WRITE_QUOTA.writes,
        TENANT_WRITE_QUOTA.windowMs,
        1,
      );
      if (!t.ok) return refused(t.wait, 'Tenant/Write', 'WriteLimitExceeded', t.usage);
    }
    return { ok: true, usage: r.usage };
  }

  reset(): void {
    this.reads.clear();
    this.writes.clear();
    this.tenantWrites.clear();
    this.services.clear();
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

/**
 * What the generator's stages share: the tenant under construction, the sizes asked for, the
 * clock the tenant was generated at, and the ids earlier stages produced for later ones to link.
 */
import { isoSeconds, type Rng } from './ids.js';
import type { Guid, TenantSize } from './model.js';
import type { Tenant } from './store.js';

export const DAY_MS = 86_400_000;

export interface GenIds {
  /** Member (non-guest) users, in creation order; index 0 is the top of the manager tree. */
  members: Guid[];
  guests: Guid[];
  /** Members synced from on-premises Active Directory. */
  onPremUsers: Guid[];
  /** Enabled members a role or ownership can sensibly go to. */
  admins: Guid[];
  groups: Guid[];
  devices: Guid[];
  contacts: Guid[];
  units: Guid[];
  /** Tenant-owned application service principals (including the registered clients). */
  appSps: Guid[];
  managedIdentities: Guid[];
  /** Service principals whose apps the tenant's users are assigned to. */
  assignableSps: Guid[];
  graphSpId: Guid;
  exchangeSpId: Guid;
}

export interface GenContext {
  rng: Rng;
  tenant: Tenant;
  size: TenantSize;
  /** The generation instant (ms since the epoch); every date is relative to it. */
  base: number;
  initialDomain: string;
  customDomain: string;
  ids: GenIds;
}

/** `days` days before the generation instant (negative = after), as Graph formats date-times. */
export function daysAgo(ctx: GenContext, days: number): string {
  return isoSeconds(ctx.base - days * DAY_MS);
}

/** A random instant in the last `maxDays` days. */
export function randomPast(ctx: GenContext, maxDays: number, minDays = 0): string {
  return isoSeconds(ctx.base - (minDays + ctx.rng.float() * (maxDays - minDays)) * DAY_MS);
}

/** A step coprime to `n`, so that `start + k*step (mod n)` visits k distinct items. */
export function coprimeStep(rng: Rng, n: number): number {
  if (n <= 2) return 1;
  for (;;) {
    const step = rng.int(1, n - 1);
    if (gcd(step, n) === 1) return step;
  }
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** `k` distinct items of `pool`, drawn by a random start and a coprime stride (O(k), no retries). */
export function sample<T>(rng: Rng, pool: readonly T[], k: number): T[] {
  const n = pool.length;
  const count = Math.min(k, n);
  if (count <= 0) return [];
  const step = coprimeStep(rng, n);
  let at = rng.int(0, n - 1);
  const out: T[] = new Array(count);
  for (let i = 0; i < count; i++) {
    out[i] = pool[at] as T;
    at = (at + step) % n;
  }
  return out;
}

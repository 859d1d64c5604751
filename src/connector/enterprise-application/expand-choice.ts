import type { GraphExpand } from '../../config/types.js';
import { MAX_BATCH_SIZE } from '../../graph/batch.js';
import type { CollectContext } from '../shared/collect-context.js';

/**
 * Whether a full listing of service principals reads a relationship (app-role assignments, owners)
 * through `$expand` or one listing per service principal, 20 to a `$batch` envelope.
 *
 * `$expand` on a directory relationship returns at most 20 items and no nextLink, so a service
 * principal whose expansion holds 20 may have more and is listed on its own as well; Graph also
 * cuts a page that expands to 100 items, against 999 without.
 * https://learn.microsoft.com/graph/query-parameters#expand-parameter
 */
export const EXPAND_CAP = 20;
/** Page size of a listing with `$expand` (known issue 13635) and of one without. */
export const EXPAND_PAGE = 100;
export const LIST_PAGE = 999;

/**
 * What one way of reading costs: HTTP requests, and the requests Graph meters (each request inside
 * a `$batch` counts against the throttling limits as its own).
 * https://learn.microsoft.com/graph/throttling#throttling-and-batching
 */
export interface ReadCost {
  http: number;
  metered: number;
}

export interface ExpandChoice {
  expand: boolean;
  /** Why, for the log: the setting, the two estimates, or no estimate to go on. */
  reason: 'setting' | 'estimate' | 'no earlier listing';
  withExpand?: ReadCost;
  without?: ReadCost;
}

const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));
/** `$batch` envelopes for `n` requests, as the Graph client packs them. */
const batches = (n: number) => Math.ceil(n / MAX_BATCH_SIZE);

/**
 * App-role assignments of `servicePrincipals` service principals, `overflow` of which hold 20 or
 * more: expanded in the listing (pages of 100) and listed again for those, or a plain listing
 * (pages of 999) and a listing for every one.
 */
export function assignmentCosts(servicePrincipals: number, overflow: number): [ReadCost, ReadCost] {
  return [
    {
      http: pages(servicePrincipals, EXPAND_PAGE) + batches(overflow),
      metered: pages(servicePrincipals, EXPAND_PAGE) + overflow,
    },
    {
      http: pages(servicePrincipals, LIST_PAGE) + batches(servicePrincipals),
      metered: pages(servicePrincipals, LIST_PAGE) + servicePrincipals,
    },
  ];
}

/**
 * Owners of `apps` synced applications among `servicePrincipals`, `overflow` of which have 20 or
 * more: a second listing of every service principal expanding its owners (pages of 100) and a
 * listing for those, or a listing for every app.
 */
export function ownerCosts(servicePrincipals: number, apps: number, overflow: number): [ReadCost, ReadCost] {
  return [
    {
      http: pages(servicePrincipals, EXPAND_PAGE) + batches(overflow),
      metered: pages(servicePrincipals, EXPAND_PAGE) + overflow,
    },
    { http: batches(apps), metered: apps },
  ];
}

/**
 * Expands when the setting says so, or (`auto`) when that takes fewer HTTP requests, or as many
 * and fewer metered ones. Without estimates `auto` expands: with no relationship at the cap,
 * expanding always takes fewer requests.
 */
export function chooseExpand(setting: GraphExpand, costs: [ReadCost, ReadCost] | undefined): ExpandChoice {
  const [withExpand, without] = costs ?? [];
  const figures = withExpand && without ? { withExpand, without } : {};
  if (setting !== 'auto') return { expand: setting === 'always', reason: 'setting', ...figures };
  if (!withExpand || !without) return { expand: true, reason: 'no earlier listing' };
  const expand =
    withExpand.http < without.http ||
    (withExpand.http === without.http && withExpand.metered < without.metered);
  return { expand, reason: 'estimate', withExpand, without };
}

/**
 * How many service principals a listing held and how many of them reached the cap, kept in the
 * connector's state so that the next listing can estimate its cost before it starts.
 */
export interface ListingShape {
  total: number;
  overflow: number;
}

export function readShape(raw: string | undefined): ListingShape | undefined {
  if (raw === undefined) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<ListingShape>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 0;
    return ok(v.total) && ok(v.overflow) ? { total: v.total, overflow: v.overflow } : undefined;
  } catch {
    return undefined;
  }
}

/** One log line per choice, with the estimates it compared. */
export function logExpandChoice(
  ctx: CollectContext,
  phase: string,
  relationship: 'appRoleAssignedTo' | 'owners',
  choice: ExpandChoice,
  shape?: ListingShape,
): void {
  ctx.logger.info(
    {
      phase,
      relationship,
      expand: choice.expand,
      reason: choice.reason,
      ...(choice.withExpand
        ? { requestsWithExpand: choice.withExpand, requestsWithout: choice.without }
        : {}),
      ...(shape ? { previousListing: shape } : {}),
    },
    `${relationship} read ${choice.expand ? 'with' : 'without'} $expand`,
  );
}

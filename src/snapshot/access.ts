import { parseEntitlementId } from '../framework/ids.js';
import type { Principal } from '../framework/types.js';
import type { SnapshotDb } from './database.js';

export interface DirectAccess {
  entitlement: string;
  grant: string;
}

export interface EffectiveAccess {
  entitlement: string;
  /** Entitlements the access flows through, from the principal's own grant to this one. */
  via: string[];
}

export interface AccessReport {
  principal: Principal;
  direct: DirectAccess[];
  effective: EffectiveAccess[];
  /** True when the walk stopped at `maxDepth` with more to explore. */
  truncated: boolean;
}

/** Baton's default grant-expansion depth (BATON_GRAPH_EXPAND_MAX_DEPTH). */
export const DEFAULT_MAX_DEPTH = 20;

/**
 * Direct and effective access of a principal. Holding entitlement X passes through every grant
 * whose `expandable` lists X (a nested group's membership, an app role given to a group): the
 * holder of X effectively holds that grant's entitlement too. Breadth-first, so each entitlement
 * is reported with its shortest path; a visited set makes membership cycles harmless.
 */
export function accessOf(db: SnapshotDb, principal: Principal, maxDepth = DEFAULT_MAX_DEPTH): AccessReport {
  const direct = db
    .grantsOf(principal.type, principal.id)
    .map((g) => ({ entitlement: g.entitlement, grant: g.id }));
  const paths = new Map<string, string[]>();
  let frontier: string[] = [];
  for (const d of direct) {
    if (!paths.has(d.entitlement)) {
      paths.set(d.entitlement, []);
      frontier.push(d.entitlement);
    }
  }
  let truncated = false;
  for (let depth = 0; frontier.length > 0; depth++) {
    if (depth >= maxDepth) {
      truncated = true;
      break;
    }
    const next: string[] = [];
    for (const held of frontier) {
      let holder;
      try {
        holder = parseEntitlementId(held).resource;
      } catch {
        continue;
      }
      // Grants that expand `held` name its resource as their principal (group g2 → g2's grants).
      for (const g of db.grantsOf(holder.resourceType, holder.resource)) {
        if (!g.expandable?.includes(held) || paths.has(g.entitlement)) continue;
        paths.set(g.entitlement, [...paths.get(held)!, held]);
        next.push(g.entitlement);
      }
    }
    frontier = next;
  }
  const effective = [...paths]
    .map(([entitlement, via]) => ({ entitlement, via }))
    .sort((a, b) => a.entitlement.localeCompare(b.entitlement));
  return { principal, direct, effective, truncated };
}

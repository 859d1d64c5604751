import { DIRTY_SP } from '../shared/audit.js';
import { replaceEdges } from '../shared/edges.js';
import { odataKind, type CollectContext } from '../shared/collect-context.js';
import type { DirectoryObjectRef } from '../shared/graph.js';
import { runPagedPhase } from '../shared/paged.js';
import { spMode } from './collect.js';
import {
  chooseExpand,
  EXPAND_CAP,
  logExpandChoice,
  ownerCosts,
  readShape,
  type ListingShape,
} from './expand-choice.js';
import type { GraphServicePrincipal } from './graph.js';
import { isSyncedApplication } from './resource.js';

/** Synced apps whose owners the expanded listing held whole: they need no listing of their own. */
export const SP_OWNERS_READ = 'spOwnersRead';
/** This sync's choice (scratch, so that a resumed phase keeps it): `expand` or `list`. */
const OWNER_READ = 'spOwnerRead';
/** State: how many synced apps the last full read of owners covered and how many had 20 or more. */
export const OWNER_SHAPE = 'servicePrincipals:ownerShape';
const EXPANDED_PHASE = 'servicePrincipalOwners:expanded';

/** Replaces the owner edges of one service principal (writing only those that differ). */
export function storeOwners(ctx: CollectContext, spId: string, owners: readonly DirectoryObjectRef[]): void {
  const targets = owners.map((o) => ({ targetId: o.id, targetKind: odataKind(o) }));
  replaceEdges(ctx.store.source, 'servicePrincipal', spId, 'owner', targets);
}

/** Whether one stored service principal is a synced enterprise application (its assignments read). */
function syncedApp(ctx: CollectContext, orgIds: Set<string>) {
  return (id: string, data: GraphServicePrincipal | undefined): boolean =>
    data !== undefined &&
    isSyncedApplication(
      data,
      orgIds,
      ctx.store.source.hasLinks('servicePrincipal', id, 'assignment:'),
      ctx.config,
    );
}

const orgIdsOf = (ctx: CollectContext) => new Set([...ctx.store.source.all('organization')].map((o) => o.id));

/** The synced enterprise applications whose owners a phase reads (all of them after a listing). */
export function* syncedAppIds(ctx: CollectContext): Generator<string> {
  const synced = syncedApp(ctx, orgIdsOf(ctx));
  const delta = spMode(ctx) === 'delta';
  // Dirty marks hold no data: after a delta replay each service principal is looked up.
  for (const { id, data: sp } of ctx.store.source.all<GraphServicePrincipal>(
    delta ? DIRTY_SP : 'servicePrincipal',
  )) {
    if (synced(id, delta ? ctx.store.source.get<GraphServicePrincipal>('servicePrincipal', id) : sp))
      yield id;
  }
}

/** After a listing: the synced apps whose owners the expanded listing did not settle (in id order). */
export function* unreadOwners(ctx: CollectContext): Generator<string> {
  for (const id of syncedAppIds(ctx)) if (ctx.store.source.get(SP_OWNERS_READ, id) === undefined) yield id;
}

/**
 * Whether owners are read by a listing that expands them. Both ways are counted from what the
 * sync holds by now: the service principals (expanded pages of 100) against the synced apps (a
 * listing each, 20 a `$batch`), plus, for the expansion, the apps expected to reach 20 owners (the
 * last listing's share; none when there was none).
 */
function expandsOwners(ctx: CollectContext): boolean {
  const stored = ctx.store.scratch.get(OWNER_READ);
  if (stored === 'expand' || stored === 'list') return stored === 'expand';
  let apps = 0;
  for (const _ of syncedAppIds(ctx)) apps++;
  const shape = readShape(ctx.store.state.get(OWNER_SHAPE));
  const overflow = shape && shape.total > 0 ? Math.ceil((apps * shape.overflow) / shape.total) : 0;
  const choice = chooseExpand(
    ctx.config.graphExpand ?? 'auto',
    ownerCosts(ctx.store.source.count('servicePrincipal'), apps, overflow),
  );
  logExpandChoice(ctx, 'servicePrincipalOwners', 'owners', choice, shape);
  ctx.store.scratch.set(OWNER_READ, choice.expand ? 'expand' : 'list');
  return choice.expand;
}

/**
 * After a listing, when expanding pays: every service principal again, with its owners expanded
 * (Graph expands one relationship per request on directory objects, so not in the first listing).
 * A synced app whose expansion holds fewer than 20 owners is settled; one with 20 (possibly cut,
 * the expansion has no nextLink), one the expansion left out, and one this listing did not return
 * (a page that lost its nextLink, or created since) keep their own listing in the batched walk.
 * https://learn.microsoft.com/graph/query-parameters#expand-parameter
 * https://learn.microsoft.com/graph/api/serviceprincipal-list-owners
 */
export async function expandedOwners(ctx: CollectContext): Promise<number> {
  if (!expandsOwners(ctx)) return 0;
  const synced = syncedApp(ctx, orgIdsOf(ctx));
  return runPagedPhase<{ id: string; owners?: DirectoryObjectRef[] }>(ctx, {
    phase: EXPANDED_PHASE,
    startUrl: '/servicePrincipals?$select=id&$expand=owners($select=id)&$top=999',
    owns: { objects: [SP_OWNERS_READ], links: [] },
    onPage: (items) => {
      for (const { id, owners } of items) {
        if (!Array.isArray(owners) || owners.length >= EXPAND_CAP) continue;
        if (!synced(id, ctx.store.source.get<GraphServicePrincipal>('servicePrincipal', id))) continue;
        storeOwners(ctx, id, owners);
        ctx.store.source.put(SP_OWNERS_READ, id, {});
      }
    },
  });
}

/** Records, after a full read of owners, how many synced apps it covered and how many reached the cap. */
export function recordOwnerShape(ctx: CollectContext): ListingShape {
  let total = 0;
  let overflow = 0;
  for (const id of syncedAppIds(ctx)) {
    total++;
    if (ctx.store.source.links('servicePrincipal', id, 'owner').length >= EXPAND_CAP) overflow++;
  }
  const shape = { total, overflow };
  ctx.store.state.set(OWNER_SHAPE, JSON.stringify(shape));
  return shape;
}

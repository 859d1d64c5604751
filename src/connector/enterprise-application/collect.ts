import { DIRTY_SP, relistServicePrincipals } from '../shared/audit.js';
import {
  applyDeltaObject,
  plainProperties,
  type CollectContext,
  type CollectPhase,
} from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import {
  assignmentCosts,
  chooseExpand,
  EXPAND_CAP,
  logExpandChoice,
  readShape,
  type ListingShape,
} from './expand-choice.js';
import type { GraphAppRoleAssignment, GraphServicePrincipal, GraphServicePrincipalListed } from './graph.js';

export const SP_SELECT: (keyof GraphServicePrincipal)[] = [
  'id',
  'appId',
  'appDisplayName',
  'displayName',
  'description',
  'accountEnabled',
  'appOwnerOrganizationId',
  'appRoles',
  'homepage',
  'info',
  'servicePrincipalType',
  'tags',
  'createdDateTime',
  // For the credential resources (SAML signing certificates live on the service principal).
  'passwordCredentials',
  'keyCredentials',
  // Profile fields of managed identities (resource ids) and enterprise apps (SAML/OIDC).
  'alternativeNames',
  'preferredSingleSignOnMode',
];

/** Graph's `principalType` (`User`, `Group`, `ServicePrincipal`) as a directory object kind. */
function principalKind(t: string): string {
  return t === 'ServicePrincipal' ? 'servicePrincipal' : t.toLowerCase();
}

/** Replaces the app-role assignment edges of one service principal. */
export function storeAssignments(ctx: CollectContext, spId: string, list: GraphAppRoleAssignment[]): void {
  for (const l of ctx.store.source.links('servicePrincipal', spId)) {
    if (l.rel.startsWith('assignment:')) ctx.store.source.unlink('servicePrincipal', spId, l.rel, l.targetId);
  }
  for (const a of list) {
    ctx.store.source.link({
      kind: 'servicePrincipal',
      ownerId: spId,
      rel: `assignment:${a.appRoleId}`,
      targetId: a.principalId,
      targetKind: principalKind(a.principalType),
    });
  }
}

/** Where the next incremental's service-principal delta round starts. */
export const SP_DELTA_KEY = 'delta:servicePrincipals';
/** The listing of every service principal, with their app-role assignments when `expand`. */
export function servicePrincipalsListUrl(expand: boolean): string {
  return `/servicePrincipals?$select=${SP_SELECT.join(',')}${expand ? '&$expand=appRoleAssignedTo' : ''}&$top=999`;
}

export const SP_DELTA_URL = `/servicePrincipals/delta?$select=${SP_SELECT.join(',')}`;
const SP_MODE = 'spMode';

/** How this sync reads service principals: replaying the parent's delta link, or a full listing. */
export function spMode(ctx: CollectContext): 'delta' | 'list' {
  return ctx.store.scratch.get(SP_MODE) === 'delta' ? 'delta' : 'list';
}

function chooseMode(ctx: CollectContext): 'delta' | 'list' {
  const stored = ctx.store.scratch.get(SP_MODE);
  if (stored === 'delta' || stored === 'list') return stored;
  const linked =
    ctx.store.state.get(`${SP_DELTA_KEY}:query`) === SP_DELTA_URL &&
    ctx.store.state.get(SP_DELTA_KEY) !== undefined;
  const mode = linked && !relistServicePrincipals(ctx) ? 'delta' : 'list';
  ctx.store.scratch.set(SP_MODE, mode);
  return mode;
}

/**
 * Service principals whose app-role assignments need a listing of their own (the next phase): the
 * listing did not expand them, or their expansion came back with 20 and may have been cut.
 */
export const SP_UNREAD_ASSIGNMENTS = 'spOverflow';

/** This sync's choice (scratch, so that a resumed listing keeps it): `expand` or `list`. */
const ASSIGNMENT_READ = 'spAssignmentRead';
/** State: how many service principals the last full listing held and how many had 20 or more assignments. */
export const ASSIGNMENT_SHAPE = 'servicePrincipals:assignmentShape';

/**
 * Whether this listing expands app-role assignments. Expanding pages 100 service principals
 * instead of 999 and saves a listing for each one under 20 assignments, so it pays unless most
 * reach 20: the previous listing's share says how many will, and with no previous listing none is
 * assumed to (Microsoft's own apps and managed identities hold few).
 */
function expandsAssignments(ctx: CollectContext): boolean {
  const stored = ctx.store.scratch.get(ASSIGNMENT_READ);
  if (stored === 'expand' || stored === 'list') return stored === 'expand';
  const shape = readShape(ctx.store.state.get(ASSIGNMENT_SHAPE));
  const choice = chooseExpand(
    ctx.config.graphExpand ?? 'auto',
    shape ? assignmentCosts(shape.total, shape.overflow) : undefined,
  );
  logExpandChoice(ctx, 'servicePrincipals', 'appRoleAssignedTo', choice, shape);
  ctx.store.scratch.set(ASSIGNMENT_READ, choice.expand ? 'expand' : 'list');
  return choice.expand;
}

/**
 * Every service principal, with its app-role assignments expanded when that takes fewer requests,
 * preceded by a `$deltatoken=latest` request whose link the next incremental replays: changes made
 * while the listing runs are delivered again then, and upserts make that harmless.
 * https://learn.microsoft.com/graph/delta-query-overview#use-delta-query-to-track-changes-in-a-resource-collection
 *
 * An expansion is capped at 20 items without a nextLink, so only one with fewer is taken as the
 * whole list; a principal whose expansion holds 20, or that came back without one, is marked for a
 * full listing of `/servicePrincipals/{id}/appRoleAssignedTo` (the next phase).
 * https://learn.microsoft.com/graph/query-parameters#expand-parameter
 *
 * A listing, unlike a delta round, has no deltaLink to prove it reached the end: the stored count
 * is checked against `/servicePrincipals/$count`, and a shortfall fails the sync.
 */
export const servicePrincipalsPhase: CollectPhase = {
  name: 'servicePrincipals',
  async run(ctx: CollectContext) {
    if (chooseMode(ctx) === 'delta') return replayDelta(ctx);
    await recordLatestLink(ctx);
    return runPagedPhase<GraphServicePrincipalListed>(ctx, {
      phase: 'servicePrincipals',
      startUrl: servicePrincipalsListUrl(expandsAssignments(ctx)),
      owns: { objects: ['servicePrincipal', SP_UNREAD_ASSIGNMENTS], links: ['servicePrincipal'] },
      count: {
        collection: '/servicePrincipals',
        url: '/servicePrincipals/$count',
        stored: () => ctx.store.source.count('servicePrincipal'),
      },
      onPage: (items) => {
        for (const item of items) {
          const id = item.id;
          const sp = plainProperties(item);
          delete sp.appRoleAssignedTo;
          ctx.store.source.put('servicePrincipal', id, sp);
          const assigned = item.appRoleAssignedTo;
          if (Array.isArray(assigned) && assigned.length < EXPAND_CAP) storeAssignments(ctx, id, assigned);
          else ctx.store.source.put(SP_UNREAD_ASSIGNMENTS, id, {});
        }
      },
    });
  },
};

/** Records, after a full listing, how many service principals it held and how many reached the cap. */
export function recordAssignmentShape(ctx: CollectContext): ListingShape {
  let total = 0;
  let overflow = 0;
  for (const { id } of ctx.store.source.all('servicePrincipal')) {
    total++;
    if (
      ctx.store.source.links('servicePrincipal', id).filter((l) => l.rel.startsWith('assignment:')).length >=
      EXPAND_CAP
    )
      overflow++;
  }
  const shape = { total, overflow };
  ctx.store.state.set(ASSIGNMENT_SHAPE, JSON.stringify(shape));
  return shape;
}

/** One request: a delta link naming "now", taken before the listing starts. */
async function recordLatestLink(ctx: CollectContext): Promise<void> {
  const phase = 'servicePrincipals:latest';
  if (ctx.store.checkpoints.get(phase)?.status === 'done') return;
  let link: string | undefined;
  for await (const page of ctx.graph.pages<GraphServicePrincipalListed>(
    `${SP_DELTA_URL}&$deltatoken=latest`,
    ctx.requestOptions,
  )) {
    link = page.deltaLink;
  }
  if (!link) throw new Error(`${phase}: $deltatoken=latest answered without an @odata.deltaLink`);
  ctx.store.transaction(() => {
    ctx.store.state.set(SP_DELTA_KEY, link);
    ctx.store.state.set(`${SP_DELTA_KEY}:query`, SP_DELTA_URL);
    ctx.store.checkpoints.save({ phase, status: 'done', items: 0 });
  });
}

/**
 * Incrementals: the changed service principals since the parent's link. Their app-role
 * assignments and owners are not in the delta; every principal seen here is marked for a re-read,
 * as are those the audit log names. https://learn.microsoft.com/graph/api/serviceprincipal-delta
 */
function replayDelta(ctx: CollectContext): Promise<number> {
  return runPagedPhase<GraphServicePrincipalListed>(ctx, {
    phase: 'servicePrincipals',
    startUrl: SP_DELTA_URL,
    deltaKey: SP_DELTA_KEY,
    onPage: (items) => {
      for (const item of items) {
        const id = item.id;
        if (applyDeltaObject(ctx.store.source, 'servicePrincipal', item))
          ctx.store.source.put(DIRTY_SP, id, {});
        else ctx.store.source.remove(DIRTY_SP, id);
      }
    },
  });
}

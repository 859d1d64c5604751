import { DIRTY_ROLE, relistRoles, ROLE_EXPIRY } from '../shared/audit.js';
import type { CollectContext } from '../shared/collect-context.js';
import { batchedListings, idsOf, walkIds } from '../enterprise-application/details.js';
import type { GraphRoleScheduleInstance } from './graph.js';

export const ASSIGNMENT_SELECT = 'id,principalId,roleDefinitionId,directoryScopeId';
export const INSTANCE_SELECT =
  'id,principalId,roleDefinitionId,directoryScopeId,memberType,startDateTime,endDateTime';

const ROLE_MODE = 'roleMode';
/** Roles per `$batch` call: three listings each, within one envelope of 20. */
const ROLES_PER_BATCH = 6;

/** Role assignments become `assigned`/`eligible` edges of their role definition, one per scope. */
export function storeRoleEdges(
  ctx: CollectContext,
  rel: 'assigned' | 'eligible',
  items: GraphRoleScheduleInstance[],
): void {
  for (const a of items) {
    noteExpiry(ctx, a.endDateTime);
    // Instances inherited through a role-assignable group (memberType Group) are the group's
    // assignment seen from its members; the group's own grant carries them via expansion.
    if (a.memberType !== undefined && a.memberType !== 'Direct') continue;
    ctx.store.source.link({
      kind: 'roleDefinition',
      ownerId: a.roleDefinitionId,
      rel,
      targetId: a.principalId,
      // The principal's kind is not in the listing; it is resolved against users/groups/SPs.
      targetKind: '',
      extra: a.directoryScopeId ?? '/',
    });
  }
}

/**
 * A time-bound PIM assignment ends without a directory write to audit, so the earliest end among
 * the stored edges is kept: an incremental past it lists the roles again.
 */
function noteExpiry(ctx: CollectContext, end: unknown): void {
  if (typeof end !== 'string' || Number.isNaN(Date.parse(end))) return;
  const known = ctx.store.state.get(ROLE_EXPIRY);
  if (known === undefined || Date.parse(end) < Date.parse(known)) ctx.store.state.set(ROLE_EXPIRY, end);
}

/**
 * How this sync reads role edges, decided once the role definitions are listed: `list` all three
 * listings (full syncs, no usable audit log, a role event naming no known role), `refresh` the
 * edges of the roles the audit log names, or `keep` the parent's.
 */
export function roleMode(ctx: CollectContext): 'list' | 'refresh' | 'keep' {
  const stored = ctx.store.scratch.get(ROLE_MODE);
  if (stored === 'list' || stored === 'refresh' || stored === 'keep') return stored;
  let mode: 'list' | 'refresh' | 'keep' = 'keep';
  if (relistRoles(ctx)) mode = 'list';
  else
    for (const { id } of ctx.store.source.all(DIRTY_ROLE)) {
      if (ctx.store.source.get('roleDefinition', id) === undefined) {
        mode = 'list';
        break;
      }
      mode = 'refresh';
    }
  ctx.store.scratch.set(ROLE_MODE, mode);
  return mode;
}

function roleUrls(ctx: CollectContext, id: string): { url: string; rel: 'assigned' | 'eligible' }[] {
  const filter = `$filter=roleDefinitionId eq '${id}'`;
  const base = '/roleManagement/directory';
  const urls: { url: string; rel: 'assigned' | 'eligible' }[] = [
    { url: `${base}/roleAssignments?$select=${ASSIGNMENT_SELECT}&${filter}`, rel: 'assigned' },
  ];
  if (ctx.store.state.get('pim') !== 'unlicensed')
    urls.push(
      {
        url: `${base}/roleAssignmentScheduleInstances?$select=${INSTANCE_SELECT}&${filter}`,
        rel: 'assigned',
      },
      {
        url: `${base}/roleEligibilityScheduleInstances?$select=${INSTANCE_SELECT}&${filter}`,
        rel: 'eligible',
      },
    );
  return urls;
}

/**
 * Incrementals: the three role listings filtered to each role the audit log names, in `$batch`
 * envelopes, replacing those roles' edges. A tenant without PIM answers its listings with 400
 * AadPremiumLicenseRequired, read as "no PIM edges" as the full listing does.
 * https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments
 */
export function refreshRoles(ctx: CollectContext): Promise<number> {
  return walkIds(
    ctx,
    'roleRefresh',
    () => idsOf(ctx, DIRTY_ROLE),
    ROLES_PER_BATCH,
    async (ids) => {
      const plan = ids.flatMap((id) => roleUrls(ctx, id).map((u) => ({ id, ...u })));
      const results = await batchedListings<GraphRoleScheduleInstance>(
        ctx,
        'roleRefresh',
        plan.map((p) => p.url),
        (status, code) => status === 400 && code === 'AadPremiumLicenseRequired',
      );
      const edges = new Map<string, { rel: 'assigned' | 'eligible'; items: GraphRoleScheduleInstance[] }[]>();
      for (const [i, items] of results.entries()) {
        const p = plan[i]!;
        if (items) edges.set(p.id, [...(edges.get(p.id) ?? []), { rel: p.rel, items }]);
      }
      ctx.store.transaction(() => {
        for (const id of ids) {
          ctx.store.source.clearRel('roleDefinition', id, 'assigned');
          ctx.store.source.clearRel('roleDefinition', id, 'eligible');
          for (const { rel, items } of edges.get(id) ?? []) storeRoleEdges(ctx, rel, items);
        }
      });
    },
  );
}

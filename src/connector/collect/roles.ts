import { GraphError } from '../../graph/errors.js';
import { relistRoles, ROLE_EXPIRY } from './audit.js';
import type { CollectContext, CollectPhase } from './context.js';
import { runPagedPhase, type PagedPhaseSpec } from './paged.js';

type Item = Record<string, unknown>;

const ASSIGNMENT_SELECT = 'id,principalId,roleDefinitionId,directoryScopeId';
const INSTANCE_SELECT =
  'id,principalId,roleDefinitionId,directoryScopeId,memberType,startDateTime,endDateTime';

/** Role assignments become `assigned`/`eligible` edges of their role definition, one per scope. */
function storeRoleEdges(ctx: CollectContext, rel: 'assigned' | 'eligible', items: Item[]): void {
  for (const a of items) {
    noteExpiry(ctx, a.endDateTime);
    // Instances inherited through a role-assignable group (memberType Group) are the group's
    // assignment seen from its members; the group's own grant carries them via expansion.
    if (a.memberType !== undefined && a.memberType !== 'Direct') continue;
    ctx.db.source.link({
      kind: 'roleDefinition',
      ownerId: a.roleDefinitionId as string,
      rel,
      targetId: a.principalId as string,
      // The principal's kind is not in the listing; it is resolved against users/groups/SPs.
      targetKind: '',
      extra: (a.directoryScopeId as string | undefined) ?? '/',
    });
  }
}

/**
 * A time-bound PIM assignment ends without a directory write to audit, so the earliest end among
 * the stored edges is kept: an incremental past it lists the roles again.
 */
function noteExpiry(ctx: CollectContext, end: unknown): void {
  if (typeof end !== 'string' || Number.isNaN(Date.parse(end))) return;
  const known = ctx.db.getMeta(ROLE_EXPIRY);
  if (known === undefined || Date.parse(end) < Date.parse(known)) ctx.db.setMeta(ROLE_EXPIRY, end);
}

/**
 * Role edges have no delta query: an incremental keeps the parent's unless the audit log shows a
 * role-management event (or cannot be read), in which case the three listings run again.
 */
async function roleListing(ctx: CollectContext, spec: PagedPhaseSpec<Item>): Promise<number> {
  if (!relistRoles(ctx)) {
    const cp = ctx.db.checkpoint(spec.phase);
    if (cp?.status !== 'done')
      ctx.db.transaction(() => ctx.db.saveCheckpoint({ phase: spec.phase, status: 'done', items: 0 }));
    return 0;
  }
  return runPagedPhase<Item>(ctx, spec);
}

export const roleDefinitionsPhase: CollectPhase = {
  name: 'roleDefinitions',
  run(ctx) {
    return runPagedPhase<Item>(ctx, {
      phase: 'roleDefinitions',
      startUrl:
        '/roleManagement/directory/roleDefinitions?$select=id,displayName,description,isBuiltIn,isEnabled,templateId',
      onPage: (items) => {
        for (const d of items) ctx.db.source.put('roleDefinition', d.id as string, d);
      },
    });
  },
};

export const roleAssignmentsPhase: CollectPhase = {
  name: 'roleAssignments',
  run(ctx) {
    return roleListing(ctx, {
      phase: 'roleAssignments',
      startUrl: `/roleManagement/directory/roleAssignments?$select=${ASSIGNMENT_SELECT}`,
      // The first of the three role listings: the parent's edges go when it starts.
      owns: { objects: [], links: ['roleDefinition'] },
      onPage: (items) => storeRoleEdges(ctx, 'assigned', items),
    });
  },
};

/**
 * A PIM listing. A tenant without Entra ID P2 answers 400 AadPremiumLicenseRequired: there is no
 * PIM data to read, which is not a failure of the sync (the warning says what is missing).
 * https://learn.microsoft.com/graph/api/rbacapplication-list-roleeligibilityscheduleinstances
 */
function pimPhase(name: string, path: string, rel: 'assigned' | 'eligible'): CollectPhase {
  return {
    name,
    async run(ctx: CollectContext) {
      try {
        return await roleListing(ctx, {
          phase: name,
          startUrl: `${path}?$select=${INSTANCE_SELECT}`,
          onPage: (items) => storeRoleEdges(ctx, rel, items),
        });
      } catch (err) {
        if (err instanceof GraphError && err.details.code === 'AadPremiumLicenseRequired') {
          ctx.logger.warn(
            { phase: name },
            'tenant has no PIM license (AadPremiumLicenseRequired); eligible and time-bound role assignments are not synced',
          );
          ctx.db.transaction(() => {
            ctx.db.setMeta('pim', 'unlicensed');
            ctx.db.saveCheckpoint({ phase: name, status: 'done', items: 0 });
          });
          return 0;
        }
        throw err;
      }
    },
  };
}

export const roleEligibilityPhase = pimPhase(
  'roleEligibilityScheduleInstances',
  '/roleManagement/directory/roleEligibilityScheduleInstances',
  'eligible',
);
export const roleActiveInstancesPhase = pimPhase(
  'roleAssignmentScheduleInstances',
  '/roleManagement/directory/roleAssignmentScheduleInstances',
  'assigned',
);

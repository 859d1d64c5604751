import { GraphError } from '../../graph/errors.js';
import type { CollectContext, CollectPhase } from '../shared/collect-context.js';
import { runPagedPhase, type PagedPhaseSpec } from '../shared/paged.js';
import { ASSIGNMENT_SELECT, INSTANCE_SELECT, refreshRoles, roleMode, storeRoleEdges } from './edges.js';
import type { GraphRoleDefinition, GraphRoleScheduleInstance } from './graph.js';

/**
 * Role edges have no delta query: an incremental keeps the parent's, or re-reads the roles the
 * audit log names (see role-edges.ts); the three listings run only when that cannot be told.
 */
async function roleListing(
  ctx: CollectContext,
  spec: PagedPhaseSpec<GraphRoleScheduleInstance>,
): Promise<number> {
  const mode = roleMode(ctx);
  if (mode === 'refresh' && spec.phase === 'roleAssignments') return refreshRoles(ctx);
  if (mode !== 'list') {
    const cp = ctx.store.checkpoints.get(spec.phase);
    if (cp?.status !== 'done')
      ctx.store.transaction(() =>
        ctx.store.checkpoints.save({ phase: spec.phase, status: 'done', items: 0 }),
      );
    return 0;
  }
  return runPagedPhase(ctx, spec);
}

export const roleDefinitionsPhase: CollectPhase = {
  name: 'roleDefinitions',
  run(ctx) {
    return runPagedPhase<GraphRoleDefinition>(ctx, {
      phase: 'roleDefinitions',
      startUrl:
        '/roleManagement/directory/roleDefinitions?$select=id,displayName,description,isBuiltIn,isEnabled,templateId',
      onPage: (items) => {
        for (const d of items) ctx.store.source.put('roleDefinition', d.id, d);
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
          ctx.store.transaction(() => {
            ctx.store.state.set('pim', 'unlicensed');
            ctx.store.checkpoints.save({ phase: name, status: 'done', items: 0 });
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

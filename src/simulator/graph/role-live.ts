import type { SimContext } from '../context.js';
import type { RoleAssignmentRecord, RoleScheduleInstanceRecord } from '../tenant/model.js';

type Which = 'active' | 'eligible';

/**
 * PIM schedules in time. A schedule made through a PIM request is in force from its start until
 * its end: one that has ended is gone from every read (PIM removes an assignment when it expires),
 * and one that starts later shows only among the schedules until then.
 * https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagementv3-overview
 *
 * The generated tenant's schedules are a snapshot taken at generation and do not run out as the
 * simulator's clock moves, so a tenant's generated contents stay what they were for a whole run.
 */
function timed(ctx: SimContext, which: Which, inst: RoleScheduleInstanceRecord): boolean {
  return ctx.state.requestedSchedules.has(`${which}:${inst.id}`);
}

export function inForce(ctx: SimContext, which: Which, inst: RoleScheduleInstanceRecord): boolean {
  if (!timed(ctx, which, inst)) return true;
  const now = ctx.clock.now();
  if (inst.startDateTime !== null && Date.parse(inst.startDateTime) > now) return false;
  return inst.endDateTime === null || Date.parse(inst.endDateTime) > now;
}

/** Whether a requested schedule has ended (a future one has not). */
export function ended(ctx: SimContext, which: Which, inst: RoleScheduleInstanceRecord): boolean {
  return (
    timed(ctx, which, inst) && inst.endDateTime !== null && Date.parse(inst.endDateTime) <= ctx.clock.now()
  );
}

export function instanceMap(ctx: SimContext, which: Which) {
  return which === 'active'
    ? ctx.store.roleAssignmentScheduleInstances
    : ctx.store.roleEligibilityScheduleInstances;
}

/** Schedule instances in force now. */
export function liveInstances(ctx: SimContext, which: Which): RoleScheduleInstanceRecord[] {
  return [...instanceMap(ctx, which).values()].filter((i) => inForce(ctx, which, i));
}

/**
 * Active role assignments in force now: those without a schedule instance (made directly) and
 * those whose active instance (same id) is in force.
 */
export function liveRoleAssignments(ctx: SimContext): RoleAssignmentRecord[] {
  const active = ctx.store.roleAssignmentScheduleInstances;
  return [...ctx.store.roleAssignments.values()].filter((a) => {
    const inst = active.get(a.id);
    return inst === undefined || inForce(ctx, 'active', inst);
  });
}

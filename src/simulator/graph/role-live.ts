import type { SimContext } from '../context.js';
import type { RoleAssignmentRecord, RoleScheduleInstanceRecord } from '../tenant/model.js';

/**
 * PIM schedules in time: an instance is in force from its start until its end. A time-bound
 * assignment that has ended is gone from every read (PIM removes it when it expires), and one
 * that starts later shows only among the schedules until then.
 * https://learn.microsoft.com/graph/api/resources/privilegedidentitymanagementv3-overview
 */
export function inForce(
  inst: Pick<RoleScheduleInstanceRecord, 'startDateTime' | 'endDateTime'>,
  now: number,
): boolean {
  if (inst.startDateTime !== null && Date.parse(inst.startDateTime) > now) return false;
  return inst.endDateTime === null || Date.parse(inst.endDateTime) > now;
}

/** Whether a schedule has ended (a future one has not). */
export function ended(inst: Pick<RoleScheduleInstanceRecord, 'endDateTime'>, now: number): boolean {
  return inst.endDateTime !== null && Date.parse(inst.endDateTime) <= now;
}

export function instanceMap(ctx: SimContext, which: 'active' | 'eligible') {
  return which === 'active'
    ? ctx.store.roleAssignmentScheduleInstances
    : ctx.store.roleEligibilityScheduleInstances;
}

/** Schedule instances in force now. */
export function liveInstances(ctx: SimContext, which: 'active' | 'eligible'): RoleScheduleInstanceRecord[] {
  const now = ctx.clock.now();
  return [...instanceMap(ctx, which).values()].filter((i) => inForce(i, now));
}

/**
 * Active role assignments in force now: those without a schedule instance (made directly) and
 * those whose active instance (same id) is in force.
 */
export function liveRoleAssignments(ctx: SimContext): RoleAssignmentRecord[] {
  const now = ctx.clock.now();
  const active = ctx.store.roleAssignmentScheduleInstances;
  return [...ctx.store.roleAssignments.values()].filter((a) => {
    const inst = active.get(a.id);
    return inst === undefined || inForce(inst, now);
  });
}

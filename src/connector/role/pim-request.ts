import type { RoleSlug } from './holdings.js';

/** Who gets which role where: the identity of an assignment, PIM's and `roleAssignments`' alike. */
export interface RoleTarget {
  roleDefinitionId: string;
  principalId: string;
  directoryScopeId: string;
}

/** Where PIM takes requests for a slug. */
export function requestPath(slug: RoleSlug): string {
  return `/roleManagement/directory/${slug === 'assigned' ? 'roleAssignmentScheduleRequests' : 'roleEligibilityScheduleRequests'}`;
}

/** PIM stores whole seconds; sending them keeps the stored schedule equal to the one asked for. */
function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * An `adminAssign` request: from now, until revoked or until `durationMs` has passed. Every role's
 * default PIM settings require a justification on an active assignment.
 * https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignmentschedulerequests
 */
export function assignRequest(
  t: RoleTarget,
  now: number,
  durationMs: number | undefined,
  justification: string,
): Record<string, unknown> {
  const start = Math.floor(now / 1000) * 1000;
  return {
    action: 'adminAssign',
    ...t,
    justification,
    scheduleInfo: {
      startDateTime: isoSeconds(start),
      expiration:
        durationMs === undefined
          ? { type: 'noExpiration' }
          : { type: 'afterDateTime', endDateTime: isoSeconds(start + durationMs) },
    },
  };
}

/** An `adminRemove` request: ends the assignment or eligibility at that scope. */
export function removeRequest(t: RoleTarget, justification: string): Record<string, unknown> {
  return { action: 'adminRemove', ...t, justification };
}

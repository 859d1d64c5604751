/**
 * Privileged Identity Management requests: `adminAssign` / `adminRemove` of active assignments
 * (`roleAssignmentScheduleRequests`) and of eligibilities (`roleEligibilityScheduleRequests`), the
 * requests made, and the schedules they leave. An active assignment shows in
 * `roleAssignments`, `roleAssignmentScheduleInstances` and `roleAssignmentSchedules`; an
 * eligibility in `roleEligibilityScheduleInstances` and `roleEligibilitySchedules`. Either one
 * ends at its schedule's end.
 * https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignmentschedulerequests
 * https://learn.microsoft.com/graph/api/rbacapplication-post-roleeligibilityschedulerequests
 */
import { randomUUID } from 'node:crypto';
import type { SimContext } from '../context.js';
import { GraphHttpError, json } from '../http/message.js';
import { scopedRoleAssignmentId } from '../ids.js';
import { pimActivity } from '../tenant/audit-entry.js';
import type { Guid, RoleScheduleInstanceRecord } from '../tenant/model.js';
import { isoSeconds } from '../tenant/ids.js';
import { audit, target as auditTarget } from './audit.js';
import { listPage, type CollectionRequest } from './collection.js';
import { asDirectoryObject, lookup, notFound } from './directory.js';
import { PERMS } from './permissions.js';
import { requirePim } from './pim-license.js';
import { parseQuery } from './query.js';
import * as T from './resource-types.js';
import { ended, instanceMap } from './role-live.js';
import { route, type GraphRequest, type GraphRoute } from './route.js';
import { apply, body } from './write-support.js';

type Which = 'active' | 'eligible';

const ACTIONS = [
  'adminAssign',
  'adminUpdate',
  'adminRemove',
  'selfActivate',
  'selfDeactivate',
  'adminExtend',
  'adminRenew',
  'selfExtend',
  'selfRenew',
];
const EXPIRATIONS = ['notSpecified', 'noExpiration', 'afterDateTime', 'afterDuration'];

const bad = (message: string, code = 'BadRequest') => new GraphHttpError(400, code, message);

/** Enum values are matched without regard to case, and echoed in their declared spelling. */
function enumValue(values: readonly string[], raw: unknown, property: string): string {
  const v = typeof raw === 'string' ? values.find((x) => x.toLowerCase() === raw.toLowerCase()) : undefined;
  if (!v)
    throw bad(
      `Invalid value '${String(raw)}' for property '${property}'; expected one of ${values.join(', ')}.`,
    );
  return v;
}

/** ISO 8601 durations as PIM takes them: weeks, days, hours, minutes, seconds (`P365D`, `PT8H`). */
export function durationMs(raw: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(raw);
  if (!m || raw.toUpperCase() === 'P' || /T$/i.test(raw)) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  const ms = (((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + s * 1000;
  return ms > 0 ? ms : undefined;
}

interface Schedule {
  start: number;
  end: number | null;
  expiration: { type: string; endDateTime: string | null; duration: string | null };
}

function date(raw: unknown, property: string): number {
  const ms = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw bad(`Invalid value for '${property}': expected an ISO 8601 date-time.`);
  return ms;
}

/** `scheduleInfo`: start (default now) and expiration; the end follows from the expiration type. */
function schedule(ctx: SimContext, raw: unknown): Schedule {
  if (raw === null || typeof raw !== 'object')
    throw bad("The property 'scheduleInfo' is required for an adminAssign request.");
  const info = raw as Record<string, unknown>;
  const start =
    info.startDateTime === undefined ? ctx.clock.now() : date(info.startDateTime, 'startDateTime');
  const exp = (info.expiration ?? {}) as Record<string, unknown>;
  const type = exp.type === undefined ? 'notSpecified' : enumValue(EXPIRATIONS, exp.type, 'expiration.type');
  if (type === 'afterDateTime') {
    const end = date(exp.endDateTime, 'expiration.endDateTime');
    if (end <= start) throw bad("The expiration's endDateTime must be later than the startDateTime.");
    return { start, end, expiration: { type, endDateTime: isoSeconds(end), duration: null } };
  }
  if (type === 'afterDuration') {
    const ms = typeof exp.duration === 'string' ? durationMs(exp.duration) : undefined;
    if (ms === undefined)
      throw bad(
        "Invalid value for 'expiration.duration': expected an ISO 8601 duration such as PT8H or P90D.",
      );
    return {
      start,
      end: start + ms,
      expiration: { type, endDateTime: null, duration: exp.duration as string },
    };
  }
  return { start, end: null, expiration: { type, endDateTime: null, duration: null } };
}

/** The principal must be a user, a service principal or a role-assignable group. */
function checkPrincipal(ctx: SimContext, principalId: Guid): void {
  const kind = ctx.store.kindOf(principalId);
  if (!kind) throw notFound(principalId);
  if (kind !== 'user' && kind !== 'group' && kind !== 'servicePrincipal')
    throw bad(
      `The principal '${principalId}' is a ${kind}; roles go to users, groups and service principals.`,
    );
  if (kind === 'group' && !ctx.store.groups.get(principalId)?.isAssignableToRole)
    throw bad(`The group '${principalId}' is not role-assignable (isAssignableToRole is false).`);
}

function checkScope(ctx: SimContext, scope: string): void {
  const unit = /^\/administrativeUnits\/(.+)$/.exec(scope);
  if (scope !== '/' && !(unit && ctx.store.administrativeUnits.has(unit[1] as string)))
    throw bad(
      `Invalid value '${scope}' for 'directoryScopeId': expected "/" or "/administrativeUnits/{id}".`,
    );
}

interface Target {
  principalId: Guid;
  roleDefinitionId: Guid;
  directoryScopeId: string;
}

const same = (a: Target, b: Target) =>
  a.principalId === b.principalId &&
  a.roleDefinitionId === b.roleDefinitionId &&
  a.directoryScopeId === b.directoryScopeId;

/**
 * Removes schedules that have ended, with their role assignments, so that assigning the same role
 * again after an expiry is a new assignment, not "already exists".
 */
function sweepEnded(ctx: SimContext): void {
  for (const which of ['active', 'eligible'] as const) {
    for (const inst of [...instanceMap(ctx, which).values()]) {
      if (!ended(ctx, which, inst)) continue;
      ctx.store.removeRoleScheduleInstance(which, inst.id);
      if (which === 'active') ctx.store.removeRoleAssignment(inst.id);
      ctx.state.requestedSchedules.delete(`${which}:${inst.id}`);
    }
  }
}

/** What is already assigned (actively: a role assignment; eligibly: an eligibility instance). */
function existing(ctx: SimContext, which: Which, t: Target): string | undefined {
  if (which === 'active') return [...ctx.store.roleAssignments.values()].find((a) => same(a, t))?.id;
  return [...ctx.store.roleEligibilityScheduleInstances.values()].find((i) => same(i, t))?.id;
}

function assign(ctx: SimContext, which: Which, t: Target, s: Schedule): string {
  const base = scopedRoleAssignmentId(t.roleDefinitionId, t.principalId, t.directoryScopeId);
  const id = which === 'active' ? base : `${base}-e`;
  const inst: RoleScheduleInstanceRecord = {
    id,
    ...t,
    appScopeId: null,
    startDateTime: isoSeconds(s.start),
    endDateTime: s.end === null ? null : isoSeconds(s.end),
    memberType: 'Direct',
    ...(which === 'active' ? { assignmentType: 'Assigned' as const } : {}),
  };
  apply(() => {
    if (which === 'active') ctx.store.addRoleAssignment({ id, ...t, appScopeId: null, condition: null });
    ctx.store.addRoleScheduleInstance(which, inst);
  });
  ctx.state.requestedSchedules.add(`${which}:${id}`);
  return id;
}

function remove(ctx: SimContext, which: Which, id: string): void {
  apply(() => {
    ctx.store.removeRoleScheduleInstance(which, id);
    if (which === 'active') ctx.store.removeRoleAssignment(id);
  });
  ctx.state.requestedSchedules.delete(`${which}:${id}`);
}

function handleRequest(ctx: SimContext, req: GraphRequest, which: Which) {
  requirePim(ctx);
  const b = body(req);
  const action = enumValue(ACTIONS, b.action, 'action');
  if (action !== 'adminAssign' && action !== 'adminRemove')
    throw bad(`The simulator serves the adminAssign and adminRemove actions, not '${action}'.`);
  for (const p of ['principalId', 'roleDefinitionId'] as const)
    if (typeof b[p] !== 'string' || b[p] === '') throw bad(`The property '${p}' is required.`);
  if (typeof b.directoryScopeId !== 'string' && typeof b.appScopeId !== 'string')
    throw bad("Either 'directoryScopeId' or 'appScopeId' is required.");
  if (typeof b.directoryScopeId !== 'string')
    throw bad("The simulator serves directory scopes ('directoryScopeId'), not app scopes.");
  const t: Target = {
    principalId: b.principalId as Guid,
    roleDefinitionId: b.roleDefinitionId as Guid,
    directoryScopeId: b.directoryScopeId,
  };
  if (!ctx.store.roleDefinitions.has(t.roleDefinitionId)) throw notFound(t.roleDefinitionId);
  checkPrincipal(ctx, t.principalId);
  checkScope(ctx, t.directoryScopeId);
  const justification =
    typeof b.justification === 'string' && b.justification.trim() !== '' ? b.justification : null;
  const validationOnly = b.isValidationOnly === true || b.isValidationOnly === 'true';
  const now = ctx.clock.now();
  sweepEnded(ctx);
  let sched: Schedule | undefined;
  let targetScheduleId: string;
  let status: string;
  if (action === 'adminAssign') {
    sched = schedule(ctx, b.scheduleInfo);
    // The default settings of every Entra role require a justification on an active assignment
    // ("Require justification on active assignment"); a request without one fails the rule.
    // https://learn.microsoft.com/entra/id-governance/privileged-identity-management/pim-how-to-change-default-settings
    if (which === 'active' && justification === null)
      throw bad(
        'The following policy rules failed: ["JustificationRule"]',
        'RoleAssignmentRequestPolicyValidationFailed',
      );
    // The same role, principal and scope twice: 400 RoleAssignmentExists, for eligibilities too.
    if (existing(ctx, which, t) !== undefined)
      throw bad('The Role assignment already exists.', 'RoleAssignmentExists');
    targetScheduleId = validationOnly ? randomUUID() : assign(ctx, which, t, sched);
    status = validationOnly ? 'Granted' : sched.start > now ? 'Granted' : 'Provisioned';
  } else {
    const id = existing(ctx, which, t);
    if (id === undefined) throw bad('The Role assignment does not exist.', 'RoleAssignmentDoesNotExist');
    const inst = instanceMap(ctx, which).get(id);
    if (!validationOnly) remove(ctx, which, id);
    targetScheduleId = id;
    status = 'Revoked';
    sched = inst
      ? {
          start: Date.parse(inst.startDateTime ?? isoSeconds(now)),
          end: inst.endDateTime === null ? null : Date.parse(inst.endDateTime),
          expiration: {
            type: inst.endDateTime === null ? 'noExpiration' : 'afterDateTime',
            endDateTime: inst.endDateTime,
            duration: null,
          },
        }
      : undefined;
  }
  const ticket = (b.ticketInfo ?? {}) as Record<string, unknown>;
  const client = ctx.store.clients.get(req.claims.appid);
  const request = {
    id: randomUUID(),
    status,
    createdDateTime: new Date(now).toISOString(),
    completedDateTime: new Date(now).toISOString(),
    approvalId: null,
    customData: typeof b.customData === 'string' ? b.customData : null,
    action,
    principalId: t.principalId,
    roleDefinitionId: t.roleDefinitionId,
    directoryScopeId: t.directoryScopeId,
    appScopeId: null,
    isValidationOnly: validationOnly,
    targetScheduleId,
    justification,
    createdBy: {
      application: { id: req.claims.appid, displayName: client?.displayName ?? null },
      device: null,
      user: null,
    },
    scheduleInfo: sched
      ? { startDateTime: isoSeconds(sched.start), recurrence: null, expiration: sched.expiration }
      : null,
    ticketInfo: {
      ticketNumber: typeof ticket.ticketNumber === 'string' ? ticket.ticketNumber : null,
      ticketSystem: typeof ticket.ticketSystem === 'string' ? ticket.ticketSystem : null,
    },
  };
  if (!validationOnly) {
    ctx.state.roleRequests[which === 'active' ? 'assignment' : 'eligibility'].push(request);
    audit(ctx, req, pimActivity(which, action === 'adminAssign', sched?.end != null), 'RoleManagement', [
      auditTarget(ctx, t.principalId),
      auditTarget(ctx, t.roleDefinitionId),
    ]);
  }
  const set = which === 'active' ? 'roleAssignmentScheduleRequests' : 'roleEligibilityScheduleRequests';
  return json(201, {
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#roleManagement/directory/${set}/$entity`,
    ...request,
  });
}

/** A schedule as `roleAssignmentSchedules` / `roleEligibilitySchedules` list it. */
function scheduleOf(inst: RoleScheduleInstanceRecord, which: Which): Record<string, unknown> {
  return {
    id: inst.id,
    principalId: inst.principalId,
    roleDefinitionId: inst.roleDefinitionId,
    directoryScopeId: inst.directoryScopeId,
    appScopeId: inst.appScopeId,
    createdUsing: inst.roleEligibilityScheduleId ?? inst.id,
    createdDateTime: inst.startDateTime,
    modifiedDateTime: null,
    status: 'Provisioned',
    memberType: inst.memberType,
    scheduleInfo: {
      startDateTime: inst.startDateTime,
      recurrence: null,
      expiration: {
        type: inst.endDateTime === null ? 'noExpiration' : 'afterDateTime',
        endDateTime: inst.endDateTime,
        duration: null,
      },
    },
    ...(which === 'active' ? { assignmentType: inst.assignmentType ?? 'Assigned' } : {}),
  };
}

function expand(ctx: SimContext, item: Record<string, unknown>, name: string): unknown {
  if (name === 'principal') {
    const o = lookup(ctx, item.principalId as Guid);
    return o ? asDirectoryObject(o) : null;
  }
  const d = ctx.store.roleDefinitions.get(item.roleDefinitionId as Guid);
  return d ? { ...d } : null;
}

const cr = (req: GraphRequest): CollectionRequest => ({
  version: req.version,
  path: req.rest,
  query: req.query,
});

function requestList(which: Which): GraphRoute {
  const set = which === 'active' ? 'roleAssignmentScheduleRequests' : 'roleEligibilityScheduleRequests';
  const type = which === 'active' ? T.ROLE_ASSIGNMENT_REQUEST : T.ROLE_ELIGIBILITY_REQUEST;
  return route('GET', `/roleManagement/directory/${set}`, PERMS.roleSchedules, (ctx, req) => {
    requirePim(ctx);
    return listPage(ctx, cr(req), parseQuery(req.query, req.headers, type), {
      type,
      items: ctx.state.roleRequests[which === 'active' ? 'assignment' : 'eligibility'],
      contextPath: `roleManagement/directory/${set}`,
      expand: (x, n) => expand(ctx, x, n),
    });
  });
}

/** Schedules not yet ended: in force now, or starting later. */
function scheduleList(which: Which): GraphRoute {
  const set = which === 'active' ? 'roleAssignmentSchedules' : 'roleEligibilitySchedules';
  const type = which === 'active' ? T.ROLE_ASSIGNMENT_SCHEDULE : T.ROLE_ELIGIBILITY_SCHEDULE;
  return route('GET', `/roleManagement/directory/${set}`, PERMS.roleSchedules, (ctx, req) => {
    requirePim(ctx);
    const items = [...instanceMap(ctx, which).values()]
      .filter((i) => !ended(ctx, which, i))
      .map((i) => scheduleOf(i, which));
    return listPage(ctx, cr(req), parseQuery(req.query, req.headers, type), {
      type,
      items,
      contextPath: `roleManagement/directory/${set}`,
      expand: (x, n) => expand(ctx, x, n),
    });
  });
}

export const pimRoutes: GraphRoute[] = [
  route(
    'POST',
    '/roleManagement/directory/roleAssignmentScheduleRequests',
    PERMS.roleAssignmentScheduleWrite,
    (ctx, req) => handleRequest(ctx, req, 'active'),
  ),
  route(
    'POST',
    '/roleManagement/directory/roleEligibilityScheduleRequests',
    PERMS.roleEligibilityScheduleWrite,
    (ctx, req) => handleRequest(ctx, req, 'eligible'),
  ),
  requestList('active'),
  requestList('eligible'),
  scheduleList('active'),
  scheduleList('eligible'),
];

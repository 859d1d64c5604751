import { GraphError } from '../../graph/errors.js';
import type { CollectContext, CollectPhase } from './collect-context.js';
import { runPagedPhase } from './paged.js';
import type { GraphDirectoryAudit, GraphTargetResource } from './graph.js';

/**
 * How far before the parent sync's start the audit poll reaches back. Microsoft documented audit
 * log latency as 2 minutes at the 95th and 5 minutes at the 99th percentile (the table was later
 * dropped from the docs; the current page names no figures), and observers report 5–15 minutes.
 * Thirty minutes covers both with room to spare; reading further back only re-reads objects whose
 * changes the parent already holds, which is harmless.
 * https://learn.microsoft.com/azure/active-directory/reports-monitoring/reference-reports-latencies
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-log-latency
 */
export const AUDIT_LATENCY_MARGIN_MS = 30 * 60_000;

/**
 * Audit events are kept 7 days without a premium licence: a parent older than 6 days may have
 * changes the log no longer holds, so its edges are listed again instead.
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-reports-data-retention
 */
export const AUDIT_REACH_MS = 6 * 86_400_000;

/** What the incremental reads again, decided once by the audit poll and kept in the working meta. */
export type AuditOutcome = 'full' | 'ok' | 'unavailable';

const OUTCOME = 'audit';
const RELIST_ROLES = 'relistRoles';
const RELIST_ALL = 'relistAll';
/** Earliest end of a time-bound role assignment the role edges hold (they lapse without a write). */
export const ROLE_EXPIRY = 'roles:nextExpiry';

/** Service principals an incremental reads assignments and owners of again (kept as source objects). */
export const DIRTY_SP = 'spDirty';
/** Role definitions whose assignments an incremental reads again. */
export const DIRTY_ROLE = 'roleDirty';

export function auditOutcome(ctx: CollectContext): AuditOutcome {
  return (ctx.store.scratch.get(OUTCOME) as AuditOutcome | undefined) ?? 'full';
}

/** True when the role listings must be read again (full syncs, or the audit log says so). */
export function relistRoles(ctx: CollectContext): boolean {
  return (
    auditOutcome(ctx) !== 'ok' ||
    ctx.store.scratch.get(RELIST_ROLES) === '1' ||
    ctx.store.scratch.get(RELIST_ALL) === '1'
  );
}

/**
 * True when service principals and their edges must be listed in full: full syncs, an audit log
 * that cannot be read, or changes the log cannot attribute to service principals.
 */
export function relistServicePrincipals(ctx: CollectContext): boolean {
  return auditOutcome(ctx) !== 'ok' || ctx.store.scratch.get(RELIST_ALL) === '1';
}

/** A restored object's app-role and role assignments come back without events naming them. */
const RESTORE = /^Restore /;

/**
 * Reads one audit event: service principals it names get their assignments and owners read again,
 * roles a role-management event names get their assignments read again; a restore (whose grants
 * reappear without an event naming them) relists everything without delta. A failed operation
 * changed nothing.
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 */
function applyEvent(ctx: CollectContext, e: GraphDirectoryAudit): void {
  if (e.result === 'failure') return;
  const category = e.category;
  const activity = e.activityDisplayName ?? '';
  if (RESTORE.test(activity)) ctx.store.scratch.set(RELIST_ALL, '1');
  const targets = e.targetResources ?? [];
  // Entra files app-role grants under the principal's category (UserManagement for a user), so
  // every entry naming a service principal counts. A grant names the principal and the resource;
  // "to service principal" names two, and which one is the resource is not documented: both are
  // read again, as is one named only in the modified properties.
  for (const id of named(targets, 'ServicePrincipal', ['ServicePrincipal.ObjectID']))
    ctx.store.source.put(DIRTY_SP, id, {});
  if (category !== 'RoleManagement') return;
  // A role event (active or PIM, assigned or eligible) names its role; one that does not relists
  // every role.
  const roles = named(targets, 'Role', ['Role.TemplateId', 'Role.ObjectID']);
  if (roles.length === 0) ctx.store.scratch.set(RELIST_ROLES, '1');
  for (const id of roles) ctx.store.source.put(DIRTY_ROLE, id, {});
}

/** Ids of the targets of one type, and GUIDs in the named modified properties of any target. */
function named(targets: GraphTargetResource[], type: string, properties: string[]): string[] {
  const ids: string[] = [];
  for (const t of targets) {
    if (t.type === type && typeof t.id === 'string') ids.push(t.id);
    for (const p of t.modifiedProperties ?? []) {
      if (typeof p.displayName !== 'string' || !properties.includes(p.displayName)) continue;
      for (const v of [p.newValue, p.oldValue]) {
        const id = typeof v === 'string' ? GUID.exec(v)?.[0] : undefined;
        if (id) ids.push(id);
      }
    }
  }
  return ids;
}

/** Modified-property values are JSON text (`"\"<guid>\""`): the GUID inside. */
const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

function auditStart(ctx: CollectContext): Date | undefined {
  const parentStart = Date.parse(ctx.work.parentStartedAt ?? '');
  if (Number.isNaN(parentStart)) return undefined;
  if ((ctx.now ?? Date.now)() - parentStart > AUDIT_REACH_MS) return undefined;
  return new Date(parentStart - AUDIT_LATENCY_MARGIN_MS);
}

/** A poll that cannot be answered on this tenant: no AuditLog.Read.All, or no audit API here. */
function unavailable(err: unknown): err is GraphError {
  return (
    err instanceof GraphError &&
    (err.kind === 'permission_denied' ||
      err.kind === 'not_found' ||
      err.details.code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant')
  );
}

function settle(ctx: CollectContext, outcome: AuditOutcome): void {
  ctx.store.transaction(() => {
    ctx.store.scratch.set(OUTCOME, outcome);
    if (outcome !== 'ok') ctx.store.source.clearKinds([DIRTY_SP, DIRTY_ROLE], []);
    ctx.store.state.delete(ROLE_EXPIRY);
    ctx.store.checkpoints.save({ phase: 'directoryAudits', status: 'done', items: 0 });
  });
}

function conclude(ctx: CollectContext): void {
  ctx.store.transaction(() => {
    ctx.store.scratch.set(OUTCOME, 'ok');
    if (roleExpiryPassed(ctx)) ctx.store.scratch.set(RELIST_ROLES, '1');
    if (relistRoles(ctx)) ctx.store.state.delete(ROLE_EXPIRY);
  });
}

/**
 * Incrementals only: one `directoryAudits` poll from the parent sync's start (less the latency
 * margin) to now tells which listings without a delta query changed. A full sync, a parent too old
 * for the log, or a log this app cannot read means everything is listed again.
 * https://learn.microsoft.com/graph/api/directoryaudit-list
 */
export const auditPhase: CollectPhase = {
  name: 'directoryAudits',
  async run(ctx: CollectContext) {
    const cp = ctx.store.checkpoints.get('directoryAudits');
    if (cp?.status === 'done') {
      // Stopped between the last page and the outcome: the events are all stored.
      if (ctx.store.scratch.get(OUTCOME) === undefined) conclude(ctx);
      return cp.items;
    }
    const since = ctx.incremental ? auditStart(ctx) : undefined;
    if (!since) {
      if (ctx.incremental)
        ctx.logger.warn('parent sync too old for the audit log; listing apps and roles in full');
      settle(ctx, 'full');
      return 0;
    }
    try {
      const items = await runPagedPhase<GraphDirectoryAudit>(ctx, {
        phase: 'directoryAudits',
        startUrl: `/auditLogs/directoryAudits?$filter=activityDateTime ge ${since.toISOString()}&$top=1000`,
        onPage: (events) => {
          for (const e of events) applyEvent(ctx, e);
        },
      });
      conclude(ctx);
      if (ctx.store.scratch.get(RELIST_ALL) === '1')
        ctx.logger.info('audit log shows restored objects; listing apps and roles in full');
      return items;
    } catch (err) {
      if (!unavailable(err)) throw err;
      ctx.logger.warn(
        { status: err.details.status, code: err.details.code },
        'audit log unavailable (AuditLog.Read.All needed); listing apps and roles in full',
      );
      settle(ctx, 'unavailable');
      return 0;
    }
  },
};

/** Whether a time-bound role assignment held by the parent has ended since (no audit event says so). */
export function roleExpiryPassed(ctx: CollectContext): boolean {
  const next = Date.parse(ctx.store.state.get(ROLE_EXPIRY) ?? '');
  return !Number.isNaN(next) && next <= (ctx.now ?? Date.now)();
}

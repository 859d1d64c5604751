import type { SimContext } from '../context.js';
import type { DirectoryAuditRecord, Guid } from '../tenant/model.js';
import {
  appRoleActivity,
  auditEntry,
  auditTarget,
  PORTAL_INITIATOR,
  type AuditCategory,
} from '../tenant/audit-entry.js';
import type { GraphRequest } from './route.js';

type Target = DirectoryAuditRecord['targetResources'][number];
export type Category = AuditCategory;

/** An audit target for a directory object (or a role definition), named as Entra names it. */
export function target(ctx: SimContext, id: Guid, modified: Target['modifiedProperties'] = []): Target {
  return auditTarget(ctx.store, id, modified);
}

export type Initiator = DirectoryAuditRecord['initiatedBy'];

/** Changes made through `/_sim/mutate` stand for an administrator working in the portal. */
export const CONTROL_INITIATOR: Initiator = PORTAL_INITIATOR;

function appInitiator(ctx: SimContext, appId: string): Initiator {
  const client = ctx.store.clients.get(appId);
  const sp = [...ctx.store.servicePrincipals.values()].find((x) => x.appId === appId);
  return {
    user: null,
    app: { appId, displayName: client?.displayName ?? null, servicePrincipalId: sp?.id ?? appId },
  };
}

export function recordAudit(
  ctx: SimContext,
  initiatedBy: Initiator,
  correlationId: string,
  activity: string,
  category: Category,
  targets: Target[],
): void {
  ctx.store.addAudit(auditEntry(ctx.clock.now(), initiatedBy, correlationId, activity, category, targets));
}

/**
 * Records what a Graph write did in the directory audit log, initiated by the calling app, with
 * Entra's activity names ("Add member to group", "Add app role assignment grant to user", …), so a
 * client can drive incremental work from `/auditLogs/directoryAudits` as it would against Entra.
 * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
 */
export function audit(
  ctx: SimContext,
  req: GraphRequest,
  activity: string,
  category: Category,
  targets: Target[],
): void {
  recordAudit(ctx, appInitiator(ctx, req.claims.appid), req.clientRequestId, activity, category, targets);
}

export { appRoleActivity };

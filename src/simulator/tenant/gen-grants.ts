/**
 * App-role assignments (to users, groups and service principals, including default access with
 * the all-zero role id), provisioning jobs, and the client registrations the token endpoint uses.
 */
import { EXCHANGE_APP_ROLES, GRAPH_APP_ROLES, SYNC_GRAPH_ROLES } from './catalog-apps.js';
import type { ClientSecrets } from './gen-apps.js';
import { type GenContext, randomPast, sample } from './gen-context.js';
import { appRoleAssignmentId, ZERO_GUID } from './ids.js';
import type { AppRoleAssignmentRecord, Guid } from './model.js';

export function generateGrants(ctx: GenContext, clients: ClientSecrets): void {
  const { ids, tenant, rng } = ctx;
  for (const role of SYNC_GRAPH_ROLES)
    grant(ctx, clients.confidential.spId, ids.graphSpId, GRAPH_APP_ROLES[role] as Guid);
  grant(ctx, clients.confidential.spId, ids.exchangeSpId, EXCHANGE_APP_ROLES['Exchange.ManageAsApp'] as Guid);
  for (const mi of ids.managedIdentities) {
    for (const role of sample(
      rng,
      ['User.Read.All', 'Group.Read.All', 'Directory.Read.All'],
      rng.int(1, 2),
    )) {
      grant(ctx, mi, ids.graphSpId, GRAPH_APP_ROLES[role] as Guid);
    }
  }
  const users = [...ids.members, ...ids.guests];
  const groups = ids.groups.filter((g) => {
    const rec = tenant.groups.get(g);
    return rec !== undefined && (rec.securityEnabled || rec.groupTypes.includes('Unified'));
  });
  const apps = ids.assignableSps;
  // The last assignable app is left without assignments; others get Zipf-sized user populations.
  const userBudget = Math.max(apps.length, Math.floor(users.length * 0.6));
  const harmonic = apps.reduce((a, _, r) => a + 1 / (r + 1), 0);
  apps.forEach((spId, r) => {
    if (r === apps.length - 1 && apps.length > 1) return;
    const sp = tenant.servicePrincipals.get(spId);
    if (!sp) return;
    const userRoles = sp.appRoles.filter((x) => x.allowedMemberTypes.includes('User')).map((x) => x.id);
    const appRoles = sp.appRoles.filter((x) => x.allowedMemberTypes.includes('Application')).map((x) => x.id);
    const forUsers = userRoles.length > 0 ? userRoles : [ZERO_GUID];
    const count = Math.max(1, Math.min(users.length, Math.round(userBudget / (harmonic * (r + 1)))));
    for (const u of sample(rng, users, count)) grant(ctx, u, spId, rng.pick(forUsers));
    if (r < 2 || rng.chance(0.3))
      for (const g of sample(rng, groups, rng.int(1, 3))) grant(ctx, g, spId, rng.pick(forUsers));
    if (appRoles.length > 0) {
      const callers = [...ids.managedIdentities, ...ids.appSps].filter((id) => id !== spId);
      for (const caller of sample(rng, callers, rng.int(1, 2))) grant(ctx, caller, spId, rng.pick(appRoles));
    }
  });
}

/** One assignment; the id is minted from the principal as Graph does (ids.ts). */
function grant(ctx: GenContext, principalId: Guid, resourceId: Guid, appRoleId: Guid): void {
  const { tenant, rng } = ctx;
  const kind = tenant.kindOf(principalId);
  const principalType =
    kind === 'group' ? 'Group' : kind === 'servicePrincipal' ? 'ServicePrincipal' : 'User';
  const principal =
    tenant.users.get(principalId) ??
    tenant.groups.get(principalId) ??
    tenant.servicePrincipals.get(principalId);
  const a: AppRoleAssignmentRecord = {
    id: appRoleAssignmentId(principalId, rng.bytes(16)),
    appRoleId,
    principalId,
    principalType,
    principalDisplayName: principal?.displayName ?? '',
    resourceId,
    resourceDisplayName: tenant.servicePrincipals.get(resourceId)?.displayName ?? '',
    createdDateTime: randomPast(ctx, 600, 1),
    deletedDateTime: null,
  };
  // Sampling can repeat a (principal, resource, role) triple that an earlier step granted.
  if (
    tenant
      .appRoleAssignmentsOf(principalId)
      .some((o) => o.resourceId === resourceId && o.appRoleId === appRoleId)
  )
    return;
  tenant.addAppRoleAssignment(a);
}

/** SCIM provisioning jobs on a couple of apps (synchronization API). */
export function generateSyncJobs(ctx: GenContext): void {
  const { tenant, rng } = ctx;
  const targets = ctx.ids.assignableSps.slice(-3, -1);
  targets.forEach((spId, j) => {
    const name = tenant.servicePrincipals.get(spId)?.displayName ?? 'scim';
    const templateId = /salesforce/i.test(name)
      ? 'salesforce'
      : /servicenow/i.test(name)
        ? 'serviceNow'
        : 'scim';
    tenant.addSynchronizationJob(spId, {
      id: `${templateId}.${rng.hex(32)}.${rng.hex(32)}`,
      templateId,
      schedule: { expiration: null, interval: 'PT40M', state: j === 0 ? 'Active' : 'Paused' },
      status: { code: j === 0 ? 'Active' : 'Paused', lastExecution: null },
    });
  });
}

export function registerClients(ctx: GenContext, clients: ClientSecrets): void {
  const { confidential, publicClient } = clients;
  ctx.tenant.registerClient({
    clientId: confidential.clientId,
    displayName:
      ctx.tenant.applications.get(confidential.applicationObjectId)?.displayName ?? 'sync connector',
    applicationObjectId: confidential.applicationObjectId,
    secrets: [
      { keyId: confidential.keyId, value: confidential.clientSecret, endDateTime: confidential.endDateTime },
    ],
    certificates: [],
    federatedCredentials: [],
    graphRoles: [...SYNC_GRAPH_ROLES],
    exchangeRoles: Object.keys(EXCHANGE_APP_ROLES),
    isPublicClient: false,
  });
  ctx.tenant.registerClient({
    clientId: publicClient.clientId,
    displayName:
      ctx.tenant.applications.get(publicClient.applicationObjectId)?.displayName ?? 'public client',
    applicationObjectId: publicClient.applicationObjectId,
    secrets: [],
    certificates: [],
    federatedCredentials: [],
    graphRoles: [],
    exchangeRoles: [],
    isPublicClient: true,
  });
}

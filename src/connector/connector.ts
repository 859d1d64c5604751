import { RESOURCE_TYPE_IDS, type ConnectorConfig, type ResourceTypeId } from '../config/types.js';
import type { CollectPhase as EnginePhase } from '../framework/collect.js';
import type { Connector } from '../framework/connector.js';
import { reportingProgress, type ProgressReporter } from '../framework/progress.js';
import type { JsonObject, ResourceSyncer } from '../framework/types.js';
import type { GraphClient } from '../graph/types.js';
import { applicationsPhase } from './credential/collect.js';
import { auditPhase, DIRTY_ROLE, DIRTY_SP } from './shared/audit.js';
import type { CollectPhase } from './shared/collect-context.js';
import { EntraSourceQueries, SOURCE_INDEXES } from './shared/source-queries.js';
import { devicesPhase } from './device/collect.js';
import { skusPhase } from './license/collect.js';
import { organizationPhase } from './shared/organization.js';
import { groupsPhase } from './group/collect.js';
import { entraPatchRules } from './shared/patch-rules.js';
import { pruneDanglingPhase } from './shared/prune.js';
import {
  roleActiveInstancesPhase,
  roleAssignmentsPhase,
  roleDefinitionsPhase,
  roleEligibilityPhase,
} from './role/collect.js';
import { spAssignmentsPhase, spOwnersPhase } from './enterprise-application/details.js';
import { servicePrincipalsPhase, SP_UNREAD_ASSIGNMENTS } from './enterprise-application/collect.js';
import { SP_OWNERS_READ } from './enterprise-application/owners.js';
import { signInPhase, usersPhase } from './user/collect.js';
import type { SyncerDeps } from './shared/common.js';
import { createCredentialSyncer } from './credential/resource.js';
import { createDeviceSyncer } from './device/resource.js';
import { createAppSyncer } from './enterprise-application/resource.js';
import { createGroupSyncer } from './group/resource.js';
import { createLicenseSyncer } from './license/resource.js';
import { createManagedIdentitySyncer } from './managed-identity/resource.js';
import { createRoleSyncer } from './role/resource.js';
import { createUserSyncer } from './user/resource.js';

/** The resource types this configuration syncs, in sync order (devices only with syncDevices). */
export function syncedTypes(config: ConnectorConfig): ResourceTypeId[] {
  // RESOURCE_TYPE_IDS is listed in sync order.
  const wanted = new Set<ResourceTypeId>(
    config.syncResourceTypes.length ? config.syncResourceTypes : RESOURCE_TYPE_IDS,
  );
  return RESOURCE_TYPE_IDS.filter((t) => wanted.has(t) && (t !== 'device' || config.syncDevices));
}

/**
 * The Graph access plan: which collections are read, in order. Users and groups are always read
 * (every other type's grants name them); the rest only when a synced type needs them. An
 * incremental polls the audit log for what service principals' and roles' edges to read again,
 * and drops edges to principals deleted since.
 */
export function collectPlan(config: ConnectorConfig): CollectPhase[] {
  const types = new Set(syncedTypes(config));
  const plan: CollectPhase[] = [organizationPhase, usersPhase];
  if (config.signInActivity && types.has('user')) plan.push(signInPhase);
  plan.push(groupsPhase);
  const apps = types.has('enterprise_application') || types.has('managed_identity');
  if (apps || types.has('role')) plan.push(auditPhase);
  if (apps) {
    plan.push(servicePrincipalsPhase, spAssignmentsPhase);
    if (types.has('enterprise_application')) plan.push(spOwnersPhase);
  }
  if (types.has('role'))
    plan.push(roleDefinitionsPhase, roleAssignmentsPhase, roleActiveInstancesPhase, roleEligibilityPhase);
  if (types.has('credential')) {
    // Service principals carry their own credentials and give app credentials their identity.
    if (!plan.includes(servicePrincipalsPhase)) plan.push(servicePrincipalsPhase);
    plan.push(applicationsPhase);
  }
  if (types.has('license')) plan.push(skusPhase);
  if (config.syncDevices) plan.push(devicesPhase);
  plan.push(pruneDanglingPhase);
  return plan.map((p) => ({
    ...p,
    after: (PHASE_ORDER[p.name] ?? []).filter((n) => n === '*' || plan.some((q) => q.name === n)),
  }));
}

/**
 * What each phase needs finished first; the rest of the plan runs side by side (each phase keeps
 * its own checkpoint, so a resume is unaffected). The audit poll decides how service principals
 * and role edges are read; app owners are read for the apps the tenant owns or that have
 * assignments; the first role listing replaces the role edges the other two then add to; pruning
 * looks at everything.
 */
const PHASE_ORDER: Record<string, string[]> = {
  servicePrincipals: ['directoryAudits'],
  appRoleAssignedTo: ['servicePrincipals'],
  servicePrincipalOwners: ['organization', 'servicePrincipals', 'appRoleAssignedTo'],
  roleAssignments: ['directoryAudits', 'roleDefinitions'],
  roleAssignmentScheduleInstances: ['roleAssignments'],
  roleEligibilityScheduleInstances: ['roleAssignmentScheduleInstances'],
  pruneDanglingEdges: ['*'],
};

/**
 * Source-cache kinds an incremental sync forgets and lists again (no delta query, one request
 * each), and its own scratch kinds. Service principals and role edges are not among them: their
 * phases replace them only when the audit log says they must (see collect/audit.ts).
 */
export const RELISTED_OBJECT_KINDS = [
  'organization',
  'signIn',
  SP_UNREAD_ASSIGNMENTS,
  SP_OWNERS_READ,
  DIRTY_SP,
  DIRTY_ROLE,
  'roleDefinition',
  'sku',
];
export const RELISTED_LINK_KINDS: string[] = [];

const FACTORIES: Record<ResourceTypeId, (deps: SyncerDeps) => ResourceSyncer> = {
  user: createUserSyncer,
  group: createGroupSyncer,
  role: createRoleSyncer,
  enterprise_application: createAppSyncer,
  managed_identity: createManagedIdentitySyncer,
  credential: createCredentialSyncer,
  license: createLicenseSyncer,
  device: createDeviceSyncer,
};

export function createSyncers(config: ConnectorConfig, deps: SyncerDeps): ResourceSyncer[] {
  return syncedTypes(config).map((t) => FACTORIES[t](deps));
}

/**
 * The collection phases each syncer reads (for a full sync, where no later phase touches what an
 * earlier one wrote): its own kinds' phases, `organization` (every syncer is made knowing the
 * tenant's own ids), and `servicePrincipals` wherever a service principal may be a grant's
 * principal (its type depends on it). Users (and licenses, read from users) need everything: they
 * come last, after the source indexes.
 */
function outputNeeds(config: ConnectorConfig, type: ResourceTypeId): string[] | undefined {
  const base = ['organization', 'directoryAudits'];
  switch (type) {
    case 'group':
      // With skipAdGroups, on-premises users drop out of cloud groups: users are read.
      return config.skipAdGroups && !config.includeOnPremGroupMembers
        ? undefined
        : [...base, 'groups', 'servicePrincipals'];
    case 'role':
      // Role edges name their principal by id alone: its kind is looked up among users, groups
      // and service principals.
      return [
        ...base,
        'users',
        'groups',
        'servicePrincipals',
        'roleDefinitions',
        'roleAssignments',
        'roleAssignmentScheduleInstances',
        'roleEligibilityScheduleInstances',
      ];
    case 'enterprise_application':
      return [...base, 'servicePrincipals', 'appRoleAssignedTo', 'servicePrincipalOwners'];
    case 'managed_identity':
      return [...base, 'servicePrincipals'];
    case 'credential':
      return [...base, 'servicePrincipals', 'appRoleAssignedTo', 'applications'];
    case 'device':
      return [...base, 'devices'];
    case 'user':
    case 'license':
      return undefined;
  }
}

/** The scope-group filter, its users read when first asked (by the user syncer, after the collection). */
function lazyScope(
  queries: EntraSourceQueries,
  scopeGroups: string[],
): ((id: string) => boolean) | undefined {
  if (scopeGroups.length === 0) return undefined;
  let filter: ((id: string) => boolean) | undefined;
  return (id) => (filter ??= queries.scopeFilter(scopeGroups)!)(id);
}

/**
 * What makes two syncs of this connector "the same plan": the tenant, the Graph endpoint, the
 * synced types and every option that changes what is read or produced.
 */
export function planKey(config: ConnectorConfig): JsonObject {
  return {
    tenant: config.auth.tenantId,
    graph: config.graphBaseUrl,
    types: syncedTypes(config),
    options: [
      config.skipAdGroups,
      config.includeOnPremGroupMembers,
      config.signInActivity,
      config.onPremisesExtensionAttributes,
      config.skipUnassignedApps,
      config.syncDevices,
      config.deviceJoinTypes,
      config.deviceStaleDays ?? null,
      config.userStaleDays ?? null,
      config.scopeGroups,
      config.licensedUsersOnly,
    ],
  };
}

/**
 * The Entra connector as the sync engine drives it: the Graph access plan bound to this Graph
 * client and configuration, and the syncers of the configured resource types. With `progress`, its
 * phases report their counts (and, for the big delta rounds, the collection's size) to it.
 */
export function entraConnector(
  config: ConnectorConfig,
  graph: GraphClient,
  progress?: ProgressReporter,
): Connector {
  const bind = (p: CollectPhase): EnginePhase => ({
    name: p.name,
    ...(p.after ? { after: p.after } : {}),
    run: (ctx) =>
      p.run({
        ...ctx,
        graph,
        config,
        requestOptions: { priority: 'low', ...(ctx.signal ? { signal: ctx.signal } : {}) },
      }),
  });
  return {
    tenantId: config.auth.tenantId,
    planKey: () => planKey(config),
    collectPlan: () => {
      const plan = collectPlan(config).map(bind);
      return progress ? reportingProgress(plan, progress) : plan;
    },
    relisted: { objects: RELISTED_OBJECT_KINDS, links: RELISTED_LINK_KINDS },
    sourceIndexes: SOURCE_INDEXES,
    patch: entraPatchRules(config, syncedTypes(config)),
    syncers(ctx) {
      const queries = new EntraSourceQueries(ctx.source.sql);
      return createSyncers(config, {
        ...ctx,
        queries,
        config,
        orgIds: new Set([...ctx.source.all('organization')].map((o) => o.id)),
        scopedUsers: lazyScope(queries, config.scopeGroups),
      });
    },
    outputTypes: () => syncedTypes(config),
    outputNeeds: (type) => outputNeeds(config, type as ResourceTypeId),
    requestCount: () => graph.stats.requests,
  };
}

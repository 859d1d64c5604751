import { RESOURCE_TYPE_IDS, type ConnectorConfig, type ResourceTypeId } from '../config/types.js';
import type { ResourceSyncer } from '../framework/types.js';
import type { SnapshotDb } from '../snapshot/database.js';
import { applicationsPhase } from './credential/collect.js';
import { auditPhase, DIRTY_ROLE, DIRTY_SP } from './shared/audit.js';
import type { CollectPhase } from './shared/collect-context.js';
import { devicesPhase } from './device/collect.js';
import { skusPhase } from './license/collect.js';
import { organizationPhase } from './shared/organization.js';
import { groupsPhase } from './group/collect.js';
import { pruneDanglingPhase } from './shared/prune.js';
import {
  roleActiveInstancesPhase,
  roleAssignmentsPhase,
  roleDefinitionsPhase,
  roleEligibilityPhase,
} from './role/collect.js';
import { spAssignmentsPhase, spOwnersPhase } from './enterprise-application/details.js';
import { servicePrincipalsPhase } from './enterprise-application/collect.js';
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
  'spOverflow',
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
 * Users that are transitive members of the scope groups, computed once in SQLite (a recursive
 * walk over member edges; UNION makes it stop on membership cycles).
 */
export function scopeFilter(db: SnapshotDb, scopeGroups: string[]): ((id: string) => boolean) | undefined {
  if (scopeGroups.length === 0) return undefined;
  db.db.exec(
    'DROP TABLE IF EXISTS temp.scope_users; CREATE TEMP TABLE scope_users (id TEXT PRIMARY KEY) WITHOUT ROWID',
  );
  const placeholders = scopeGroups.map(() => '?').join(',');
  db.db
    .prepare(
      `INSERT OR IGNORE INTO temp.scope_users (id)
       WITH RECURSIVE m(id, kind) AS (
         SELECT target_id, target_kind FROM source_links WHERE kind = 'group' AND rel = 'member' AND owner_id IN (${placeholders})
         UNION
         SELECT l.target_id, l.target_kind FROM source_links l JOIN m
           ON m.kind = 'group' AND l.kind = 'group' AND l.rel = 'member' AND l.owner_id = m.id)
       SELECT id FROM m WHERE kind = 'user'`,
    )
    .run(...scopeGroups);
  const has = db.db.prepare('SELECT 1 AS x FROM temp.scope_users WHERE id = ?');
  return (id) => has.get(id) !== undefined;
}

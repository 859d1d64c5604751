/**
 * Directory roles: the built-in definitions, permanent active assignments (tenant-wide and scoped
 * to administrative units, to users, role-assignable groups and service principals), PIM
 * eligibilities, and the schedule instances that mirror both (Assigned for permanent assignments,
 * Activated for eligibilities in use, which also show up as role assignments).
 */
import { ROLE_TEMPLATES, type RoleTemplate } from './catalog.js';
import type { ClientSecrets } from './gen-apps.js';
import { type GenContext, DAY_MS, randomPast } from './gen-context.js';
import { isoSeconds, roleAssignmentId } from './ids.js';
import type { Guid, RoleAssignmentRecord, RoleScheduleInstanceRecord } from './model.js';

const BY_NAME = new Map(ROLE_TEMPLATES.map((r) => [r.displayName, r]));
const roleId = (name: string): Guid => (BY_NAME.get(name) as RoleTemplate).templateId;

/** Roles Entra lets you scope to an administrative unit. */
const AU_SCOPABLE = [
  'User Administrator',
  'Groups Administrator',
  'Helpdesk Administrator',
  'Password Administrator',
  'Authentication Administrator',
  'License Administrator',
  'Cloud Device Administrator',
].map(roleId);

export function generateRoles(ctx: GenContext, clients: ClientSecrets): void {
  const { tenant, rng, ids, size } = ctx;
  for (const t of ROLE_TEMPLATES) {
    // Built-in definitions carry their template id as their id.
    tenant.addRoleDefinition({
      id: t.templateId,
      displayName: t.displayName,
      description: t.description,
      isBuiltIn: true,
      isEnabled: true,
      templateId: t.templateId,
      version: '1',
      resourceScopes: ['/'],
      rolePermissions: [{ allowedResourceActions: t.actions, condition: null }],
    });
  }
  const taken = new Set<string>();
  const roleGroups = ids.groups.filter((g) => tenant.groups.get(g)?.isAssignableToRole === true);
  const activatedCount = Math.min(
    Math.max(1, Math.floor(size.roleEligibilities / 3)),
    size.roleEligibilities,
  );
  const assignedCount = Math.max(0, size.roleAssignments - activatedCount);

  const fixed: [Guid, Guid, string][] = [
    [roleId('Global Administrator'), ids.members[0] as Guid, '/'],
    [roleId('Exchange Administrator'), clients.confidential.spId, '/'],
    [roleId('Groups Administrator'), roleGroups[0] as Guid, '/'],
    [roleId('User Administrator'), ids.admins[1] as Guid, `/administrativeUnits/${ids.units[0]}`],
    [roleId('Directory Readers'), ids.managedIdentities[0] ?? (ids.appSps[2] as Guid), '/'],
  ];
  const active: [Guid, Guid, string][] = fixed.filter(([, p]) => p !== undefined).slice(0, assignedCount);
  for (const [r, p] of active) taken.add(`${r}|${p}`);
  const templates = ROLE_TEMPLATES.filter((t) => t.displayName !== 'Directory Synchronization Accounts');
  const draw = (principals: readonly Guid[]): [Guid, Guid] | undefined => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const t = rng.pick(templates);
      if (t.privileged && rng.chance(0.7)) continue;
      const p = rng.pick(principals);
      if (!taken.has(`${t.templateId}|${p}`)) {
        taken.add(`${t.templateId}|${p}`);
        return [t.templateId, p];
      }
    }
    return undefined;
  };
  while (active.length < assignedCount) {
    const pool =
      rng.chance(0.05) && roleGroups.length > 0 ? roleGroups : rng.chance(0.05) ? ids.appSps : ids.admins;
    const pair = draw(pool);
    if (!pair) break;
    const scope =
      AU_SCOPABLE.includes(pair[0]) && ids.units.length > 0 && rng.chance(0.3)
        ? `/administrativeUnits/${rng.pick(ids.units)}`
        : '/';
    active.push([pair[0], pair[1], scope]);
  }
  for (const [r, p, scope] of active) {
    const a = assignment(r, p, scope);
    tenant.addRoleAssignment(a);
    tenant.addRoleScheduleInstance('active', {
      ...instanceOf(a),
      startDateTime: randomPast(ctx, 700, 1),
      endDateTime: null,
      assignmentType: 'Assigned',
    });
  }
  generateEligibilities(ctx, draw, roleGroups, activatedCount);
}

function assignment(
  roleDefinitionId: Guid,
  principalId: Guid,
  directoryScopeId: string,
): RoleAssignmentRecord {
  return {
    id: roleAssignmentId(roleDefinitionId, principalId),
    principalId,
    roleDefinitionId,
    directoryScopeId,
    appScopeId: null,
    condition: null,
  };
}

function instanceOf(
  a: RoleAssignmentRecord,
): Omit<RoleScheduleInstanceRecord, 'startDateTime' | 'endDateTime'> {
  const { id, principalId, roleDefinitionId, directoryScopeId, appScopeId } = a;
  return { id, principalId, roleDefinitionId, directoryScopeId, appScopeId, memberType: 'Direct' };
}

/** Eligibilities (some to role-assignable groups); the first `activatedCount` are in use right now. */
function generateEligibilities(
  ctx: GenContext,
  draw: (principals: readonly Guid[]) => [Guid, Guid] | undefined,
  roleGroups: readonly Guid[],
  activatedCount: number,
): void {
  const { tenant, rng, ids } = ctx;
  for (let i = 0; i < ctx.size.roleEligibilities; i++) {
    const pool = (i === 1 || rng.chance(0.1)) && roleGroups.length > 0 ? roleGroups : ids.admins;
    const pair = draw(pool);
    if (!pair) continue;
    const [roleDefinitionId, principalId] = pair;
    // Eligibility schedule ids share the assignment id shape with an "-e" suffix.
    const eligibilityId = `${roleAssignmentId(roleDefinitionId, principalId)}-e`;
    tenant.addRoleScheduleInstance('eligible', {
      id: eligibilityId,
      principalId,
      roleDefinitionId,
      directoryScopeId: '/',
      appScopeId: null,
      startDateTime: randomPast(ctx, 300, 10),
      endDateTime: rng.chance(0.5) ? isoSeconds(ctx.base + rng.int(30, 365) * DAY_MS) : null,
      memberType: 'Direct',
    });
    if (i < activatedCount) {
      const a = assignment(roleDefinitionId, principalId, '/');
      tenant.addRoleAssignment(a);
      const start = ctx.base - rng.int(5, 240) * 60_000;
      tenant.addRoleScheduleInstance('active', {
        ...instanceOf(a),
        startDateTime: isoSeconds(start),
        endDateTime: isoSeconds(start + 8 * 3_600_000),
        assignmentType: 'Activated',
        roleEligibilityScheduleId: eligibilityId,
      });
    }
  }
}

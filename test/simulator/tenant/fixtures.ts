import { createHash } from 'node:crypto';
import { generateTenant } from '../../../src/simulator/tenant/generator.js';
import type {
  GroupRecord,
  Guid,
  PresetName,
  TenantSize,
  UserRecord,
} from '../../../src/simulator/tenant/model.js';
import type { Tenant } from '../../../src/simulator/tenant/store.js';

/** A fixed generation instant, so that generated dates are reproducible. */
export const EPOCH = Date.UTC(2026, 0, 15, 12, 0, 0);

const cache = new Map<string, Tenant>();

/** A generated tenant, shared between read-only tests (never mutate it; use `freshTenant`). */
/** `SIM_SEED` picks another seed, to check that a property holds for more than one tenant. */
export function sharedTenant(preset: PresetName, seed = Number(process.env.SIM_SEED ?? 1)): Tenant {
  const key = `${preset}:${seed}`;
  let t = cache.get(key);
  if (!t) cache.set(key, (t = generateTenant({ preset, seed, now: () => EPOCH })));
  return t;
}

export function freshTenant(
  preset: PresetName = 'demo',
  seed = 1,
  size?: Partial<TenantSize>,
): { tenant: Tenant; clock: { ms: number } } {
  const clock = { ms: EPOCH };
  return { tenant: generateTenant({ preset, seed, size, now: () => clock.ms }), clock };
}

/** Every record and link of a tenant as canonical JSON (Maps in insertion order). */
export function dump(t: Tenant): string {
  const links: Record<string, unknown> = {};
  for (const id of t.groups.keys()) links[`members:${id}`] = t.membersOf(id);
  for (const id of [...t.groups.keys(), ...t.servicePrincipals.keys(), ...t.applications.keys()]) {
    const owners = t.ownersOf(id);
    if (owners.length > 0) links[`owners:${id}`] = owners;
  }
  for (const id of t.users.keys()) {
    const m = t.managerOf(id);
    if (m) links[`manager:${id}`] = m;
  }
  for (const id of t.administrativeUnits.keys()) links[`unit:${id}`] = t.administrativeUnitMembersOf(id);
  return JSON.stringify({
    tenantId: t.tenantId,
    initialDomain: t.initialDomain,
    organization: t.organization,
    users: [...t.users.values()],
    credentials: [...t.userCredentials.entries()],
    groups: [...t.groups.values()],
    servicePrincipals: [...t.servicePrincipals.values()],
    applications: [...t.applications.values()],
    devices: [...t.devices.values()],
    orgContacts: [...t.orgContacts.values()],
    administrativeUnits: [...t.administrativeUnits.values()],
    roleDefinitions: [...t.roleDefinitions.values()],
    roleAssignments: [...t.roleAssignments.values()],
    active: [...t.roleAssignmentScheduleInstances.values()],
    eligible: [...t.roleEligibilityScheduleInstances.values()],
    skus: t.subscribedSkus,
    audits: t.directoryAudits,
    grants: [...t.appRoleAssignments.values()],
    jobs: [...t.synchronizationJobs.entries()],
    clients: [...t.clients.values()],
    demo: t.demoCredentials,
    links,
  });
}

export function digest(t: Tenant): string {
  return createHash('sha256').update(dump(t)).digest('hex');
}

/** The first user matching `predicate` (the demo tenant always has one). */
export function pickUser(t: Tenant, predicate: (u: UserRecord) => boolean): UserRecord {
  const u = [...t.users.values()].find(predicate);
  if (!u) throw new Error('no such user in the generated tenant');
  return u;
}

/** Ids of the groups matching `test`. */
export function groupIds(t: Tenant, test: (g: GroupRecord) => boolean): Guid[] {
  return [...t.groups.values()].filter(test).map((g) => g.id);
}

/** A security group that is not mail-enabled, dynamic or role-assignable: it accepts any member kind. */
export const isPlainSecurity = (g: GroupRecord): boolean =>
  g.groupTypes.length === 0 && !g.mailEnabled && g.securityEnabled && !g.isAssignableToRole;

import { appRoleAssignmentId } from '../../../src/simulator/ids.js';
import type { Guid } from '../../../src/simulator/tenant/model.js';
import type { TenantStore } from '../../../src/simulator/tenant/store-api.js';

const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';

/** App-role assignments and owners one service principal is given. */
export interface SpShape {
  assignments: number;
  owners: number;
}

/**
 * Around Graph's 20-item `$expand` cap: none, one short, exactly 20, one over, many, and a mix.
 * Each app keeps its shape whatever its assignment count, since the tenant owns it.
 */
export const SHAPES: readonly SpShape[] = [
  { assignments: 0, owners: 21 },
  { assignments: 19, owners: 19 },
  { assignments: 20, owners: 20 },
  { assignments: 21, owners: 0 },
  { assignments: 45, owners: 45 },
  { assignments: 3, owners: 20 },
];

/**
 * Gives the tenant's own application service principals (the connector's own registration left
 * alone) exactly the SHAPES' counts: default-access assignments to users, users as owners. Returns
 * the shaped service principals in SHAPES order.
 */
export function shapeServicePrincipals(t: TenantStore): Guid[] {
  const own = [...t.servicePrincipals.values()].filter(
    (sp) =>
      sp.servicePrincipalType === 'Application' &&
      sp.appOwnerOrganizationId === t.organization.id &&
      t.appRoleAssignedTo(sp.id).length > 0,
  );
  if (own.length < SHAPES.length)
    throw new Error(`the tenant has ${own.length} assigned apps of its own, fewer than ${SHAPES.length}`);
  const users = [...t.users.keys()];
  return SHAPES.map((shape, i) => {
    const sp = own[i]!;
    setAssignments(t, sp.id, shape.assignments, users);
    setOwners(t, sp.id, shape.owners, users);
    return sp.id;
  });
}

/** Default-access assignments of the first `n` users (after removing every other). */
export function setAssignments(t: TenantStore, spId: Guid, n: number, users: readonly Guid[]): void {
  if (users.length < n) throw new Error(`${n} assignments need ${n} users, the tenant has ${users.length}`);
  for (const a of [...t.appRoleAssignedTo(spId)]) t.removeAppRoleAssignment(a.id);
  const sp = t.servicePrincipals.get(spId)!;
  for (const u of users.slice(0, n))
    t.addAppRoleAssignment({
      id: appRoleAssignmentId(u),
      appRoleId: DEFAULT_ACCESS,
      principalId: u,
      principalType: 'User',
      principalDisplayName: t.users.get(u)!.displayName,
      resourceId: spId,
      resourceDisplayName: sp.displayName,
      createdDateTime: new Date(t.now()).toISOString(),
      deletedDateTime: null,
    });
}

/** The last `n` users as owners (after removing every other). */
export function setOwners(t: TenantStore, spId: Guid, n: number, users: readonly Guid[]): void {
  if (users.length < n) throw new Error(`${n} owners need ${n} users, the tenant has ${users.length}`);
  for (const o of [...t.ownersOf(spId)]) t.removeOwner(spId, o);
  for (const u of users.slice(users.length - n)) t.addOwner(spId, u);
}

/**
 * Store mutations of objects (users, groups, devices) and grants (roles, app roles, licences).
 */
import assert from 'node:assert/strict';
import { Rng, roleAssignmentId } from '../../../src/simulator/tenant/ids.js';
import type { Guid, UserRecord } from '../../../src/simulator/tenant/model.js';
import { EPOCH, freshTenant, groupIds, isPlainSecurity, pickUser } from './fixtures.js';

const GLOBAL_READER = 'f2ef992c-3afb-46b9-b7cf-a126ee74c451';

describe('tenant store: users', () => {
  it('soft-deletes a user, logging the removal from every group, and restores memberships', () => {
    const { tenant: t } = freshTenant();
    const u = pickUser(t, (x) => t.memberOf(x.id).length >= 2);
    const groups = [...t.memberOf(u.id)];
    const grants = t.appRoleAssignmentsOf(u.id).length;
    t.deleteUser(u.id);
    assert.equal(t.users.has(u.id), false);
    assert.ok(t.deletedUsers.get(u.id)?.deletedDateTime);
    assert.equal(t.kindOf(u.id), undefined);
    for (const g of groups) assert.ok(!t.membersOf(g).includes(u.id));
    const log = t.changesSince(0);
    for (const g of groups) {
      assert.ok(
        log.some(
          (c) =>
            c.objectKind === 'group' && c.id === g && c.relation?.targetId === u.id && c.relation.removed,
        ),
      );
    }
    assert.ok(log.some((c) => c.objectKind === 'user' && c.id === u.id && c.kind === 'softDeleted'));
    assert.throws(() => t.createUser({ ...u, id: new Rng(5).guid() }), /userPrincipalName already exists/);

    const seq = t.currentSeq;
    t.restoreUser(u.id);
    assert.ok(t.users.has(u.id) && !t.deletedUsers.has(u.id));
    assert.deepEqual([...t.memberOf(u.id)].sort(), [...groups].sort());
    assert.equal(t.appRoleAssignmentsOf(u.id).length, grants);
    const after = t.changesSince(seq);
    assert.equal(after[0]?.kind, 'restored');
    assert.ok(
      after.some(
        (c) => c.relation?.name === 'members' && c.relation.targetId === u.id && !c.relation.removed,
      ),
    );
  });

  it('purges a soft-deleted user for good', () => {
    const { tenant: t } = freshTenant();
    const u = pickUser(t, (x) => x.userType === 'Guest');
    t.deleteUser(u.id);
    t.purgeUser(u.id);
    assert.equal(t.deletedUsers.has(u.id), false);
    assert.equal(t.userIdByPrincipalName(u.userPrincipalName), undefined);
    assert.equal(t.changesSince(0).at(-1)?.kind, 'deleted');
    assert.throws(() => t.restoreUser(u.id), /deleted user .* does not exist/);
  });

  it('logs updated properties and refuses a duplicate UPN or an id change', () => {
    const { tenant: t } = freshTenant();
    const [a, b] = [...t.users.values()] as [UserRecord, UserRecord];
    t.updateUser(a.id, { jobTitle: 'Chief Listener', department: a.department });
    assert.deepEqual(t.changesSince(0), [
      { seq: 1, at: EPOCH, objectKind: 'user', id: a.id, kind: 'updated', changedProperties: ['jobTitle'] },
    ]);
    assert.equal(t.users.get(a.id)?.jobTitle, 'Chief Listener');
    assert.throws(
      () => t.updateUser(a.id, { userPrincipalName: b.userPrincipalName.toUpperCase() }),
      /already exists/,
    );
    assert.throws(() => t.updateUser(a.id, { id: b.id }), /id cannot be changed/);
    assert.throws(() => t.updateUser('missing', { jobTitle: 'x' }), /user "missing" does not exist/);
  });

  it('assigns and removes licences, keeping consumed units in step', () => {
    const { tenant: t } = freshTenant();
    const sku = t.subscribedSkus.find((s) => s.skuPartNumber === 'POWER_BI_PRO');
    assert.ok(sku);
    const u = pickUser(
      t,
      (x) => x.usageLocation !== null && !x.assignedLicenses.some((l) => l.skuId === sku.skuId),
    );
    const before = sku.consumedUnits;
    t.assignLicense(u.id, [{ skuId: sku.skuId, disabledPlans: [] }], []);
    assert.equal(t.subscribedSkus.find((s) => s.skuId === sku.skuId)?.consumedUnits, before + 1);
    assert.ok(t.users.get(u.id)?.assignedLicenses.some((l) => l.skuId === sku.skuId));
    t.assignLicense(u.id, [], [sku.skuId]);
    assert.equal(t.subscribedSkus.find((s) => s.skuId === sku.skuId)?.consumedUnits, before);
    assert.throws(() => t.assignLicense(u.id, [], [sku.skuId]), /does not have a corresponding license/);
    assert.throws(
      () => t.assignLicense(u.id, [{ skuId: '11111111-1111-4111-8111-111111111111', disabledPlans: [] }], []),
      /not a subscribed SKU/,
    );
    const guest = pickUser(t, (x) => x.usageLocation === null);
    assert.throws(
      () => t.assignLicense(guest.id, [{ skuId: sku.skuId, disabledPlans: [] }], []),
      /invalid usage location/,
    );
  });
});

describe('tenant store: groups, devices and assignments', () => {
  it('deleting a group records its removal from parent groups and drops its links', () => {
    const { tenant: t } = freshTenant();
    const child = [...t.groups.keys()].find(
      (g) => t.memberOf(g).length > 0 && t.membersOf(g).length > 0,
    ) as Guid;
    const parents = [...t.memberOf(child)];
    const members = [...t.membersOf(child)];
    t.deleteGroup(child);
    assert.equal(t.groups.has(child), false);
    for (const p of parents) assert.ok(!t.membersOf(p).includes(child));
    for (const m of members) assert.ok(!t.memberOf(m).includes(child));
    const log = t.changesSince(0);
    for (const p of parents)
      assert.ok(
        log.some(
          (c) =>
            c.id === p &&
            c.relation?.targetId === child &&
            c.relation.removed &&
            c.relation.targetKind === 'group',
        ),
      );
    assert.deepEqual(log.at(-1), {
      seq: log.length,
      at: EPOCH,
      objectKind: 'group',
      id: child,
      kind: 'deleted',
    });
  });

  it('creates, updates and deletes devices with change entries', () => {
    const { tenant: t } = freshTenant();
    const d = [...t.devices.values()].find((x) => t.memberOf(x.id).length > 0);
    assert.ok(d, 'the demo tenant has a device in a group');
    const groups = t.memberOf(d.id);
    t.updateDevice(d.id, { accountEnabled: !d.accountEnabled });
    t.deleteDevice(d.id);
    assert.deepEqual(
      t.changesSince(0).map((c) => [c.objectKind, c.kind, c.relation?.targetKind]),
      [
        ['device', 'updated', undefined],
        ...groups.map(() => ['group', 'updated', 'device']),
        ['device', 'deleted', undefined],
      ],
    );
    for (const g of groups) assert.ok(!t.membersOf(g).includes(d.id));
    assert.throws(() => t.createDevice({ ...d, id: 'not-a-guid' }), /device\.id must be a GUID/);
    const other = [...t.devices.values()].find((x) => x.id !== d.id);
    assert.ok(other);
    assert.throws(() => t.createDevice({ ...other }), /already used/);
  });

  it('adds and removes role assignments, and refuses groups that are not role-assignable', () => {
    const { tenant: t } = freshTenant();
    const u = pickUser(
      t,
      (x) => x.userType === 'Member' && !t.roleAssignments.has(roleAssignmentId(GLOBAL_READER, x.id)),
    );
    const id = roleAssignmentId(GLOBAL_READER, u.id);
    t.addRoleAssignment({
      id,
      principalId: u.id,
      roleDefinitionId: GLOBAL_READER,
      directoryScopeId: '/',
      appScopeId: null,
      condition: null,
    });
    assert.throws(
      () =>
        t.addRoleAssignment({
          id,
          principalId: u.id,
          roleDefinitionId: GLOBAL_READER,
          directoryScopeId: '/',
          appScopeId: null,
          condition: null,
        }),
      /already exists/,
    );
    assert.equal(t.removeRoleAssignment(id), true);
    assert.equal(t.removeRoleAssignment(id), false);
    const plain = groupIds(t, isPlainSecurity)[0] as Guid;
    assert.throws(
      () =>
        t.addRoleAssignment({
          id: roleAssignmentId(GLOBAL_READER, plain),
          principalId: plain,
          roleDefinitionId: GLOBAL_READER,
          directoryScopeId: '/',
          appScopeId: null,
          condition: null,
        }),
      /not role-assignable/,
    );
    assert.throws(
      () =>
        t.addRoleAssignment({
          id: 'x',
          principalId: u.id,
          roleDefinitionId: GLOBAL_READER,
          directoryScopeId: '/administrativeUnits/nope',
          appScopeId: null,
          condition: null,
        }),
      /directoryScopeId must be/,
    );
    const log = t.changesSince(0);
    assert.deepEqual(
      log.map((c) => [c.objectKind, c.id, c.relation?.targetId, c.relation?.removed]),
      [
        ['directoryRole', GLOBAL_READER, u.id, false],
        ['directoryRole', GLOBAL_READER, u.id, true],
      ],
    );
  });

  it('grants and revokes app roles, refusing a duplicate grant and a role the app does not have', () => {
    const { tenant: t } = freshTenant();
    const sp = [...t.servicePrincipals.values()].find(
      (p) =>
        p.appRoles.some((r) => r.allowedMemberTypes.includes('User')) &&
        p.appOwnerOrganizationId === t.tenantId,
    );
    assert.ok(sp);
    const role = sp.appRoles.find((r) => r.allowedMemberTypes.includes('User')) as { id: Guid };
    const u = pickUser(
      t,
      (x) => !t.appRoleAssignmentsOf(x.id).some((a) => a.resourceId === sp.id && a.appRoleId === role.id),
    );
    const base = {
      appRoleId: role.id,
      principalId: u.id,
      principalType: 'User' as const,
      principalDisplayName: u.displayName,
      resourceId: sp.id,
      resourceDisplayName: sp.displayName,
      createdDateTime: '2026-01-01T00:00:00Z',
      deletedDateTime: null,
    };
    const count = t.appRoleAssignedTo(sp.id).length;
    t.addAppRoleAssignment({ ...base, id: 'grant-1' });
    assert.equal(t.appRoleAssignedTo(sp.id).length, count + 1);
    assert.throws(() => t.addAppRoleAssignment({ ...base, id: 'grant-2' }), /already exists on the object/);
    assert.throws(
      () =>
        t.addAppRoleAssignment({ ...base, id: 'grant-3', appRoleId: '11111111-1111-4111-8111-111111111111' }),
      /is not an app role/,
    );
    assert.throws(
      () => t.addAppRoleAssignment({ ...base, id: 'grant-4', principalType: 'Group' }),
      /does not match principal/,
    );
    assert.equal(t.removeAppRoleAssignment('grant-1'), true);
    assert.equal(t.appRoleAssignedTo(sp.id).length, count);
    assert.ok(
      t
        .changesSince(0)
        .every(
          (c) => c.objectKind === 'servicePrincipal' && c.changedProperties?.[0] === 'appRoleAssignedTo',
        ),
    );
  });

  it('logs nothing while loading', () => {
    const { tenant: t } = freshTenant();
    const g = groupIds(t, isPlainSecurity)[0] as Guid;
    const u = pickUser(t, (x) => !t.membersOf(g).includes(x.id)).id;
    t.load(() => t.addMember(g, u));
    assert.equal(t.currentSeq, 0);
    assert.ok(t.membersOf(g).includes(u));
  });
});

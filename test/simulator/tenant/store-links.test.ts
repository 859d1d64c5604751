/**
 * Store links (members, owners, manager) and the change log delta queries replay.
 */
import assert from 'node:assert/strict';
import type { Guid } from '../../../src/simulator/tenant/model.js';
import { EPOCH, freshTenant, groupIds, isPlainSecurity, pickUser } from './fixtures.js';

describe('tenant store: memberships and the change log', () => {
  it('logs a member add and remove with the relation, increasing seq and the injected clock', () => {
    const { tenant: t, clock } = freshTenant();
    const g = groupIds(t, isPlainSecurity)[0] as Guid;
    const u = pickUser(t, (x) => !t.membersOf(g).includes(x.id)).id;
    clock.ms = EPOCH + 5000;
    assert.equal(t.addMember(g, u), true);
    assert.equal(t.addMember(g, u), false, 'second add of the same link');
    clock.ms = EPOCH + 9000;
    assert.equal(t.removeMember(g, u), true);
    assert.equal(t.removeMember(g, u), false);
    const log = t.changesSince(0);
    assert.deepEqual(log, [
      {
        seq: 1,
        at: EPOCH + 5000,
        objectKind: 'group',
        id: g,
        kind: 'updated',
        relation: { name: 'members', targetId: u, targetKind: 'user', removed: false },
      },
      {
        seq: 2,
        at: EPOCH + 9000,
        objectKind: 'group',
        id: g,
        kind: 'updated',
        relation: { name: 'members', targetId: u, targetKind: 'user', removed: true },
      },
    ]);
    assert.equal(t.currentSeq, 2);
    assert.deepEqual(
      t.changesSince(1).map((c) => c.seq),
      [2],
    );
    assert.deepEqual(t.changesSince(2), []);
    assert.throws(() => t.changesSince(-1), /afterSeq must be a non-negative integer/);
  });

  it('keeps members in insertion order and updates the reverse index', () => {
    const { tenant: t } = freshTenant();
    const g = groupIds(t, isPlainSecurity)[1] as Guid;
    const before = [...t.membersOf(g)];
    const u = pickUser(t, (x) => !before.includes(x.id)).id;
    t.addMember(g, u);
    assert.deepEqual(t.membersOf(g), [...before, u]);
    assert.ok(t.memberOf(u).includes(g));
    t.removeMember(g, u);
    assert.ok(!t.memberOf(u).includes(g));
  });

  it('rejects unknown ids, disallowed member kinds and nesting cycles with clear errors', () => {
    const { tenant: t } = freshTenant();
    const g = groupIds(t, isPlainSecurity)[0] as Guid;
    const m365 = groupIds(t, (x) => x.groupTypes.includes('Unified'))[0] as Guid;
    const device = [...t.devices.keys()][0] as Guid;
    assert.throws(
      () => t.addMember('00000000-0000-4000-8000-000000000001', device),
      /group "00000000-0000-4000-8000-000000000001" does not exist/,
    );
    assert.throws(() => t.addMember(g, 'nope'), /member "nope" is not a directory object/);
    assert.throws(() => t.addMember(m365, device), /Microsoft 365 group and only accepts users/);
    assert.throws(() => t.addMember(g, g), /cannot be a member of itself/);
    const dynamic = groupIds(t, (x) => x.groupTypes.includes('DynamicMembership'))[0] as Guid;
    assert.throws(() => t.addMember(dynamic, t.membersOf(g)[0] as Guid), /dynamic membership/);
    assert.throws(() => t.removeMember(dynamic, t.membersOf(dynamic)[0] as Guid), /dynamic membership/);
    const child = t.membersOf(g).find((m) => t.kindOf(m) === 'group') as Guid;
    assert.ok(child, 'the demo tenant nests a group in its first security group');
    assert.throws(() => t.addMember(child, g), /nesting cycle/);
    assert.equal(t.currentSeq, 0, 'rejected mutations are not logged');
  });

  it('logs owner and manager changes on the owning object', () => {
    const { tenant: t } = freshTenant();
    const g = groupIds(t, isPlainSecurity)[0] as Guid;
    const u = pickUser(t, (x) => x.userType === 'Member' && !t.ownersOf(g).includes(x.id)).id;
    assert.equal(t.addOwner(g, u), true);
    const boss = pickUser(t, (x) => x.id !== u && t.managerOf(u) !== x.id).id;
    const oldBoss = t.managerOf(u);
    t.setManager(u, boss);
    assert.equal(t.managerOf(u), boss);
    assert.ok(t.directReportsOf(boss).includes(u));
    if (oldBoss) assert.ok(!t.directReportsOf(oldBoss).includes(u));
    t.setManager(u, null);
    assert.equal(t.managerOf(u), undefined);
    const rel = t
      .changesSince(0)
      .map((c) => [c.objectKind, c.id, c.relation?.name, c.relation?.targetId, c.relation?.removed]);
    assert.deepEqual(rel, [
      ['group', g, 'owners', u, false],
      ['user', u, 'manager', boss, false],
      ['user', u, 'manager', boss, true],
    ]);
    assert.throws(() => t.addOwner(g, [...t.devices.keys()][0] as Guid), /cannot be an owner/);
    assert.throws(() => t.setManager(u, u), /own manager/);
  });
});

/**
 * Property: replaying the change log over the links a client saw at sequence 0 gives the links
 * the store holds now (members, owners, manager), whatever mix of adds, removes, deletes and
 * restores happened. This is what delta with `$select=members,owners` / `manager` relies on.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Guid } from '../../../src/simulator/tenant/model.js';
import type { Tenant } from '../../../src/simulator/tenant/store.js';
import { freshTenant, groupIds, isPlainSecurity } from './fixtures.js';

type Op =
  | { op: 'add' | 'remove' | 'addOwner' | 'removeOwner'; group: number; member: number }
  | { op: 'setManager'; member: number; manager: number }
  | { op: 'deleteUser' | 'restoreUser'; member: number }
  | { op: 'deleteGroup'; group: number };

const link = fc.constantFrom('add' as const, 'remove' as const, 'addOwner' as const, 'removeOwner' as const);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: link, group: fc.nat(40), member: fc.nat(80) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('setManager' as const),
      member: fc.nat(80),
      manager: fc.integer({ min: -1, max: 80 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constantFrom('deleteUser' as const, 'restoreUser' as const),
      member: fc.nat(80),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteGroup' as const), group: fc.nat(40) }) },
);

interface Links {
  members: Map<Guid, Set<Guid>>;
  owners: Map<Guid, Set<Guid>>;
  manager: Map<Guid, Guid>;
}

function snapshot(t: Tenant): Links {
  const manager = new Map<Guid, Guid>();
  for (const u of t.users.keys()) {
    const m = t.managerOf(u);
    if (m) manager.set(u, m);
  }
  return {
    members: new Map([...t.groups.keys()].map((g) => [g, new Set(t.membersOf(g))])),
    owners: new Map([...t.groups.keys()].map((g) => [g, new Set(t.ownersOf(g))])),
    manager,
  };
}

function apply(t: Tenant, groups: Guid[], users: Guid[], o: Op): void {
  const g = groups[('group' in o ? o.group : 0) % groups.length] as Guid;
  const u = users[('member' in o ? o.member : 0) % users.length] as Guid;
  // Rejections (unknown or deleted ids) are part of the contract; they must not be logged.
  const seq = t.currentSeq;
  try {
    if (o.op === 'add') t.addMember(g, u);
    else if (o.op === 'remove') t.removeMember(g, u);
    else if (o.op === 'addOwner') t.addOwner(g, u);
    else if (o.op === 'removeOwner') t.removeOwner(g, u);
    else if (o.op === 'setManager')
      t.setManager(u, o.manager < 0 ? null : (users[o.manager % users.length] as Guid));
    else if (o.op === 'deleteUser') t.deleteUser(u);
    else if (o.op === 'restoreUser') t.restoreUser(u);
    else t.deleteGroup(g);
  } catch {
    assert.equal(t.currentSeq, seq, `a rejected ${o.op} was logged`);
  }
}

/** What a delta client does: upsert by id, apply `@delta` link changes, drop removed objects. */
function replay(t: Tenant, seen: Links): void {
  let last = 0;
  for (const c of t.changesSince(0)) {
    assert.ok(c.seq > last, 'sequence numbers increase');
    last = c.seq;
    if (c.objectKind === 'group' && c.kind === 'deleted') {
      seen.members.delete(c.id);
      seen.owners.delete(c.id);
    } else if (c.objectKind === 'user' && (c.kind === 'softDeleted' || c.kind === 'deleted')) {
      seen.manager.delete(c.id);
    } else if (c.relation?.name === 'manager') {
      if (!c.relation.removed) seen.manager.set(c.id, c.relation.targetId);
      else if (seen.manager.get(c.id) === c.relation.targetId) seen.manager.delete(c.id);
    } else if (c.objectKind === 'group' && c.relation) {
      const map = c.relation.name === 'members' ? seen.members : seen.owners;
      const set = map.get(c.id) ?? new Set<Guid>();
      if (c.relation.removed) set.delete(c.relation.targetId);
      else set.add(c.relation.targetId);
      map.set(c.id, set);
    }
  }
}

describe('tenant change log: replay', () => {
  it('replaying link changes over the initial state reproduces the current links', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const { tenant: t } = freshTenant();
        const groups = groupIds(t, isPlainSecurity);
        const users = [...t.users.keys()];
        const seen = snapshot(t);
        for (const o of ops) apply(t, groups, users, o);
        replay(t, seen);
        assert.deepEqual(seen, snapshot(t));
        for (const [g, members] of seen.members)
          for (const m of members) assert.ok(t.memberOf(m).includes(g));
        for (const [u, m] of seen.manager) assert.ok(t.directReportsOf(m).includes(u));
      }),
      { seed: 20260115, numRuns: 60 },
    );
  });
});

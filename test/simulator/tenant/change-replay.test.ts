/**
 * Property: replaying the change log over the memberships a client saw at sequence 0 gives the
 * memberships the store holds now, whatever mix of adds, removes, deletes and restores happened.
 * This is what group delta with `$select=members` relies on.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Guid } from '../../../src/simulator/tenant/model.js';
import type { Tenant } from '../../../src/simulator/tenant/store.js';
import { freshTenant, groupIds, isPlainSecurity } from './fixtures.js';

type Op =
  | { op: 'add' | 'remove'; group: number; member: number }
  | { op: 'deleteUser' | 'restoreUser'; member: number }
  | { op: 'deleteGroup'; group: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constantFrom('add' as const, 'remove' as const),
      group: fc.nat(40),
      member: fc.nat(80),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('deleteUser' as const, 'restoreUser' as const),
      member: fc.nat(80),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('deleteGroup' as const), group: fc.nat(40) }) },
);

function snapshot(t: Tenant): Map<Guid, Set<Guid>> {
  return new Map([...t.groups.keys()].map((g) => [g, new Set(t.membersOf(g))]));
}

function apply(t: Tenant, groups: Guid[], users: Guid[], o: Op): void {
  const g = groups[('group' in o ? o.group : 0) % groups.length] as Guid;
  const u = users[('member' in o ? o.member : 0) % users.length] as Guid;
  // Rejections (unknown or deleted ids) are part of the contract; they must not be logged.
  const seq = t.currentSeq;
  try {
    if (o.op === 'add') t.addMember(g, u);
    else if (o.op === 'remove') t.removeMember(g, u);
    else if (o.op === 'deleteUser') t.deleteUser(u);
    else if (o.op === 'restoreUser') t.restoreUser(u);
    else t.deleteGroup(g);
  } catch {
    assert.equal(t.currentSeq, seq, `a rejected ${o.op} was logged`);
  }
}

describe('tenant change log: replay', () => {
  it('replaying member changes over the initial state reproduces the current memberships', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60 }), (ops) => {
        const { tenant: t } = freshTenant();
        const groups = groupIds(t, isPlainSecurity);
        const users = [...t.users.keys()];
        const seen = snapshot(t);
        for (const o of ops) apply(t, groups, users, o);
        let last = 0;
        for (const c of t.changesSince(0)) {
          assert.ok(c.seq > last, 'sequence numbers increase');
          last = c.seq;
          if (c.objectKind !== 'group') continue;
          if (c.kind === 'deleted') seen.delete(c.id);
          else if (c.relation?.name === 'members') {
            const set = seen.get(c.id) ?? new Set<Guid>();
            if (c.relation.removed) set.delete(c.relation.targetId);
            else set.add(c.relation.targetId);
            seen.set(c.id, set);
          }
        }
        assert.deepEqual(seen, snapshot(t));
        for (const [g, members] of seen) for (const m of members) assert.ok(t.memberOf(m).includes(g));
      }),
      { seed: 20260115, numRuns: 40 },
    );
  });
});

/**
 * Referential integrity of generated tenants: every link names an existing object, and every link
 * is one Entra would accept.
 */
import assert from 'node:assert/strict';
import { decodeRoleAssignmentId, ZERO_GUID } from '../../../src/simulator/tenant/ids.js';
import type { Guid } from '../../../src/simulator/tenant/model.js';
import { groupFlavour, memberRefusal } from '../../../src/simulator/tenant/rules.js';
import type { Tenant } from '../../../src/simulator/tenant/store.js';
import { sharedTenant } from './fixtures.js';

function hasCycle(t: Tenant): boolean {
  const state = new Map<Guid, 1 | 2>();
  const visit = (g: Guid): boolean => {
    state.set(g, 1);
    for (const m of t.membersOf(g)) {
      if (t.kindOf(m) !== 'group') continue;
      if (state.get(m) === 1) return true;
      if (!state.has(m) && visit(m)) return true;
    }
    state.set(g, 2);
    return false;
  };
  return [...t.groups.keys()].some((g) => !state.has(g) && visit(g));
}

for (const preset of ['demo', 'small'] as const) {
  describe(`${preset} tenant: referential integrity`, () => {
    const t = sharedTenant(preset);

    it('every member exists and is a kind its group accepts', () => {
      for (const g of t.groups.values()) {
        for (const m of t.membersOf(g.id)) {
          const kind = t.kindOf(m);
          assert.ok(kind, `member ${m} of ${g.id} does not exist`);
          assert.ok(t.memberOf(m).includes(g.id), 'reverse index');
          if (groupFlavour(g) === 'dynamic') assert.equal(kind, 'user');
          else assert.equal(memberRefusal(g, kind, t.groups.get(m)), undefined);
        }
      }
    });

    it('Microsoft 365 groups have only user members', () => {
      const m365 = [...t.groups.values()].filter((g) => g.groupTypes.includes('Unified'));
      assert.ok(m365.length > 0);
      for (const g of m365) for (const m of t.membersOf(g.id)) assert.equal(t.kindOf(m), 'user');
    });

    it('group nesting has no cycles', () => {
      assert.equal(hasCycle(t), false);
    });

    it('every owner and manager exists', () => {
      for (const id of [...t.groups.keys(), ...t.servicePrincipals.keys(), ...t.applications.keys()]) {
        for (const o of t.ownersOf(id))
          assert.ok(['user', 'servicePrincipal'].includes(t.kindOf(o) ?? ''), `owner ${o}`);
      }
      for (const u of t.users.keys()) {
        const m = t.managerOf(u);
        if (m) {
          assert.equal(t.kindOf(m), 'user');
          assert.ok(t.directReportsOf(m).includes(u));
        }
      }
    });

    it('every app-role assignment names an existing principal, resource and role', () => {
      for (const a of t.appRoleAssignments.values()) {
        const resource = t.servicePrincipals.get(a.resourceId);
        assert.ok(resource, `resource ${a.resourceId}`);
        const kind = t.kindOf(a.principalId);
        assert.equal(
          { user: 'User', group: 'Group', servicePrincipal: 'ServicePrincipal' }[kind as string],
          a.principalType,
        );
        assert.ok(a.appRoleId === ZERO_GUID || resource.appRoles.some((r) => r.id === a.appRoleId));
        assert.equal(a.resourceDisplayName, resource.displayName);
        assert.ok(
          t.appRoleAssignedTo(a.resourceId).includes(a) && t.appRoleAssignmentsOf(a.principalId).includes(a),
        );
      }
    });

    it('every role assignment and schedule instance names existing objects, with Graph-shaped ids', () => {
      for (const a of t.roleAssignments.values()) {
        assert.deepEqual(decodeRoleAssignmentId(a.id), {
          roleDefinitionId: a.roleDefinitionId,
          principalId: a.principalId,
        });
        assert.ok(t.roleDefinitions.has(a.roleDefinitionId));
        const kind = t.kindOf(a.principalId);
        assert.ok(kind === 'user' || kind === 'servicePrincipal' || kind === 'group');
        if (kind === 'group') assert.equal(t.groups.get(a.principalId)?.isAssignableToRole, true);
        const unit = /^\/administrativeUnits\/(.+)$/.exec(a.directoryScopeId);
        assert.ok(a.directoryScopeId === '/' || (unit && t.administrativeUnits.has(unit[1] as string)));
      }
      for (const i of [
        ...t.roleEligibilityScheduleInstances.values(),
        ...t.roleAssignmentScheduleInstances.values(),
      ]) {
        assert.ok(t.roleDefinitions.has(i.roleDefinitionId) && t.kindOf(i.principalId));
      }
    });

    it('user principal names are unique and mailNicknames are ASCII', () => {
      const upns = [...t.users.values()].map((u) => u.userPrincipalName.toLowerCase());
      assert.equal(new Set(upns).size, upns.length);
      for (const u of t.users.values()) assert.match(u.mailNickname, /^[\x21-\x7e]+$/);
    });

    it('administrative-unit members exist', () => {
      for (const id of t.administrativeUnits.keys()) {
        for (const m of t.administrativeUnitMembersOf(id))
          assert.ok(['user', 'group', 'device'].includes(t.kindOf(m) ?? ''));
      }
    });
  });
}

describe('small tenant: shape', () => {
  const t = sharedTenant('small');

  it('nests groups at least five deep', () => {
    const depth = (g: Guid): number => {
      const kids = t.membersOf(g).filter((m) => t.kindOf(m) === 'group');
      return kids.length === 0 ? 0 : 1 + Math.max(...kids.map(depth));
    };
    assert.ok(Math.max(...[...t.groups.keys()].map(depth)) >= 5);
  });

  it('has skewed group sizes: a few large groups, most small', () => {
    const sizes = [...t.groups.keys()].map((g) => t.memberCount(g)).sort((a, b) => b - a);
    const median = sizes[Math.floor(sizes.length / 2)] as number;
    assert.ok((sizes[0] as number) >= 1000, `largest ${sizes[0]}`);
    assert.ok(median <= 20, `median ${median}`);
  });
});

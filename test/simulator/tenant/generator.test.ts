import assert from 'node:assert/strict';
import { generateTenant, PRESETS, resolveSize } from '../../../src/simulator/tenant/generator.js';
import type { TenantSize } from '../../../src/simulator/tenant/model.js';
import { digest, EPOCH, sharedTenant } from './fixtures.js';

const at = (): number => EPOCH;

describe('tenant generator: determinism', () => {
  for (const preset of ['demo', 'small'] as const) {
    it(`${preset}: the same seed gives an identical tenant`, () => {
      assert.equal(
        digest(generateTenant({ preset, seed: 11, now: at })),
        digest(generateTenant({ preset, seed: 11, now: at })),
      );
    });

    it(`${preset}: another seed gives a different tenant`, () => {
      const a = generateTenant({ preset, seed: 11, now: at });
      const b = generateTenant({ preset, seed: 12, now: at });
      assert.notEqual(digest(a), digest(b));
      assert.notEqual(a.tenantId, b.tenantId);
    });
  }

  it('dates follow the generation instant', () => {
    const a = generateTenant({ preset: 'demo', seed: 11, now: at });
    const b = generateTenant({ preset: 'demo', seed: 11, now: () => EPOCH + 86_400_000 });
    assert.notEqual(digest(a), digest(b));
    assert.equal(a.tenantId, b.tenantId);
  });

  it('starts with an empty change log', () => {
    assert.equal(sharedTenant('demo').currentSeq, 0);
    assert.deepEqual(sharedTenant('demo').changesSince(0), []);
  });
});

describe('tenant generator: counts', () => {
  it('honours every count of the small preset', () => {
    const t = sharedTenant('small');
    const s = PRESETS.small;
    assert.equal(t.users.size, s.users);
    assert.equal([...t.users.values()].filter((u) => u.userType === 'Guest').length, s.guests);
    assert.equal(t.groups.size, s.groups);
    assert.ok(t.membershipCount >= s.memberships, `memberships ${t.membershipCount} < ${s.memberships}`);
    assert.ok(
      t.membershipCount <= s.memberships * 1.2,
      `memberships ${t.membershipCount} far above ${s.memberships}`,
    );
    assert.equal(t.servicePrincipals.size, s.servicePrincipals);
    assert.equal(
      [...t.servicePrincipals.values()].filter((p) => p.servicePrincipalType === 'ManagedIdentity').length,
      s.managedIdentities,
    );
    assert.equal(t.applications.size, s.applications);
    assert.equal(t.roleAssignments.size, s.roleAssignments);
    assert.equal(t.roleEligibilityScheduleInstances.size, s.roleEligibilities);
    assert.equal(t.devices.size, s.devices);
    assert.equal(t.orgContacts.size, s.orgContacts);
    assert.equal(t.administrativeUnits.size, s.administrativeUnits);
    assert.equal(t.subscribedSkus.length, s.skus);
    assert.equal(t.directoryAudits.length, s.directoryAudits);
  });

  const single: [keyof TenantSize, number, (t: ReturnType<typeof generateTenant>) => number][] = [
    ['users', 80, (t) => t.users.size],
    ['groups', 33, (t) => t.groups.size],
    ['devices', 7, (t) => t.devices.size],
    ['orgContacts', 9, (t) => t.orgContacts.size],
    ['applications', 10, (t) => t.applications.size],
    ['servicePrincipals', 30, (t) => t.servicePrincipals.size],
    ['roleAssignments', 20, (t) => t.roleAssignments.size],
    ['roleEligibilities', 9, (t) => t.roleEligibilityScheduleInstances.size],
    ['administrativeUnits', 3, (t) => t.administrativeUnits.size],
    ['directoryAudits', 25, (t) => t.directoryAudits.length],
    ['skus', 3, (t) => t.subscribedSkus.length],
  ];
  for (const [field, value, measure] of single) {
    it(`honours size.${field} set alone`, () => {
      const t = generateTenant({ preset: 'demo', seed: 3, size: { [field]: value }, now: at });
      assert.equal(measure(t), value);
    });
  }

  it('reaches at least size.memberships set alone', () => {
    const t = generateTenant({ preset: 'demo', seed: 3, size: { memberships: 400 }, now: at });
    assert.ok(t.membershipCount >= 400, `got ${t.membershipCount}`);
  });

  it('rejects bad sizes with the field named', () => {
    assert.throws(() => resolveSize('demo', { users: -1 }), /size\.users must be a non-negative integer/);
    assert.throws(() => resolveSize('demo', { groups: 2 }), /size\.groups must be at least/);
    assert.throws(() => resolveSize('demo', { bogus: 1 } as never), /size\.bogus is not a tenant size field/);
    assert.throws(() => resolveSize('nope' as never), /preset must be one of demo, small, large/);
    assert.throws(() => generateTenant({ preset: 'demo', seed: 1.5 }), /seed must be an integer/);
  });
});

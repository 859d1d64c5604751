/**
 * What the demo tenant's directory is guaranteed to contain (users, groups, devices, licences,
 * audits): connector tests rely on each of these.
 */
import assert from 'node:assert/strict';
import { SKU_TEMPLATES } from '../../../src/simulator/tenant/catalog.js';
import type { Guid, UserRecord } from '../../../src/simulator/tenant/model.js';
import { groupFlavour } from '../../../src/simulator/tenant/rules.js';
import { EPOCH, sharedTenant } from './fixtures.js';

const t = sharedTenant('demo');
const users = (): UserRecord[] => [...t.users.values()];
const groups = () => [...t.groups.values()];
const DAY = 86_400_000;

function nestingDepth(groupId: Guid): number {
  const children = t.membersOf(groupId).filter((m) => t.kindOf(m) === 'group');
  return children.length === 0 ? 0 : 1 + Math.max(...children.map(nestingDepth));
}

describe('demo tenant: users', () => {
  it('has members and guests with #EXT# UPNs on the initial domain', () => {
    const guests = users().filter((u) => u.userType === 'Guest');
    assert.ok(users().some((u) => u.userType === 'Member'));
    assert.ok(guests.length > 0);
    for (const g of guests) {
      assert.match(
        g.userPrincipalName,
        new RegExp(`^[^@#]+_[^@#]+#EXT#@${t.initialDomain.replace(/\./g, '\\.')}$`),
      );
      assert.ok(['Accepted', 'PendingAcceptance'].includes(g.externalUserState ?? ''));
    }
    assert.ok(guests.some((g) => g.externalUserState === 'PendingAcceptance'));
  });

  it('has disabled accounts', () => {
    assert.ok(
      users().some(
        (u) => u.userType === 'Member' && !u.accountEnabled && u.mailboxSettings.userPurpose === 'user',
      ),
    );
  });

  it('has manager chains at least three levels deep', () => {
    const depth = (id: Guid): number => {
      const m = t.managerOf(id);
      return m ? 1 + depth(m) : 0;
    };
    assert.ok(Math.max(...users().map((u) => depth(u.id))) >= 3);
    const top = [...t.users.keys()][0] as Guid;
    assert.ok(t.directReportsOf(top).length > 0);
  });

  it('has employeeIds of at most 16 characters', () => {
    const ids = users()
      .map((u) => u.employeeId)
      .filter((e): e is string => e !== null);
    assert.ok(ids.length > 0);
    for (const e of ids) assert.ok(e.length <= 16, e);
  });

  it('has some onPremisesExtensionAttributes set', () => {
    assert.ok(users().some((u) => Object.values(u.onPremisesExtensionAttributes).some((v) => v !== null)));
    assert.ok(users().some((u) => Object.values(u.onPremisesExtensionAttributes).every((v) => v === null)));
  });

  it('has on-premises synced users with immutableId and samAccountName', () => {
    const synced = users().filter((u) => u.onPremisesSyncEnabled === true);
    assert.ok(synced.length > 0);
    for (const u of synced) {
      assert.ok(u.onPremisesImmutableId && u.onPremisesSamAccountName);
      assert.ok(u.onPremisesSamAccountName.length <= 20);
    }
  });

  it('omits signInActivity for users who never signed in', () => {
    assert.ok(users().some((u) => !('signInActivity' in u)));
    assert.ok(users().some((u) => u.signInActivity?.lastSignInDateTime));
  });

  it('has licences consistent with the subscribed SKUs', () => {
    const used = new Map<Guid, number>();
    for (const u of users())
      for (const l of u.assignedLicenses) used.set(l.skuId, (used.get(l.skuId) ?? 0) + 1);
    assert.ok(used.size > 0);
    for (const sku of t.subscribedSkus) {
      assert.equal(sku.consumedUnits, used.get(sku.skuId) ?? 0, sku.skuPartNumber);
      assert.ok(sku.prepaidUnits.enabled >= sku.consumedUnits);
    }
    for (const u of users()) if (u.assignedLicenses.length > 0) assert.ok(u.usageLocation);
  });

  it('has Unicode names', () => {
    const names = new Set(users().map((u) => u.displayName));
    for (const n of ['Zoë Ærøskøbing', 'José Núñez', '王伟', 'Łukasz Żółć']) assert.ok(names.has(n), n);
  });

  it('has shared and room mailboxes', () => {
    const purposes = new Set(users().map((u) => u.mailboxSettings.userPurpose));
    assert.ok(purposes.has('shared') && purposes.has('room') && purposes.has('user'));
  });

  it('has two users with known passwords, one of them needing MFA', () => {
    const known = t.demoCredentials?.users ?? [];
    assert.ok(known.length >= 2);
    assert.deepEqual(known.map((k) => k.mfaRequired).sort(), [false, true]);
    for (const k of known) {
      assert.equal(t.users.get(k.id)?.userPrincipalName, k.userPrincipalName);
      assert.deepEqual(t.userCredentials.get(k.id), { password: k.password, mfaRequired: k.mfaRequired });
      assert.equal(t.users.get(k.id)?.accountEnabled, true);
    }
  });
});

describe('demo tenant: groups', () => {
  it('has every kind of group', () => {
    const flavours = new Set(groups().map(groupFlavour));
    for (const f of ['security', 'microsoft365', 'mailEnabledSecurity', 'distribution', 'dynamic'] as const)
      assert.ok(flavours.has(f), f);
    assert.ok(
      groups().some(
        (g) =>
          g.groupTypes.includes('DynamicMembership') &&
          g.membershipRule &&
          g.membershipRuleProcessingState === 'On',
      ),
    );
    assert.ok(groups().some((g) => g.onPremisesSyncEnabled === true && g.onPremisesSecurityIdentifier));
    assert.ok(groups().some((g) => g.isAssignableToRole === true));
  });

  it('has user and service-principal owners', () => {
    const owners = groups().flatMap((g) => t.ownersOf(g.id).map((o) => t.kindOf(o)));
    assert.ok(owners.includes('user') && owners.includes('servicePrincipal'));
  });

  it('nests groups at least five deep', () => {
    assert.ok(Math.max(...groups().map((g) => nestingDepth(g.id))) >= 5);
  });

  it('has members of every kind Graph allows', () => {
    const kinds = new Set(groups().flatMap((g) => t.membersOf(g.id).map((m) => t.kindOf(m))));
    for (const k of ['user', 'group', 'servicePrincipal', 'device', 'orgContact'])
      assert.ok(kinds.has(k as never), k);
  });

  it('has guests as group members', () => {
    assert.ok(users().some((u) => u.userType === 'Guest' && t.memberOf(u.id).length > 0));
  });
});

describe('demo tenant: the rest of the directory', () => {
  it('has real subscribed SKUs with service plans', () => {
    const known = new Set(SKU_TEMPLATES.map((s) => s.skuId));
    assert.ok(t.subscribedSkus.length > 0);
    for (const s of t.subscribedSkus) assert.ok(known.has(s.skuId) && s.servicePlans.length > 0);
    assert.ok(
      t.subscribedSkus.some(
        (s) => s.skuPartNumber === 'SPE_E3' && s.skuId === '05e9a617-0261-4cee-bb44-138d3ef5d965',
      ),
    );
  });

  it('has joined, hybrid and registered devices, stale and never signed in', () => {
    const devices = [...t.devices.values()];
    assert.deepEqual(new Set(devices.map((d) => d.trustType)), new Set(['AzureAd', 'ServerAd', 'Workplace']));
    assert.ok(devices.some((d) => d.approximateLastSignInDateTime === null));
    assert.ok(
      devices.some(
        (d) =>
          d.approximateLastSignInDateTime && EPOCH - Date.parse(d.approximateLastSignInDateTime) > 90 * DAY,
      ),
    );
  });

  it('has org contacts and administrative units with members', () => {
    assert.ok(t.orgContacts.size > 0);
    assert.ok(t.administrativeUnits.size > 0);
    for (const id of t.administrativeUnits.keys()) assert.ok(t.administrativeUnitMembersOf(id).length > 0);
  });

  it('has recent directory audits naming real targets, newest last', () => {
    const names = new Set(t.directoryAudits.map((a) => a.activityDisplayName));
    for (const n of ['Add member to group', 'Update user', 'Add app role assignment grant to user'])
      assert.ok(names.has(n), n);
    const times = t.directoryAudits.map((a) => Date.parse(a.activityDateTime));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
    for (const a of t.directoryAudits) {
      assert.ok(a.targetResources.length > 0);
      assert.ok(EPOCH - Date.parse(a.activityDateTime) <= 7 * DAY);
    }
  });
});

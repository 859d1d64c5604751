/**
 * What the demo tenant is guaranteed to contain: connector tests rely on each of these.
 */
import assert from 'node:assert/strict';
import { GRAPH_APP_ID, MICROSOFT_TENANT_ID, ROLE_TEMPLATES, SKU_TEMPLATES } from '../../../src/simulator/tenant/catalog.js';
import { ZERO_GUID } from '../../../src/simulator/tenant/ids.js';
import type { Guid, UserRecord } from '../../../src/simulator/tenant/model.js';
import { groupFlavour } from '../../../src/simulator/tenant/rules.js';
import { EPOCH, sharedTenant } from './fixtures.js';

const t = sharedTenant('demo');
const users = (): UserRecord[] => [...t.users.values()];
const groups = () => [...t.groups.values()];
const sps = () => [...t.servicePrincipals.values()];
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
      assert.match(g.userPrincipalName, new RegExp(`^[^@#]+_[^@#]+#EXT#@${t.initialDomain.replace(/\./g, '\\.')}$`));
      assert.ok(['Accepted', 'PendingAcceptance'].includes(g.externalUserState ?? ''));
    }
    assert.ok(guests.some((g) => g.externalUserState === 'PendingAcceptance'));
  });

  it('has disabled accounts', () => {
    assert.ok(users().some((u) => u.userType === 'Member' && !u.accountEnabled && u.mailboxSettings.userPurpose === 'user'));
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
    const ids = users().map((u) => u.employeeId).filter((e): e is string => e !== null);
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
    for (const u of users()) for (const l of u.assignedLicenses) used.set(l.skuId, (used.get(l.skuId) ?? 0) + 1);
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
    for (const f of ['security', 'microsoft365', 'mailEnabledSecurity', 'distribution', 'dynamic'] as const) assert.ok(flavours.has(f), f);
    assert.ok(groups().some((g) => g.groupTypes.includes('DynamicMembership') && g.membershipRule && g.membershipRuleProcessingState === 'On'));
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
    for (const k of ['user', 'group', 'servicePrincipal', 'device', 'orgContact']) assert.ok(kinds.has(k as never), k);
  });

  it('has guests as group members', () => {
    assert.ok(users().some((u) => u.userType === 'Guest' && t.memberOf(u.id).length > 0));
  });
});

describe('demo tenant: directory roles', () => {
  it('has the built-in role definitions with their template ids', () => {
    for (const r of ROLE_TEMPLATES) {
      const def = t.roleDefinitions.get(r.templateId);
      assert.ok(def?.isBuiltIn && def.templateId === r.templateId && def.displayName === r.displayName, r.displayName);
    }
  });

  it('has tenant-wide and administrative-unit scoped assignments', () => {
    const scopes = [...t.roleAssignments.values()].map((a) => a.directoryScopeId);
    assert.ok(scopes.includes('/'));
    assert.ok(scopes.some((s) => s.startsWith('/administrativeUnits/')));
  });

  it('assigns roles to users, role-assignable groups and service principals', () => {
    const kinds = new Set([...t.roleAssignments.values()].map((a) => t.kindOf(a.principalId)));
    assert.ok(kinds.has('user') && kinds.has('group') && kinds.has('servicePrincipal'));
  });

  it('has PIM eligibilities, some to groups', () => {
    const eligible = [...t.roleEligibilityScheduleInstances.values()];
    assert.ok(eligible.length > 0);
    assert.ok(eligible.some((e) => t.kindOf(e.principalId) === 'group'));
  });

  it('has Assigned and Activated schedule instances consistent with assignments and eligibilities', () => {
    const active = [...t.roleAssignmentScheduleInstances.values()];
    assert.ok(active.some((a) => a.assignmentType === 'Assigned'));
    assert.ok(active.some((a) => a.assignmentType === 'Activated'));
    for (const a of active) {
      const ra = t.roleAssignments.get(a.id);
      assert.ok(ra && ra.principalId === a.principalId && ra.roleDefinitionId === a.roleDefinitionId, a.id);
      if (a.assignmentType === 'Activated') {
        const e = t.roleEligibilityScheduleInstances.get(a.roleEligibilityScheduleId ?? '');
        assert.ok(e && e.principalId === a.principalId && e.roleDefinitionId === a.roleDefinitionId);
      }
    }
    assert.equal(active.length, t.roleAssignments.size);
  });
});

describe('demo tenant: applications and service principals', () => {
  it('has tenant-owned apps with roles for users and for applications', () => {
    const own = sps().filter((p) => p.appOwnerOrganizationId === t.tenantId && p.servicePrincipalType === 'Application');
    const types = new Set(own.flatMap((p) => p.appRoles.map((r) => r.allowedMemberTypes.join('+'))));
    assert.ok(types.has('User') && types.has('Application') && types.has('User+Application'));
  });

  it('has managed identities and Microsoft first-party service principals', () => {
    assert.ok(sps().some((p) => p.servicePrincipalType === 'ManagedIdentity'));
    const graph = sps().find((p) => p.appId === GRAPH_APP_ID);
    assert.equal(graph?.appOwnerOrganizationId, MICROSOFT_TENANT_ID);
    assert.ok(graph?.appRoles.some((r) => r.value === 'User.Read.All' && r.id === 'df021288-bdef-4463-88db-98f22de89214'));
  });

  it('has app-role assignments to users, groups and service principals, including default access', () => {
    const grants = [...t.appRoleAssignments.values()];
    const types = new Set(grants.map((g) => g.principalType));
    assert.ok(types.has('User') && types.has('Group') && types.has('ServicePrincipal'));
    assert.ok(grants.some((g) => g.appRoleId === ZERO_GUID));
    const someSp = grants[0]?.resourceId as Guid;
    assert.ok(t.appRoleAssignedTo(someSp).length > 0);
  });

  it('has service-principal owners and apps without assignments', () => {
    assert.ok(sps().some((p) => t.ownersOf(p.id).length > 0));
    assert.ok(sps().some((p) => t.ownersOf(p.id).some((o) => t.kindOf(o) === 'servicePrincipal')));
    assert.ok(sps().some((p) => p.servicePrincipalType === 'Application' && p.appOwnerOrganizationId !== MICROSOFT_TENANT_ID && t.appRoleAssignedTo(p.id).length === 0));
  });

  it('has app credentials expired, expiring within 30 days, and long-lived', () => {
    const ends = [...t.applications.values()].flatMap((a) => [...a.passwordCredentials, ...a.keyCredentials].map((c) => Date.parse(c.endDateTime) - EPOCH));
    assert.ok(ends.some((d) => d < 0), 'expired');
    assert.ok(ends.some((d) => d > 0 && d <= 30 * DAY), 'expiring within 30 days');
    assert.ok(ends.some((d) => d > 180 * DAY), 'long-lived');
  });

  it('has synchronization jobs on two service principals', () => {
    assert.ok(t.synchronizationJobs.size >= 2);
    for (const spId of t.synchronizationJobs.keys()) assert.ok(t.servicePrincipals.has(spId));
  });
});

describe('demo tenant: the rest of the directory', () => {
  it('has real subscribed SKUs with service plans', () => {
    const known = new Set(SKU_TEMPLATES.map((s) => s.skuId));
    assert.ok(t.subscribedSkus.length > 0);
    for (const s of t.subscribedSkus) assert.ok(known.has(s.skuId) && s.servicePlans.length > 0);
    assert.ok(t.subscribedSkus.some((s) => s.skuPartNumber === 'SPE_E3' && s.skuId === '05e9a617-0261-4cee-bb44-138d3ef5d965'));
  });

  it('has joined, hybrid and registered devices, stale and never signed in', () => {
    const devices = [...t.devices.values()];
    assert.deepEqual(new Set(devices.map((d) => d.trustType)), new Set(['AzureAd', 'ServerAd', 'Workplace']));
    assert.ok(devices.some((d) => d.approximateLastSignInDateTime === null));
    assert.ok(devices.some((d) => d.approximateLastSignInDateTime && EPOCH - Date.parse(d.approximateLastSignInDateTime) > 90 * DAY));
  });

  it('has org contacts and administrative units with members', () => {
    assert.ok(t.orgContacts.size > 0);
    assert.ok(t.administrativeUnits.size > 0);
    for (const id of t.administrativeUnits.keys()) assert.ok(t.administrativeUnitMembersOf(id).length > 0);
  });

  it('has recent directory audits naming real targets, newest last', () => {
    const names = new Set(t.directoryAudits.map((a) => a.activityDisplayName));
    for (const n of ['Add member to group', 'Update user', 'Add app role assignment grant to user']) assert.ok(names.has(n), n);
    const times = t.directoryAudits.map((a) => Date.parse(a.activityDateTime));
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
    for (const a of t.directoryAudits) {
      assert.ok(a.targetResources.length > 0);
      assert.ok(EPOCH - Date.parse(a.activityDateTime) <= 7 * DAY);
    }
  });
});

describe('demo tenant: registered clients', () => {
  const creds = t.demoCredentials;

  it('has a confidential client whose secret matches its application credential', () => {
    assert.ok(creds);
    const client = t.clients.get(creds.confidentialClient.clientId);
    assert.ok(client && !client.isPublicClient);
    const secret = client.secrets[0];
    assert.equal(secret?.value, creds.confidentialClient.clientSecret);
    assert.equal(secret.value.length, 40);
    const app = t.applications.get(client.applicationObjectId as Guid);
    assert.equal(app?.appId, client.clientId);
    assert.equal(app.passwordCredentials[0]?.endDateTime, secret.endDateTime);
    assert.equal(app.passwordCredentials[0]?.keyId, secret.keyId);
  });

  it('grants the confidential client what a sync and provisioning need', () => {
    const client = t.clients.get(creds?.confidentialClient.clientId as Guid);
    const needed = [
      'User.Read.All', 'Group.Read.All', 'GroupMember.Read.All', 'Directory.Read.All', 'Application.Read.All', 'AuditLog.Read.All',
      'RoleManagement.Read.Directory', 'RoleAssignmentSchedule.Read.Directory', 'RoleEligibilitySchedule.Read.Directory',
      'Device.Read.All', 'Organization.Read.All', 'Synchronization.Read.All', 'User.ReadWrite.All', 'GroupMember.ReadWrite.All',
      'Group.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'RoleManagement.ReadWrite.Directory',
      'User.EnableDisableAccount.All', 'User.RevokeSessions.All', 'Synchronization.ReadWrite.All',
    ];
    for (const r of needed) assert.ok(client?.graphRoles.includes(r), r);
    assert.deepEqual(client?.exchangeRoles, ['Exchange.ManageAsApp']);
    // The same grants exist as app-role assignments on the Graph service principal.
    const sp = sps().find((p) => p.appId === client?.clientId) as { id: Guid };
    const graph = sps().find((p) => p.appId === GRAPH_APP_ID);
    const granted = t.appRoleAssignmentsOf(sp.id).filter((a) => a.resourceId === graph?.id).map((a) => graph?.appRoles.find((r) => r.id === a.appRoleId)?.value);
    for (const r of needed) assert.ok(granted.includes(r), r);
  });

  it('has a public client for the password grant', () => {
    const client = t.clients.get(creds?.publicClient.clientId as Guid);
    assert.ok(client?.isPublicClient);
    assert.deepEqual(client.secrets, []);
  });
});

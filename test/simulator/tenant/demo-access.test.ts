/**
 * What the demo tenant's access data is guaranteed to contain (directory roles, PIM, apps,
 * app-role assignments, registered clients): connector tests rely on each of these.
 */
import assert from 'node:assert/strict';
import { GRAPH_APP_ID, MICROSOFT_TENANT_ID } from '../../../src/simulator/tenant/catalog-apps.js';
import { ROLE_TEMPLATES } from '../../../src/simulator/tenant/catalog.js';
import { ZERO_GUID } from '../../../src/simulator/tenant/ids.js';
import type { Guid } from '../../../src/simulator/tenant/model.js';
import { EPOCH, sharedTenant } from './fixtures.js';

const t = sharedTenant('demo');
const sps = () => [...t.servicePrincipals.values()];
const DAY = 86_400_000;

describe('demo tenant: directory roles', () => {
  it('has the built-in role definitions with their template ids', () => {
    for (const r of ROLE_TEMPLATES) {
      const def = t.roleDefinitions.get(r.templateId);
      assert.ok(
        def?.isBuiltIn && def.templateId === r.templateId && def.displayName === r.displayName,
        r.displayName,
      );
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
    const own = sps().filter(
      (p) => p.appOwnerOrganizationId === t.tenantId && p.servicePrincipalType === 'Application',
    );
    const types = new Set(own.flatMap((p) => p.appRoles.map((r) => r.allowedMemberTypes.join('+'))));
    assert.ok(types.has('User') && types.has('Application') && types.has('User+Application'));
  });

  it('has managed identities and Microsoft first-party service principals', () => {
    assert.ok(sps().some((p) => p.servicePrincipalType === 'ManagedIdentity'));
    const graph = sps().find((p) => p.appId === GRAPH_APP_ID);
    assert.equal(graph?.appOwnerOrganizationId, MICROSOFT_TENANT_ID);
    assert.ok(
      graph?.appRoles.some(
        (r) => r.value === 'User.Read.All' && r.id === 'df021288-bdef-4463-88db-98f22de89214',
      ),
    );
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
    assert.ok(
      sps().some(
        (p) =>
          p.servicePrincipalType === 'Application' &&
          p.appOwnerOrganizationId !== MICROSOFT_TENANT_ID &&
          t.appRoleAssignedTo(p.id).length === 0,
      ),
    );
  });

  it('has app credentials expired, expiring within 30 days, and long-lived', () => {
    const ends = [...t.applications.values()].flatMap((a) =>
      [...a.passwordCredentials, ...a.keyCredentials].map((c) => Date.parse(c.endDateTime) - EPOCH),
    );
    assert.ok(
      ends.some((d) => d < 0),
      'expired',
    );
    assert.ok(
      ends.some((d) => d > 0 && d <= 30 * DAY),
      'expiring within 30 days',
    );
    assert.ok(
      ends.some((d) => d > 180 * DAY),
      'long-lived',
    );
  });

  it('has synchronization jobs on two service principals', () => {
    assert.ok(t.synchronizationJobs.size >= 2);
    for (const spId of t.synchronizationJobs.keys()) assert.ok(t.servicePrincipals.has(spId));
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
      'User.Read.All',
      'Group.Read.All',
      'GroupMember.Read.All',
      'Directory.Read.All',
      'Application.Read.All',
      'AuditLog.Read.All',
      'RoleManagement.Read.Directory',
      'RoleAssignmentSchedule.Read.Directory',
      'RoleEligibilitySchedule.Read.Directory',
      'Device.Read.All',
      'Organization.Read.All',
      'Synchronization.Read.All',
      'User.ReadWrite.All',
      'GroupMember.ReadWrite.All',
      'Group.ReadWrite.All',
      'AppRoleAssignment.ReadWrite.All',
      'RoleManagement.ReadWrite.Directory',
      'User.EnableDisableAccount.All',
      'User.RevokeSessions.All',
      'Synchronization.ReadWrite.All',
    ];
    for (const r of needed) assert.ok(client?.graphRoles.includes(r), r);
    assert.deepEqual(client?.exchangeRoles, ['Exchange.ManageAsApp']);
    // The same grants exist as app-role assignments on the Graph service principal.
    const sp = sps().find((p) => p.appId === client?.clientId) as { id: Guid };
    const graph = sps().find((p) => p.appId === GRAPH_APP_ID);
    const granted = t
      .appRoleAssignmentsOf(sp.id)
      .filter((a) => a.resourceId === graph?.id)
      .map((a) => graph?.appRoles.find((r) => r.id === a.appRoleId)?.value);
    for (const r of needed) assert.ok(granted.includes(r), r);
  });

  it('has a public client for the password grant', () => {
    const client = t.clients.get(creds?.publicClient.clientId as Guid);
    assert.ok(client?.isPublicClient);
    assert.deepEqual(client.secrets, []);
  });
});

import assert from 'node:assert/strict';
import { guid, SKU_E5 } from './support/fixture-data.js';
import { graphClient, raw, startFixtureSim, token, type FixtureSim } from './support/sim.js';

describe('simulator Graph writes', () => {
  let f: FixtureSim;
  let tok: string;
  const send = (method: string, path: string, body?: unknown) =>
    raw(f.sim, `/v1.0${path}`, {
      method,
      token: tok,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
  before(async () => {
    f = await startFixtureSim({ users: 20, groups: 6 }, { throttling: false });
    tok = await token(f.sim);
  });
  after(() => f.sim.close());

  it('members/$ref: 204, duplicate add 400 "already exist", remove 204, remove again 404', async () => {
    const g = guid('00006400', 3);
    const u = guid('00000a11', 19);
    assert.equal((await send('POST', `/groups/${g}/members/$ref`, ref(u))).status, 204);
    assert.ok(f.tenant.membersOf(g).includes(u));
    const dup = await send('POST', `/groups/${g}/members/$ref`, ref(u));
    assert.equal(dup.status, 400);
    assert.equal(
      dup.body.error.message,
      "One or more added object references already exist for the following modified properties: 'members'.",
    );
    assert.equal((await send('DELETE', `/groups/${g}/members/${u}/$ref`)).status, 204);
    assert.equal((await send('DELETE', `/groups/${g}/members/${u}/$ref`)).status, 404);
    assert.equal((await send('POST', `/groups/${g}/owners/$ref`, ref(u))).status, 204);
    assert.ok(f.tenant.ownersOf(g).includes(u));
  });

  it('read-only and synced groups refuse membership writes with the observed 400s', async () => {
    const distribution = await send(
      'POST',
      `/groups/${guid('00006400', 2)}/members/$ref`,
      ref(guid('00000a11', 1)),
    );
    assert.equal(distribution.status, 400);
    assert.equal(
      distribution.body.error.message,
      'Cannot Update a mail-enabled security groups and or distribution list.',
    );
    const synced = await send(
      'POST',
      `/groups/${guid('00006400', 0)}/members/$ref`,
      ref(guid('00000a11', 19)),
    );
    assert.equal(synced.status, 400);
    assert.match(synced.body.error.message, /on-premises mastered Directory Sync objects/);
    assert.equal(
      (await send('POST', `/groups/${guid('00006400', 3)}/members/$ref`, ref(guid('00000a11', 999)))).status,
      404,
    );
  });

  it('users: create 201 (duplicate UPN 400, missing field 400), patch 204, synced user 400, delete 204 (soft)', async () => {
    const client = graphClient(f.sim);
    const created = await client.api('/users').post({
      accountEnabled: true,
      displayName: 'Ada',
      mailNickname: 'ada',
      userPrincipalName: 'ada@fixture.onmicrosoft.com',
      passwordProfile: { password: 'S3cret!pass', forceChangePasswordNextSignIn: true },
    });
    assert.ok(f.tenant.users.has(created.id));
    const dup = await send('POST', '/users', {
      accountEnabled: true,
      displayName: 'Ada',
      mailNickname: 'ada2',
      userPrincipalName: 'ADA@fixture.onmicrosoft.com',
      passwordProfile: { password: 'x' },
    });
    assert.equal(
      dup.body.error.message,
      'Another object with the same value for property userPrincipalName already exists.',
    );
    const missing = await send('POST', '/users', { displayName: 'X' });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /'accountEnabled' is required/);
    assert.equal(
      (await send('PATCH', `/users/${created.id}`, { jobTitle: 'Engineer', accountEnabled: false })).status,
      204,
    );
    assert.equal(f.tenant.users.get(created.id)!.jobTitle, 'Engineer');
    assert.equal((await send('PATCH', `/users/${created.id}`, { shoeSize: 9 })).status, 400);
    assert.equal(
      (await send('PATCH', `/users/${guid('00000a11', 5)}`, { displayName: 'Renamed' })).status,
      400,
      'user 5 is synced from on-premises',
    );
    assert.equal((await send('DELETE', `/users/${created.id}`)).status, 204);
    assert.ok(f.tenant.deletedUsers.has(created.id));
    const deleted = await send('GET', '/directory/deletedItems/microsoft.graph.user');
    assert.ok(deleted.body.value.some((u: { id: string }) => u.id === created.id));
  });

  it('manager/$ref, assignLicense, appRoleAssignedTo and roleAssignments', async () => {
    const u = guid('00000a11', 7);
    assert.equal((await send('PUT', `/users/${u}/manager/$ref`, ref(guid('00000a11', 2)))).status, 204);
    assert.equal((await send('GET', `/users/${u}/manager`)).body.id, guid('00000a11', 2));
    assert.equal((await send('DELETE', `/users/${u}/manager/$ref`)).status, 204);
    assert.equal((await send('GET', `/users/${u}/manager`)).status, 404);
    const lic = await send('POST', `/users/${u}/assignLicense`, {
      addLicenses: [{ skuId: SKU_E5, disabledPlans: [] }],
      removeLicenses: [],
    });
    assert.equal(lic.status, 200);
    assert.deepEqual(lic.body.assignedLicenses, [{ skuId: SKU_E5, disabledPlans: [] }]);
    assert.equal(
      (
        await send('POST', `/users/${u}/assignLicense`, {
          addLicenses: [{ skuId: guid('1', 1) }],
          removeLicenses: [],
        })
      ).status,
      400,
    );
    const sp = [...f.tenant.servicePrincipals.values()][0]!;
    const grant = await send('POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
      principalId: u,
      resourceId: sp.id,
      appRoleId: sp.appRoles[0]!.id,
    });
    assert.equal(grant.status, 201);
    assert.equal(Buffer.from(grant.body.id, 'base64url').length, 32);
    assert.equal(
      (
        await send('POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
          principalId: u,
          resourceId: sp.id,
          appRoleId: sp.appRoles[0]!.id,
        })
      ).status,
      400,
    );
    assert.equal(
      (await send('DELETE', `/servicePrincipals/${sp.id}/appRoleAssignedTo/${grant.body.id}`)).status,
      204,
    );
    const roleDef = [...f.tenant.roleDefinitions.keys()][0]!;
    const ra = await send('POST', '/roleManagement/directory/roleAssignments', {
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      roleDefinitionId: roleDef,
      principalId: u,
      directoryScopeId: '/',
    });
    assert.equal(ra.status, 201);
    assert.match(ra.body.id, /^[A-Za-z0-9_-]{43}-1$/);
    assert.equal(
      (await send('DELETE', `/roleManagement/directory/roleAssignments/${ra.body.id}`)).status,
      204,
    );
  });

  it('bulk members@odata.bind (≤20, all-or-nothing), revokeSignInSessions, restore, device and SP switches', async () => {
    const g = guid('00006400', 1);
    const url = (n: number) => `https://graph.microsoft.com/v1.0/directoryObjects/${guid('00000a11', n)}`;
    const fresh = [10, 11].filter((n) => !f.tenant.membersOf(g).includes(guid('00000a11', n)));
    assert.equal(fresh.length, 2);
    assert.equal(
      (
        await send('PATCH', `/groups/${g}`, {
          'members@odata.bind': Array.from({ length: 21 }, (_, i) => url(i)),
        })
      ).status,
      400,
    );
    const existing = f.tenant.membersOf(g)[0]!;
    const mixed = await send('PATCH', `/groups/${g}`, {
      'members@odata.bind': [url(10), `https://graph.microsoft.com/v1.0/directoryObjects/${existing}`],
    });
    assert.equal(mixed.status, 400);
    assert.ok(
      !f.tenant.membersOf(g).includes(guid('00000a11', 10)),
      'nothing is added when one reference fails',
    );
    assert.equal(
      (await send('PATCH', `/groups/${g}`, { 'members@odata.bind': [url(10), url(11)] })).status,
      204,
    );
    assert.ok(f.tenant.membersOf(g).includes(guid('00000a11', 11)));
    const u = guid('00000a11', 12);
    assert.equal((await send('POST', `/users/${u}/revokeSignInSessions`)).body.value, true);
    assert.equal((await send('DELETE', `/users/${u}`)).status, 204);
    const restored = await send('POST', `/directory/deletedItems/${u}/restore`);
    assert.equal(restored.status, 200);
    assert.ok(f.tenant.users.has(u));
    const device = [...f.tenant.devices.keys()][0]!;
    assert.equal((await send('PATCH', `/devices/${device}`, { accountEnabled: false })).status, 204);
    assert.equal(f.tenant.devices.get(device)!.accountEnabled, false);
    const spOwned = [...f.tenant.servicePrincipals.keys()][2]!;
    assert.equal(
      (await send('POST', `/servicePrincipals/${spOwned}/owners/$ref`, ref(guid('00000a11', 3)))).status,
      204,
    );
    assert.equal(
      (await send('POST', `/servicePrincipals/${spOwned}/owners/$ref`, ref(guid('00000a11', 3)))).status,
      400,
    );
    assert.deepEqual(
      (await send('GET', `/servicePrincipals/${spOwned}/owners`)).body.value.map((o: { id: string }) => o.id),
      [guid('00000a11', 3)],
    );
    assert.equal(
      (await send('DELETE', `/servicePrincipals/${spOwned}/owners/${guid('00000a11', 3)}/$ref`)).status,
      204,
    );
    const sp = [...f.tenant.servicePrincipals.keys()][1]!;
    assert.equal((await send('PATCH', `/servicePrincipals/${sp}`, { accountEnabled: false })).status, 204);
    assert.equal((await send('PATCH', `/servicePrincipals/${sp}`, { displayName: 'x' })).status, 400);
  });

  it('writes land in the directory audit log with Entra activity names, newest first', async () => {
    const g = guid('00006400', 3);
    const u = guid('00000a11', 17);
    assert.equal((await send('POST', `/groups/${g}/members/$ref`, ref(u))).status, 204);
    const sp = [...f.tenant.servicePrincipals.values()][1]!;
    const grant = await send('POST', `/servicePrincipals/${sp.id}/appRoleAssignedTo`, {
      principalId: u,
      resourceId: sp.id,
      appRoleId: sp.appRoles[0]!.id,
    });
    assert.equal(grant.status, 201);
    const audits = (await send('GET', '/auditLogs/directoryAudits?$top=2')).body.value;
    assert.equal(audits[0].activityDisplayName, 'Add app role assignment grant to user');
    assert.deepEqual(
      audits[0].targetResources.map((t: { id: string }) => t.id),
      [u, sp.id],
    );
    assert.equal(audits[1].activityDisplayName, 'Add member to group');
    assert.deepEqual(
      audits[1].targetResources.map((t: { id: string; type: string }) => [t.type, t.id]),
      [
        ['Group', g],
        ['User', u],
      ],
    );
    assert.equal(audits[1].initiatedBy.app.appId, f.sim.clientId);
  });

  it('writes cost 1 RU and need a ReadWrite permission', async () => {
    const r = await send('POST', `/groups/${guid('00006400', 4)}/members/$ref`, ref(guid('00000a11', 18)));
    assert.equal(r.headers.get('x-ms-resource-unit'), '1');
    const { CLIENT_ID } = await import('./support/fixture-data.js');
    const c = f.tenant.clients.get(CLIENT_ID)!;
    f.tenant.updateClient(CLIENT_ID, { graphRoles: ['Group.Read.All', 'User.Read.All'] });
    const readOnly = await token(f.sim);
    f.tenant.updateClient(CLIENT_ID, { graphRoles: c.graphRoles });
    const denied = await raw(
      f.sim,
      `/v1.0/groups/${guid('00006400', 4)}/members/${guid('00000a11', 18)}/$ref`,
      { method: 'DELETE', token: readOnly },
    );
    assert.equal(denied.status, 403);
  });
});

import assert from 'node:assert/strict';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { guid, SKU_E5 } from './support/fixture-data.js';
import { graphClient, raw, startFixtureSim, token, type FixtureSim } from './support/sim.js';

describe('simulator Graph reads: paging and OData options', () => {
  let f: FixtureSim;
  let tok: string;
  const get = (path: string, headers: Record<string, string> = {}) =>
    raw(f.sim, path, { token: tok, headers });
  before(async () => {
    f = await startFixtureSim(
      { users: 260, groups: 6, membersPerGroup: (i) => (i === 3 ? 150 : i * 5) },
      { throttling: false },
    );
    tok = await token(f.sim);
    f.tenant.setManager(guid('00000a11', 5), guid('00000a11', 0));
  });
  after(() => f.sim.close());

  async function all(path: string): Promise<{ id: string }[]> {
    const client = graphClient(f.sim);
    const out: { id: string }[] = [];
    await new PageIterator(
      client,
      await client.api(path).get(),
      (x: { id: string }) => (out.push(x), true),
    ).iterate();
    return out;
  }

  it('pages users, groups and every group membership to completion, equal to the tenant', async () => {
    assert.deepEqual(
      (await all('/users?$select=id')).map((u) => u.id),
      [...f.tenant.users.keys()],
    );
    assert.deepEqual(
      (await all('/groups')).map((g) => g.id),
      [...f.tenant.groups.keys()],
    );
    for (const g of f.tenant.groups.keys()) {
      assert.deepEqual(
        (await all(`/groups/${g}/members?$select=id&$top=40`)).map((m) => m.id),
        f.tenant.membersOf(g),
      );
    }
  });

  it('default page 100 with an opaque $skiptoken nextLink carrying the options; $top max 999', async () => {
    const first = await get('/v1.0/users?$select=id,displayName');
    assert.equal(first.body.value.length, 100);
    const next = new URL(first.body['@odata.nextLink']);
    assert.equal(next.searchParams.get('$select'), 'id,displayName');
    assert.ok(next.searchParams.get('$skiptoken'));
    assert.match(first.body['@odata.context'], /\$metadata#users\(id,displayName\)$/);
    assert.equal((await get('/v1.0/users?$top=999')).body.value.length, 260);
    const tooBig = await get('/v1.0/users?$top=1000');
    assert.equal(tooBig.status, 400);
    assert.match(tooBig.body.error.message, /Must be between 1 and 999/);
  });

  it('$select: id always, default projection without it, unknown property 400, single-GET-only 501', async () => {
    const sel = await get('/v1.0/users?$select=displayName&$top=1');
    assert.deepEqual(Object.keys(sel.body.value[0]).sort(), ['displayName', 'id']);
    const def = await get('/v1.0/users?$top=1');
    assert.equal(Object.keys(def.body.value[0]).length, 11);
    assert.equal(def.body.value[0].accountEnabled, undefined);
    const unknown = await get('/v1.0/users?$select=id,shoeSize');
    assert.equal(unknown.status, 400);
    assert.equal(
      unknown.body.error.message,
      "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
    );
    assert.equal((await get('/v1.0/users?$select=id,mailboxSettings')).status, 501);
    const one = await get(`/v1.0/users/${guid('00000a11', 2)}?$select=id,mailboxSettings`);
    assert.equal(one.body.mailboxSettings.userPurpose, 'user');
    assert.equal((await get(`/v1.0/users/${guid('00000a11', 2)}/mailboxSettings`)).body.userPurpose, 'user');
  });

  it('$filter: eq, in, startswith, any(), and/or; advanced operators need ConsistencyLevel + $count', async () => {
    const users = [...f.tenant.users.values()];
    const enabled = await all('/users?$filter=accountEnabled eq true&$select=id');
    assert.equal(enabled.length, users.filter((u) => u.accountEnabled).length);
    const licensed = await all(`/users?$filter=assignedLicenses/any(x:x/skuId eq ${SKU_E5})&$select=id`);
    assert.equal(licensed.length, users.filter((u) => u.assignedLicenses.length > 0).length);
    const upn = await get(
      `/v1.0/users?$filter=${encodeURIComponent("userPrincipalName eq 'USER7@fixture.onmicrosoft.com'")}`,
    );
    assert.deepEqual(
      upn.body.value.map((u: { id: string }) => u.id),
      [guid('00000a11', 7)],
    );
    const inList = await get(
      `/v1.0/users?$filter=${encodeURIComponent(`id in ('${guid('00000a11', 1)}','${guid('00000a11', 2)}') or startswith(displayName,'User 25')`)}&$select=id`,
    );
    assert.equal(inList.body.value.length, 2 + 11);
    const ne = await get(`/v1.0/users?$filter=${encodeURIComponent('onPremisesSyncEnabled ne true')}`);
    assert.equal(ne.status, 400);
    assert.equal(ne.body.error.code, 'Request_UnsupportedQuery');
    const neOk = await get(
      `/v1.0/users?$filter=${encodeURIComponent('onPremisesSyncEnabled ne true')}&$count=true&$select=id`,
      { ConsistencyLevel: 'eventual' },
    );
    assert.equal(neOk.body['@odata.count'], users.filter((u) => u.onPremisesSyncEnabled !== true).length);
    const page2 = await get(
      new URL(neOk.body['@odata.nextLink']).pathname + new URL(neOk.body['@odata.nextLink']).search,
      { ConsistencyLevel: 'eventual' },
    );
    assert.equal(page2.status, 200);
    assert.equal(page2.body['@odata.count'], undefined, '@odata.count on the first page only');
    assert.equal((await get('/v1.0/users?$count=true')).status, 400);
    const sps = await get(
      `/v1.0/servicePrincipals?$filter=${encodeURIComponent("servicePrincipalType eq 'Application' and accountEnabled eq true")}`,
    );
    assert.ok(
      sps.body.value.length > 0 &&
        sps.body.value.every(
          (s: { servicePrincipalType: string }) => s.servicePrincipalType === 'Application',
        ),
    );
  });

  it('not(), $search, $orderby and mixed-kind collections projected per kind', async () => {
    const ev = { ConsistencyLevel: 'eventual' };
    const notEnabled = await get(
      `/v1.0/users?$filter=${encodeURIComponent('not(accountEnabled eq true)')}&$count=true&$select=id`,
      ev,
    );
    assert.equal(
      notEnabled.body['@odata.count'],
      [...f.tenant.users.values()].filter((u) => !u.accountEnabled).length,
    );
    const search = await get(
      `/v1.0/users?$search=${encodeURIComponent('"displayName:User 25"')}&$select=id,displayName&$top=50`,
      ev,
    );
    assert.equal(search.body.value.length, 11);
    assert.equal(
      (await get(`/v1.0/users?$search=${encodeURIComponent('"displayName:x"')}`)).status,
      400,
      '$search needs ConsistencyLevel',
    );
    const ordered = await get('/v1.0/users?$orderby=displayName desc&$select=displayName&$top=3');
    assert.deepEqual(
      ordered.body.value.map((u: { displayName: string }) => u.displayName),
      ['User 99', 'User 98', 'User 97'],
    );
    const members = await get(`/v1.0/groups/${guid('00006400', 3)}/members?$top=1`);
    assert.equal(members.body.value[0]['@odata.type'], '#microsoft.graph.user');
    assert.equal(
      Object.keys(members.body.value[0]).length,
      12,
      '@odata.type + the 11 default user properties',
    );
    const g = guid('00006400', 3);
    f.tenant.addMember(g, guid('00006400', 0));
    const users = await all(`/groups/${g}/members/microsoft.graph.user?$select=id&$top=7`);
    assert.deepEqual(
      users.map((u) => u.id),
      f.tenant.membersOf(g).filter((id) => f.tenant.kindOf(id) === 'user'),
    );
    const groups = await get(`/v1.0/groups/${g}/members/microsoft.graph.group`);
    assert.deepEqual(
      groups.body.value.map((x: { id: string }) => x.id),
      [guid('00006400', 0)],
    );
    f.tenant.removeMember(g, guid('00006400', 0));
    const roles = await get('/v1.0/directoryRoles');
    assert.equal(
      (await get(`/v1.0/directoryRoles/${roles.body.value[0].id}`)).body.displayName,
      'Global Administrator',
    );
    const u = guid('00000a11', 1);
    assert.deepEqual(
      (await get(`/v1.0/users/${u}/appRoleAssignments`)).body.value.map((a: { id: string }) => a.id),
      f.tenant.appRoleAssignmentsOf(u).map((a) => a.id),
    );
    assert.ok(f.tenant.appRoleAssignmentsOf(u).length > 0);
    const memberOf = (await get(`/v1.0/users/${u}/transitiveMemberOf`)).body.value.map(
      (g: { id: string }) => g.id,
    );
    assert.deepEqual(memberOf.sort(), [...f.tenant.memberOf(u)].sort());
  });

  it('$count segment needs ConsistencyLevel: eventual', async () => {
    assert.equal((await get('/v1.0/users/$count')).status, 400);
    assert.equal((await get('/v1.0/users/$count', { ConsistencyLevel: 'eventual' })).body, 260);
    const enabled = [...f.tenant.users.values()].filter((u) => u.accountEnabled).length;
    assert.equal(
      (
        await get(`/v1.0/users/$count?$filter=${encodeURIComponent('accountEnabled eq true')}`, {
          ConsistencyLevel: 'eventual',
        })
      ).body,
      enabled,
    );
    assert.equal(
      (await get('/v1.0/servicePrincipals/$count', { ConsistencyLevel: 'eventual' })).body,
      f.tenant.servicePrincipals.size,
    );
  });

  it('caps: $expand pages at 100 and expands at most 20; signInActivity pages at 120 and needs AuditLog.Read.All', async () => {
    const exp = await get('/v1.0/users?$expand=manager($select=id,displayName)&$top=999');
    assert.equal(exp.body.value.length, 100);
    assert.equal(
      exp.body.value.find((u: { id: string }) => u.id === guid('00000a11', 5)).manager.id,
      guid('00000a11', 0),
    );
    const big = await get(`/v1.0/groups/${guid('00006400', 3)}?$expand=members`);
    assert.equal(big.body.members.length, 20);
    const sia = await get('/v1.0/users?$select=id,signInActivity&$top=999');
    assert.equal(sia.body.value.length, 120);
    assert.ok(sia.body['@odata.nextLink']);
    const { CLIENT_ID } = await import('./support/fixture-data.js');
    const client = f.tenant.clients.get(CLIENT_ID)!;
    f.tenant.updateClient(CLIENT_ID, {
      graphRoles: client.graphRoles.filter((r) => r !== 'AuditLog.Read.All'),
    });
    const { ClientSecretCredential } = await import('@azure/identity');
    const t2 = (
      await new ClientSecretCredential(f.sim.tenantId, CLIENT_ID, f.sim.clientSecret, {
        authorityHost: f.sim.authorityHost,
        disableInstanceDiscovery: true,
      }).getToken('https://graph.microsoft.com/.default')
    ).token;
    f.tenant.updateClient(CLIENT_ID, { graphRoles: client.graphRoles });
    assert.equal((await raw(f.sim, '/v1.0/users?$select=id,signInActivity', { token: t2 })).status, 403);
    assert.equal((await raw(f.sim, '/v1.0/users?$select=id', { token: t2 })).status, 200);
  });

  it('beta serves the same collections; roles, directoryRoles (unpaged), SKUs, organization, audits', async () => {
    assert.equal((await get('/beta/users?$top=5')).body.value.length, 5);
    const ra = await get(
      `/v1.0/roleManagement/directory/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${guid('00000a11', 0)}'`)}`,
    );
    assert.equal(ra.body.value.length, 1);
    const roles = await get('/v1.0/directoryRoles');
    assert.equal(roles.body['@odata.nextLink'], undefined);
    const members = await get(`/v1.0/directoryRoles/${roles.body.value[0].id}/members`);
    assert.deepEqual(
      members.body.value.map((m: { id: string }) => m.id),
      [guid('00000a11', 0)],
    );
    assert.equal((await get('/v1.0/subscribedSkus')).body.value[0].skuId, SKU_E5);
    assert.equal((await get('/v1.0/organization')).body.value[0].id, f.sim.tenantId);
    const sp = [...f.tenant.servicePrincipals.values()][2]!;
    assert.equal((await get(`/v1.0/servicePrincipals/${sp.id}/appRoleAssignedTo`)).body.value.length, 6);
    assert.equal((await get('/v1.0/auditLogs/directoryAudits')).status, 200);
    const notFound = await get(`/v1.0/users/${guid('00000a11', 9999)}`);
    assert.equal(notFound.status, 404);
    assert.equal(notFound.body.error.code, 'Request_ResourceNotFound');
  });
});

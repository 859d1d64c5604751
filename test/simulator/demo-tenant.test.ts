import assert from 'node:assert/strict';
import { ClientSecretCredential, UsernamePasswordCredential } from '@azure/identity';
import { PageIterator } from '@microsoft/microsoft-graph-client';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { graphClient, raw, trustCa, type Json } from './support/sim.js';

describe('simulator over a generated demo tenant: Graph and the Exchange admin API', () => {
  let sim: Simulator;
  let exo: string;
  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 3, throttling: false });
    trustCa(sim.caCertPem);
    const cred = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    exo = (await cred.getToken('https://outlook.office365.com/.default')).token;
  });
  after(() => sim.close());

  const invoke = (
    cmdlet: string,
    parameters: Record<string, unknown>,
    opts: { token?: string; url?: string; pageSize?: number } = {},
  ) =>
    raw(sim, opts.url ?? `/adminapi/beta/${sim.tenantId}/InvokeCommand`, {
      method: 'POST',
      token: opts.token ?? exo,
      headers: {
        'content-type': 'application/json',
        'x-anchormailbox': `APP:SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}@${sim.tenantId}`,
        ...(opts.pageSize ? { prefer: `odata.maxpagesize=${opts.pageSize}` } : {}),
      },
      body: JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } }),
    });

  it('pages every user of the generated tenant with the Graph SDK', async () => {
    const client = graphClient(sim);
    const ids: string[] = [];
    await new PageIterator(
      client,
      await client.api('/users').select('id').top(7).get(),
      (u: { id: string }) => (ids.push(u.id), true),
    ).iterate();
    assert.deepEqual(ids, [...sim.tenant.users.keys()]);
  });

  it('the demo user signs in with the password grant through the public client', async () => {
    assert.ok(sim.demoUser && sim.publicClientId);
    const cred = new UsernamePasswordCredential(
      sim.tenantId,
      sim.publicClientId,
      sim.demoUser.userPrincipalName,
      sim.demoUser.password,
      { authorityHost: sim.authorityHost, disableInstanceDiscovery: true },
    );
    const t = await cred.getToken('https://graph.microsoft.com/.default');
    assert.ok(t.token.split('.').length === 3);
    const syncJobs = [...sim.tenant.synchronizationJobs.entries()].find(([, jobs]) => jobs.length > 0);
    if (syncJobs) {
      const client = graphClient(sim);
      const res = await client.api(`/servicePrincipals/${syncJobs[0]}/synchronization/jobs`).get();
      assert.equal(res.value.length, syncJobs[1].length);
    }
  });

  it('audit logs filter on activityDateTime; PIM instances list', async () => {
    const client = graphClient(sim);
    const audits = sim.tenant.directoryAudits;
    assert.ok(audits.length > 2);
    const pivot = audits[Math.floor(audits.length / 2)]!.activityDateTime;
    const res = await client
      .api('/auditLogs/directoryAudits')
      .filter(`activityDateTime ge ${pivot}`)
      .top(999)
      .get();
    assert.equal(res.value.length, audits.filter((a) => a.activityDateTime >= pivot).length);
    const eligible = await client.api('/roleManagement/directory/roleEligibilityScheduleInstances').get();
    assert.equal(eligible.value.length, sim.tenant.roleEligibilityScheduleInstances.size);
  });

  it('Get-DistributionGroup lists distribution and mail-enabled security groups', async () => {
    const r = await invoke('Get-DistributionGroup', { ResultSize: 'Unlimited' });
    assert.equal(r.status, 200);
    const v1 = await invoke(
      'Get-DistributionGroup',
      {},
      { url: `/adminapi/v1.0/${sim.tenantId}/InvokeCommand` },
    );
    assert.equal(v1.body.value.length, r.body.value.length, 'v1.0 serves the same cmdlets');
    assert.equal((await invoke('Get-DistributionGroup', { Filter: "Name -like 'a*'" })).status, 400);
    const expected = [...sim.tenant.groups.values()].filter(
      (g) => g.mailEnabled && !g.groupTypes.includes('Unified'),
    );
    assert.ok(expected.length > 0, 'the demo tenant has Exchange groups');
    assert.deepEqual(
      r.body.value.map((g: Json) => g.ExternalDirectoryObjectId).sort(),
      expected.map((g) => g.id).sort(),
    );
    for (const g of r.body.value) {
      assert.ok(
        ['MailUniversalDistributionGroup', 'MailUniversalSecurityGroup'].includes(g.RecipientTypeDetails),
      );
      assert.ok(g.PrimarySmtpAddress && g.DisplayName && Array.isArray(g.ManagedBy));
    }
  });

  it('Get-DistributionGroupMember pages with @odata.nextLink, re-POSTed with the same body', async () => {
    const groups = (await invoke('Get-DistributionGroup', {})).body.value as Json[];
    const g = groups
      .map((x) => ({ x, n: sim.tenant.membersOf(x.ExternalDirectoryObjectId).length }))
      .sort((a, b) => b.n - a.n)[0]!;
    assert.ok(g.n >= 2, 'a group with members');
    const seen: string[] = [];
    let url: string | undefined;
    let pages = 0;
    do {
      const r = await invoke(
        'Get-DistributionGroupMember',
        { Identity: g.x.ExternalDirectoryObjectId, ResultSize: 'Unlimited' },
        { pageSize: 1, ...(url ? { url } : {}) },
      );
      assert.equal(r.status, 200);
      seen.push(...r.body.value.map((m: Json) => m.ExternalDirectoryObjectId));
      url = r.body['@odata.nextLink']
        ? new URL(r.body['@odata.nextLink']).pathname + new URL(r.body['@odata.nextLink']).search
        : undefined;
      pages++;
    } while (url);
    assert.equal(pages, g.n);
    assert.deepEqual(
      seen,
      [...sim.tenant.membersOf(g.x.ExternalDirectoryObjectId)].filter(
        (id) => sim.tenant.kindOf(id) !== 'device' && sim.tenant.kindOf(id) !== 'servicePrincipal',
      ),
    );
  });

  it('write cmdlets: add, "already a member", remove; unknown group; EXO error shape', async () => {
    const groups = (await invoke('Get-DistributionGroup', {})).body.value as Json[];
    const g = groups[0]!;
    const member = [...sim.tenant.users.values()].find(
      (u) => !sim.tenant.membersOf(g.ExternalDirectoryObjectId).includes(u.id),
    )!;
    assert.equal(
      (
        await invoke('Add-DistributionGroupMember', {
          Identity: g.Identity,
          Member: member.userPrincipalName,
          BypassSecurityGroupManagerCheck: true,
        })
      ).status,
      200,
    );
    assert.ok(sim.tenant.membersOf(g.ExternalDirectoryObjectId).includes(member.id));
    const again = await invoke('Add-DistributionGroupMember', {
      Identity: g.Identity,
      Member: member.userPrincipalName,
    });
    assert.equal(again.status, 400);
    assert.match(again.body.error.details[0].message, /MemberAlreadyExistsException/);
    assert.equal(
      (await invoke('Remove-DistributionGroupMember', { Identity: g.Identity, Member: member.id })).status,
      200,
    );
    const missing = await invoke('Get-DistributionGroupMember', { Identity: 'no-such-group' });
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.innererror.internalException.message, /couldn't be found/);
  });

  it('needs an Exchange token with Exchange.ManageAsApp: Graph token 401, role missing 403', async () => {
    const cred = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    const graphToken = (await cred.getToken('https://graph.microsoft.com/.default')).token;
    assert.equal((await invoke('Get-DistributionGroup', {}, { token: graphToken })).status, 401);
    const client = sim.tenant.clients.get(sim.clientId)!;
    sim.tenant.updateClient(sim.clientId, { exchangeRoles: [] });
    const cred2 = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
      authorityHost: sim.authorityHost,
      disableInstanceDiscovery: true,
    });
    const noRole = (await cred2.getToken('https://outlook.office365.com/.default')).token;
    sim.tenant.updateClient(sim.clientId, { exchangeRoles: client.exchangeRoles });
    assert.equal((await invoke('Get-DistributionGroup', {}, { token: noRole })).status, 403);
  });
});

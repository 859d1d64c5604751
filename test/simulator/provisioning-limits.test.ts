import assert from 'node:assert/strict';
import { ALL_READ_ROLES, CLIENT_ID, guid, TENANT_ID } from './support/fixture-data.js';
import { raw, startFixtureSim, token, type FixtureSim, type Json } from './support/sim.js';

const user = (n: number) => guid('00000a11', n);
const group = (n: number) => guid('00006400', n);
const sp = (n: number) => guid('0000059a', n);
const ref = (id: string) => ({ '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${id}` });
const JOB = 'scim.0a1b2c3d.4e5f6a7b';

describe('simulator provisioning: jobs, write limits, lost responses, Exchange', () => {
  let f: FixtureSim;
  let tok: string;
  let now = Date.parse('2026-03-01T00:00:00Z');
  const send = (method: string, path: string, body?: unknown, t = tok) =>
    raw(f.sim, `/v1.0${path}`, {
      method,
      token: t,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const control = (method: string, action: string, body?: unknown) =>
    raw(f.sim, `/_sim/${action}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  async function tokenWith(roles: string[]): Promise<string> {
    const c = f.tenant.clients.get(CLIENT_ID)!;
    f.tenant.updateClient(CLIENT_ID, { graphRoles: roles });
    try {
      return await token(f.sim);
    } finally {
      f.tenant.updateClient(CLIENT_ID, { graphRoles: c.graphRoles });
    }
  }

  before(async () => {
    f = await startFixtureSim(
      { users: 20, groups: 8 },
      { now: () => now, seed: 7, writeQuota: { writes: 1000, windowMs: 150_000 } },
    );
    f.tenant.synchronizationJobs.set(sp(1), [
      {
        id: JOB,
        templateId: 'scim',
        schedule: { expiration: null, interval: 'PT40M', state: 'Paused' },
        status: { code: 'Paused', lastExecution: null },
      },
    ]);
    f.tenant.updateClient(CLIENT_ID, {
      graphRoles: [
        ...ALL_READ_ROLES,
        'Synchronization.ReadWrite.All',
        'UserAuthenticationMethod.ReadWrite.All',
      ],
    });
    tok = await token(f.sim);
  });
  after(() => f.sim.close());
  beforeEach(async () => {
    f.sim.setFaults([]);
    f.sim.setThrottling(true);
    now += 600_000; // every bucket is full again
    tok = await token(f.sim);
  });

  describe('provisioning jobs', () => {
    const jobs = `/servicePrincipals/${sp(1)}/synchronization/jobs`;
    let ruleId: string;
    const pod = (objectId: string, objectTypeName = 'User', rule = ruleId) =>
      send('POST', `${jobs}/${JOB}/provisionOnDemand`, {
        parameters: [{ ruleId: rule, subjects: [{ objectId, objectTypeName }] }],
      });

    before(async () => {
      const schema = await send('GET', `${jobs}/${JOB}/schema`);
      assert.equal(schema.status, 200);
      ruleId = schema.body.synchronizationRules[0].id;
      await control('POST', 'provisioning/reset');
    });

    it('provisionOnDemand: an assigned user is created, then a RedundantExport skip; an unassigned one is NotEffectivelyEntitled; calls are recorded', async () => {
      const first = await pod(user(0));
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(JSON.parse(first.body.key), { result: 'Success', details: {} });
      const summary = JSON.parse(first.body.value);
      assert.equal(summary.action, 'Create');
      assert.equal(summary.sourceIdentity.id, user(0));
      assert.ok(summary.provisioningSteps.length >= 3);
      const again = JSON.parse((await pod(user(0))).body.key);
      assert.equal(again.result, 'Skipped');
      assert.equal(again.details.errorCode, 'RedundantExport');
      const outside = JSON.parse((await pod(user(15))).body.key);
      assert.equal(outside.result, 'Skipped');
      assert.equal(outside.details.errorCode, 'NotEffectivelyEntitled');
      const wrongRule = await pod(user(1), 'User', guid('bad', 1));
      assert.equal(wrongRule.status, 400);
      assert.equal((await pod(user(999))).status, 404);
      const recorded = await control('GET', 'provisioning');
      assert.deepEqual(
        recorded.body.provisionOnDemand.map((c: Json) => [
          c.jobId,
          c.parameters[0].subjects[0].objectId,
          c.result,
        ]),
        [
          [JOB, user(0), 'Success'],
          [JOB, user(0), 'Skipped'],
          [JOB, user(15), 'Skipped'],
        ],
      );
      assert.equal(recorded.body.provisionOnDemand[0].appId, CLIENT_ID);
      assert.equal(recorded.body.provisionOnDemand[0].servicePrincipalId, sp(1));
      assert.deepEqual(f.sim.provisioningCalls().provisionOnDemand, recorded.body.provisionOnDemand);
    });

    it('provisionOnDemand is limited to 5 requests per 10 s: the 6th is a 429 with Retry-After', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await pod(user(i % 3))).status);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      const limited = await pod(user(1));
      assert.equal(limited.body.error.code, 'TooManyRequests');
      assert.equal(limited.headers.get('retry-after'), '2');
      assert.match(limited.headers.get('x-ms-throttle-scope') ?? '', /^Tenant_Application\/Write\//);
      assert.equal((await send('GET', jobs)).status, 200, 'other Graph calls are not held back');
      now += 2_000;
      assert.equal((await pod(user(1))).status, 200, 'one request refills every 2 s');
    });

    it('start and pause: 204, the job state follows, both recorded; writes need Synchronization.ReadWrite.All', async () => {
      assert.equal((await send('POST', `${jobs}/${JOB}/start`)).status, 204);
      const job = await send('GET', `${jobs}/${JOB}`);
      assert.equal(job.body.schedule.state, 'Active');
      assert.equal(job.body.status.code, 'Active');
      assert.equal((await send('POST', `${jobs}/${JOB}/pause`)).status, 204);
      assert.equal((await send('GET', jobs)).body.value[0].schedule.state, 'Paused');
      assert.deepEqual(
        (await control('GET', 'provisioning')).body.jobActions.map((a: Json) => a.action),
        ['start', 'pause'],
      );
      const readOnly = await tokenWith(['Synchronization.Read.All']);
      assert.equal((await send('GET', `${jobs}/${JOB}`, undefined, readOnly)).status, 200);
      assert.equal((await send('POST', `${jobs}/${JOB}/start`, undefined, readOnly)).status, 403);
      assert.equal((await send('POST', `${jobs}/nope/start`)).status, 404);
      assert.equal((await control('POST', 'provisioning/reset')).status, 200);
      assert.deepEqual((await control('GET', 'provisioning')).body, {
        provisionOnDemand: [],
        jobActions: [],
      });
    });
  });

  describe('write throttling', () => {
    after(async () => {
      await control('POST', 'throttling', { writeQuota: null });
    });

    it('a small write quota set through /_sim/throttling: the next write is a 429 WriteLimitExceeded; reads go on; the clock refills it', async () => {
      assert.equal(
        (await control('POST', 'throttling', { writeQuota: { writes: 3, windowMs: 60_000 } })).status,
        200,
      );
      const device = f.tenant.devices.keys().next().value!;
      for (let i = 0; i < 3; i++)
        assert.equal(
          (await send('PATCH', `/devices/${device}`, { accountEnabled: i % 2 === 0 })).status,
          204,
        );
      const limited = await send('PATCH', `/devices/${device}`, { accountEnabled: true });
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'TooManyRequests');
      assert.equal(limited.headers.get('retry-after'), '20', 'one write every 20 s at 3 per minute');
      assert.equal(
        limited.headers.get('x-ms-throttle-scope'),
        `Tenant_Application/Write/${CLIENT_ID}/${TENANT_ID}`,
      );
      assert.equal(limited.headers.get('x-ms-throttle-information'), 'WriteLimitExceeded');
      assert.equal((await send('GET', `/devices/${device}`)).status, 200, 'reads are not writes');
      const batch = await raw(f.sim, '/v1.0/$batch', {
        method: 'POST',
        token: tok,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          requests: [
            {
              id: '1',
              method: 'PATCH',
              url: `/devices/${device}`,
              headers: { 'content-type': 'application/json' },
              body: { accountEnabled: true },
            },
          ],
        }),
      });
      assert.equal(batch.body.responses[0].status, 429);
      assert.match(batch.body.responses[0].headers['retry-after'], /^\d+\.\d{3}$/);
      now += 20_000;
      assert.equal((await send('PATCH', `/devices/${device}`, { accountEnabled: true })).status, 204);
      assert.ok(f.sim.counters()['PATCH /v1.0/devices/{id}']!.throttled >= 1);
    });

    it('a bad quota is refused; null restores 3,000 per 150 s', async () => {
      const bad = await control('POST', 'throttling', { writeQuota: { writes: 0, windowMs: 1 } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /writeQuota/);
      assert.equal((await control('POST', 'throttling', {})).status, 400);
      await control('POST', 'throttling', { writeQuota: { writes: 1, windowMs: 60_000 } });
      const device = f.tenant.devices.keys().next().value!;
      assert.equal((await send('PATCH', `/devices/${device}`, { accountEnabled: true })).status, 204);
      assert.equal((await send('PATCH', `/devices/${device}`, { accountEnabled: true })).status, 429);
      await control('POST', 'throttling', { writeQuota: null });
      assert.equal((await send('PATCH', `/devices/${device}`, { accountEnabled: true })).status, 204);
    });
  });

  describe('lost responses', () => {
    it('lost-response: the write is applied, the connection drops; the retry meets its own write', async () => {
      const g = group(3);
      const u = user(19);
      assert.ok(!f.tenant.membersOf(g).includes(u));
      const set = await control('POST', 'faults', [
        { kind: 'lost-response', method: 'POST', path: '^/v1\\.0/groups/[^/]+/members/\\$ref$', count: 1 },
      ]);
      assert.equal(set.status, 200);
      f.sim.resetCounters();
      await assert.rejects(send('POST', `/groups/${g}/members/$ref`, ref(u)), TypeError);
      assert.ok(f.tenant.membersOf(g).includes(u), 'the member was added before the answer was lost');
      const retry = await send('POST', `/groups/${g}/members/$ref`, ref(u));
      assert.equal(retry.status, 400);
      assert.match(retry.body.error.message, /already exist/);
      assert.equal(f.sim.counters()['POST /v1.0/groups/{id}/members/$ref']!.faults, 1);
    });

    it('lost-response with respond "status504": a 504 after the user was created', async () => {
      f.sim.setFaults([
        { kind: 'lost-response', method: 'POST', path: '^/v1\\.0/users$', respond: 'status504' },
      ]);
      const body = {
        accountEnabled: true,
        displayName: 'Lost',
        mailNickname: 'lost',
        userPrincipalName: 'lost@fixture.onmicrosoft.com',
        passwordProfile: { password: 'L0st!answer' },
      };
      const first = await send('POST', '/users', body);
      assert.equal(first.status, 504);
      assert.equal(first.body.error.code, 'UnknownError');
      assert.ok(
        [...f.tenant.users.values()].some((x) => x.userPrincipalName === 'lost@fixture.onmicrosoft.com'),
      );
      f.sim.setFaults([]);
      const retry = await send('POST', '/users', body);
      assert.equal(
        retry.body.error.message,
        'Another object with the same value for property userPrincipalName already exists.',
      );
    });

    it('respond is only for lost-response, and only reset or status504', async () => {
      const r = await control('POST', 'faults', [{ kind: 'status429', path: '.', respond: 'status504' }]);
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /respond/);
      assert.equal(
        (await control('POST', 'faults', [{ kind: 'lost-response', path: '.', respond: 'later' }])).status,
        400,
      );
    });
  });

  describe('403 per missing write permission', () => {
    it('every provisioning write refuses a token that can only read', async () => {
      const readOnly = await tokenWith([
        'Directory.Read.All',
        'AuditLog.Read.All',
        'Synchronization.Read.All',
      ]);
      const a = f.tenant.appRoleAssignmentsOf(user(0))[0]!;
      const writes: [string, string, unknown?][] = [
        [
          'POST',
          '/groups',
          { displayName: 'x', mailEnabled: false, mailNickname: 'x', securityEnabled: true },
        ],
        ['POST', '/roleManagement/directory/roleAssignmentScheduleRequests', { action: 'adminAssign' }],
        ['POST', '/roleManagement/directory/roleEligibilityScheduleRequests', { action: 'adminAssign' }],
        ['POST', `/groups/${group(3)}/appRoleAssignments`, {}],
        ['DELETE', `/servicePrincipals/${sp(2)}/appRoleAssignments/${a.id}`],
        ['DELETE', `/servicePrincipals/${a.resourceId}/appRoleAssignedTo/${a.id}`],
        ['DELETE', `/users/${user(1)}/authentication/phoneMethods/3179e48a-750b-4051-897c-87b9720928f7`],
        ['POST', `/servicePrincipals/${sp(1)}/synchronization/jobs/${JOB}/start`],
        ['POST', `/servicePrincipals/${sp(1)}/synchronization/jobs/${JOB}/provisionOnDemand`, {}],
        ['POST', `/directory/deletedItems/${user(0)}/restore`],
        ['POST', `/groups/${group(3)}/members/$ref`, ref(user(1))],
        ['PATCH', `/groups/${group(3)}`, { 'members@odata.bind': [] }],
        ['POST', '/users', {}],
        ['DELETE', `/users/${user(3)}`],
      ];
      for (const [method, path, body] of writes) {
        const r = await send(method, path, body, readOnly);
        assert.equal(r.status, 403, `${method} ${path}`);
        assert.equal(r.body.error.code, 'Authorization_RequestDenied');
        assert.equal(r.body.error.message, 'Insufficient privileges to complete the operation.');
      }
    });
  });

  describe('Exchange InvokeCommand', () => {
    let exo: string;
    const invoke = (CmdletName: string, Parameters: Json, t = exo) =>
      raw(f.sim, `/adminapi/beta/${TENANT_ID}/InvokeCommand`, {
        method: 'POST',
        token: t,
        headers: { 'content-type': 'application/json', 'x-anchormailbox': `APP:SystemMailbox@${TENANT_ID}` },
        body: JSON.stringify({ CmdletInput: { CmdletName, Parameters } }),
      });
    before(async () => {
      exo = await token(f.sim, 'https://outlook.office365.com/.default');
    });

    it('adding a member twice and removing a non-member give the membership exceptions a client treats as done', async () => {
      const member = f.tenant.users.get(user(16))!.userPrincipalName;
      assert.equal(
        (await invoke('Add-DistributionGroupMember', { Identity: 'group2', Member: member })).status,
        200,
      );
      assert.ok(f.tenant.membersOf(group(2)).includes(user(16)));
      const twice = await invoke('Add-DistributionGroupMember', {
        Identity: 'group2',
        Member: member,
        BypassSecurityGroupManagerCheck: true,
      });
      assert.equal(twice.status, 400);
      assert.match(
        twice.body.error.message,
        /^\|Microsoft\.Exchange\.Management\.Tasks\.MemberAlreadyExistsException\|/,
      );
      assert.match(twice.body.error.details[0].message, /MemberAlreadyExistsException/);
      assert.equal(
        twice.body.error.innererror.internalException.type,
        'Microsoft.Exchange.Management.Tasks.MemberAlreadyExistsException',
      );
      assert.equal(
        (await invoke('Remove-DistributionGroupMember', { Identity: 'group2', Member: member })).status,
        200,
      );
      const notMember = await invoke('Remove-DistributionGroupMember', {
        Identity: 'group2',
        Member: member,
      });
      assert.equal(notMember.status, 400);
      assert.match(
        notMember.body.error.message,
        /Microsoft\.Exchange\.Management\.Tasks\.MemberNotFoundException/,
      );
      assert.match(notMember.body.error.innererror.internalException.message, /isn't a member of the group/);
      const noGroup = await invoke('Add-DistributionGroupMember', {
        Identity: 'no-such-group',
        Member: member,
      });
      assert.equal(noGroup.status, 404);
      assert.match(
        noGroup.body.error.message,
        /Microsoft\.Exchange\.Configuration\.Tasks\.ManagementObjectNotFoundException/,
      );
    });

    it('a group synced from on-premises refuses member changes; Graph refuses the distribution list', async () => {
      f.tenant.updateGroup(group(6), {
        mailEnabled: true,
        mail: 'group6@fixture.example',
        onPremisesSyncEnabled: true,
      });
      const synced = await invoke('Add-DistributionGroupMember', {
        Identity: 'group6',
        Member: f.tenant.users.get(user(17))!.userPrincipalName,
      });
      assert.equal(synced.status, 400);
      assert.match(
        synced.body.error.message,
        /RecipientTaskException\|.*being synchronized from your on-premises organization/,
      );
      const viaGraph = await send('POST', `/groups/${group(2)}/members/$ref`, ref(user(17)));
      assert.equal(
        viaGraph.body.error.message,
        'Cannot Update a mail-enabled security groups and or distribution list.',
      );
    });

    it('needs the Exchange audience and Exchange.ManageAsApp: a Graph token is 401, a token without the role 403', async () => {
      assert.equal((await invoke('Get-DistributionGroup', {}, tok)).status, 401);
      const c = f.tenant.clients.get(CLIENT_ID)!;
      f.tenant.updateClient(CLIENT_ID, { exchangeRoles: [] });
      const noRole = await token(f.sim, 'https://outlook.office365.com/.default');
      f.tenant.updateClient(CLIENT_ID, { exchangeRoles: c.exchangeRoles });
      const denied = await invoke('Get-DistributionGroup', {}, noRole);
      assert.equal(denied.status, 403);
      assert.match(denied.body.error.message, /Exchange\.ManageAsApp/);
    });
  });
});

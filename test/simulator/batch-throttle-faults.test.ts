import assert from 'node:assert/strict';
import { guid } from './support/fixture-data.js';
import { graphClient, raw, startFixtureSim, token, type FixtureSim, type Json } from './support/sim.js';

describe('simulator $batch, throttling, faults and counters', () => {
  let f: FixtureSim;
  let tok: string;
  let now = Date.parse('2026-03-01T00:00:00Z');
  const batch = (requests: unknown[]) =>
    raw(f.sim, '/v1.0/$batch', {
      method: 'POST',
      token: tok,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requests }),
    });
  before(async () => {
    f = await startFixtureSim({ users: 30, groups: 3 }, { now: () => now, seed: 42 });
    tok = await token(f.sim);
  });
  after(() => f.sim.close());
  beforeEach(() => {
    f.sim.setThrottling(true);
    f.sim.setFaults([]);
  });

  it('$batch: inner requests served, any order, cap 20, duplicate ids 400, dependsOn failure → 424', async () => {
    const ok = await batch([
      { id: '1', method: 'GET', url: '/users?$select=id&$top=2' },
      { id: '2', method: 'GET', url: `/users/${guid('00000a11', 9999)}` },
      { id: '3', method: 'GET', url: '/groups', dependsOn: ['2'] },
      { id: '4', method: 'GET', url: '/organization', dependsOn: ['1'] },
    ]);
    assert.equal(ok.status, 200);
    const byId = new Map<string, Json>(ok.body.responses.map((r: Json) => [r.id, r]));
    assert.equal(byId.get('1').status, 200);
    assert.equal(byId.get('1').body.value.length, 2);
    assert.equal(byId.get('2').status, 404);
    assert.equal(byId.get('3').status, 424);
    assert.equal(byId.get('4').status, 200);
    const many = await batch(
      Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/organization' })),
    );
    assert.equal(many.status, 400);
    const dup = await batch([
      { id: 'a', method: 'GET', url: '/organization' },
      { id: 'a', method: 'GET', url: '/organization' },
    ]);
    assert.equal(dup.status, 400);
    assert.match(dup.body.error.message, /not unique/);
  });

  it('throttling: each request costs RU; an empty bucket gives 429 with Retry-After and throttle headers; refills with the clock', async () => {
    f.sim.resetCounters();
    const first = await raw(f.sim, '/v1.0/users', { token: tok });
    assert.equal(first.headers.get('x-ms-resource-unit'), '2');
    assert.equal(
      (await raw(f.sim, '/v1.0/users?$select=id', { token: tok })).headers.get('x-ms-resource-unit'),
      '1',
    );
    // The fixture tenant is small (< 50 users): 3,500 RU per 10 s. transitiveMembers costs 5, so a
    // batch of 20 drains 100 RU; each inner request is charged on its own.
    const heavy = Array.from({ length: 20 }, (_, i) => ({
      id: String(i),
      method: 'GET',
      url: `/groups/${guid('00006400', 1)}/transitiveMembers`,
    }));
    let sawPercentage = false;
    let innerThrottled = false;
    for (let i = 0; i < 60 && !innerThrottled; i++) {
      const r = await batch(heavy);
      for (const inner of r.body.responses) {
        if (inner.headers['x-ms-throttle-limit-percentage']) sawPercentage = true;
        if (inner.status === 429) innerThrottled = true;
      }
    }
    assert.ok(innerThrottled, 'inner requests are throttled once the bucket is empty');
    const last = await raw(f.sim, `/v1.0/groups/${guid('00006400', 1)}/transitiveMembers`, { token: tok });
    assert.equal(last?.status, 429);
    assert.ok(sawPercentage, 'x-ms-throttle-limit-percentage appears above 80 %');
    assert.equal(last?.body.error.code, 'TooManyRequests');
    assert.ok(Number(last?.headers.get('retry-after')) >= 1);
    assert.match(last?.headers.get('x-ms-throttle-scope') ?? '', /^Tenant_Application\/ReadWrite\//);
    assert.equal(last?.headers.get('x-ms-throttle-information'), 'ResourceUnitLimitExceeded');
    const inner = await batch([
      { id: '1', method: 'GET', url: `/groups/${guid('00006400', 1)}/transitiveMembers` },
    ]);
    assert.equal(inner.status, 200);
    assert.equal(inner.body.responses[0].status, 429);
    assert.match(
      inner.body.responses[0].headers['retry-after'],
      /^\d+\.\d{3}$/,
      'inner Retry-After is decimal',
    );
    now += 10_000;
    const after = await raw(f.sim, '/v1.0/users', { token: tok });
    assert.equal(after.status, 200, JSON.stringify([after.body, [...after.headers]]));
    const c = f.sim.counters();
    assert.ok(c['GET /v1.0/groups/{id}/transitiveMembers']!.throttled >= 1);
    assert.ok(c['*']!.resourceUnits > 3500);
  });

  it('reports are limited to 5 requests per 10 s', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await raw(f.sim, '/v1.0/auditLogs/directoryAudits', { token: tok })).status);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
    now += 2_000;
    assert.equal(
      (await raw(f.sim, '/v1.0/auditLogs/directoryAudits', { token: tok })).status,
      200,
      'one request refills every 2 s',
    );
  });

  it('faults: 429/503/504 statuses, malformed body, connection reset, slow; seeded and counted', async () => {
    f.sim.setThrottling(false);
    f.sim.resetCounters();
    const path = '^/v1\\.0/organization$';
    f.sim.setFaults([{ path, kind: 'status429', count: 1, value: 7 }]);
    const t429 = await raw(f.sim, '/v1.0/organization', { token: tok });
    assert.equal(t429.status, 429);
    assert.equal(t429.headers.get('retry-after'), '7');
    assert.equal(
      (await raw(f.sim, '/v1.0/organization', { token: tok })).status,
      200,
      'count limits the fault',
    );
    for (const [kind, status] of [
      ['status503', 503],
      ['status504', 504],
    ] as const) {
      f.sim.setFaults([{ path, kind }]);
      assert.equal((await raw(f.sim, '/v1.0/organization', { token: tok })).status, status);
    }
    f.sim.setFaults([{ path, kind: 'malformed' }]);
    const bad = await raw(f.sim, '/v1.0/organization', { token: tok });
    assert.equal(bad.status, 200);
    assert.equal(typeof bad.body, 'string', 'the body does not parse as JSON');
    f.sim.setFaults([{ path, kind: 'reset' }]);
    await assert.rejects(
      fetch(`${f.sim.url}/v1.0/organization`, { headers: { authorization: `Bearer ${tok}` } }),
    );
    f.sim.setFaults([{ path, kind: 'slow', value: 150 }]);
    const t0 = performance.now();
    assert.equal((await raw(f.sim, '/v1.0/organization', { token: tok })).status, 200);
    assert.ok(performance.now() - t0 >= 140);
    f.sim.setFaults([{ path, kind: 'status503', probability: 0.5 }]);
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++)
      statuses.push((await raw(f.sim, '/v1.0/organization', { token: tok })).status);
    assert.ok(statuses.includes(503) && statuses.includes(200), 'probability draws both ways');
    assert.equal(
      f.sim.counters()['GET /v1.0/organization']!.faults,
      1 + 2 + 1 + 1 + 1 + statuses.filter((s) => s === 503).length,
    );
    assert.throws(() => f.sim.setFaults([{ path: '(', kind: 'reset' }]), /faults\[0\]\.path/);
  });

  it('faults: a page without its nextLink, and a body cut off mid-stream', async () => {
    f.sim.setThrottling(false);
    f.sim.resetCounters();
    const url = '/v1.0/users?$select=id&$top=5';
    const whole = await raw(f.sim, url, { token: tok });
    assert.equal(typeof whole.body['@odata.nextLink'], 'string', 'the listing pages');
    f.sim.setFaults([{ path: '^/v1\\.0/users$', kind: 'drop-next-link', count: 1 }]);
    const cut = await raw(f.sim, url, { token: tok });
    assert.equal(cut.status, 200);
    assert.deepEqual(cut.body.value, whole.body.value, 'the same items');
    assert.equal(cut.body['@odata.nextLink'], undefined, 'claims to be the last page');
    f.sim.setFaults([{ path: '^/v1\\.0/users$', kind: 'truncated', count: 1 }]);
    const res = await fetch(`${f.sim.url}${url}`, { headers: { authorization: `Bearer ${tok}` } });
    assert.equal(res.status, 200);
    assert.ok(Number(res.headers.get('content-length')) > 0);
    await assert.rejects(res.text(), 'the body ends before its announced length');
    assert.equal((await raw(f.sim, url, { token: tok })).body.value.length, 5, 'count limits the fault');
    assert.equal(f.sim.counters()['GET /v1.0/users']!.faults, 2);
  });

  it('the SDK retries a 503 fault and succeeds', async () => {
    f.sim.setThrottling(false);
    f.sim.setFaults([{ path: '^/v1\\.0/organization$', kind: 'status503', count: 1 }]);
    const org = await graphClient(f.sim).api('/organization').get();
    assert.equal(org.value[0].id, f.sim.tenantId);
  });

  it('control endpoint: counters, reset, faults, clock and mutations over HTTP', async () => {
    const post = (p: string, body: unknown) =>
      raw(f.sim, `/_sim/${p}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    assert.equal((await post('counters/reset', {})).status, 200);
    await raw(f.sim, '/v1.0/organization', { token: tok });
    const counters = await raw(f.sim, '/_sim/counters');
    assert.equal(counters.body['GET /v1.0/organization'].requests, 1);
    const created = await post('mutate', {
      op: 'createUser',
      user: { userPrincipalName: 'new@fixture.onmicrosoft.com', displayName: 'New' },
    });
    assert.ok(f.tenant.users.has(created.body.id));
    assert.equal(
      (await post('mutate', { op: 'addMember', groupId: guid('00006400', 0), memberId: created.body.id }))
        .body.changed,
      true,
    );
    const bad = await post('mutate', { op: 'addMember', groupId: guid('00006400', 0) });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /memberId: expected a non-empty string/);
    assert.equal((await post('faults', [{ path: 'x', kind: 'nope' }])).status, 400);
    assert.equal(
      (await post('clock/advance', { ms: 1000 })).status,
      400,
      'an injected clock is not moved by the simulator',
    );
    const sp = [...f.tenant.servicePrincipals.values()][0]!;
    const granted = await post('mutate', {
      op: 'grantAppRole',
      resourceId: sp.id,
      principalId: created.body.id,
      appRoleId: sp.appRoles[0]!.id,
    });
    assert.ok(f.tenant.appRoleAssignedTo(sp.id).some((a) => a.id === granted.body.id));
    const last = f.tenant.directoryAudits[f.tenant.directoryAudits.length - 1]!;
    assert.equal(last.activityDisplayName, 'Add app role assignment grant to user');
    assert.equal(last.initiatedBy.user?.displayName, 'Simulator control');
    assert.equal((await post('mutate', { op: 'revokeAppRole', id: granted.body.id })).body.changed, true);
    const unknownOp = await post('mutate', { op: 'explode' });
    assert.match(
      unknownOp.body.error.message,
      /op: unknown operation 'explode'; expected one of addMember, /,
    );
    const help = await raw(f.sim, '/_sim/help');
    assert.ok(Object.keys(help.body).includes('POST /_sim/mutate'));
    assert.equal((await raw(f.sim, '/_sim/info')).body.tenantId, f.sim.tenantId);
  });
});

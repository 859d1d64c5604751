import assert from 'node:assert/strict';
import { createLogger } from '../../src/observability/logger.js';
import { rejectsWith, useScriptedGraph } from './helpers.js';

describe('graph client requests and paging', () => {
  const g = useScriptedGraph();

  it('GETs under /v1.0 with the bearer, the priority header and caller headers', async () => {
    g.server.expect({ method: 'GET', url: '/v1.0/users?$top=1', body: { value: [{ id: 'u1' }] } });
    const body = await g.t.client.get<{ value: { id: string }[] }>('/users?$top=1', {
      priority: 'low',
      headers: { ConsistencyLevel: 'eventual' },
    });
    assert.deepEqual(body.value, [{ id: 'u1' }]);
    const req = g.server.seen[0]!;
    assert.equal(req.headers.authorization, 'Bearer test-token');
    assert.equal(req.headers['x-ms-throttle-priority'], 'low');
    assert.equal(req.headers['consistencylevel'], 'eventual');
    assert.deepEqual(g.t.credential.calls[0], [`https://${g.server.host}/.default`]);
    assert.equal(g.t.client.stats.requests, 1);
    g.server.assertDone();
  });

  it('logs each response with its request id at debug, never the token', async () => {
    await g.t.client.close();
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (l: string) => void lines.push(l) },
    });
    g.reconfigure({ logger });
    g.server.expect(
      {
        method: 'GET',
        url: '/v1.0/users',
        status: 503,
        headers: { 'request-id': 'rid-1', 'retry-after': '1' },
      },
      { method: 'GET', url: '/v1.0/users', headers: { 'request-id': 'rid-2' }, body: { value: [] } },
    );
    await g.t.client.get('/users');
    const records = lines.map((l) => JSON.parse(l) as { msg: string; requestId?: string; status?: number });
    assert.deepEqual(
      records.filter((r) => r.msg === 'graph response').map((r) => [r.status, r.requestId]),
      [
        [503, 'rid-1'],
        [200, 'rid-2'],
      ],
    );
    assert.ok(records.some((r) => r.msg === 'graph retry'));
    assert.ok(!lines.join('').includes('test-token') && !lines.join('').includes('test-client-secret'));
    g.server.assertDone();
  });

  it('uses beta when asked and keeps explicit version prefixes', async () => {
    g.server.expect(
      { method: 'GET', url: '/beta/groups/g1/owners', body: { value: [] } },
      { method: 'GET', url: '/v1.0/me', body: {} },
    );
    await g.t.client.get('/groups/g1/owners', { apiVersion: 'beta' });
    await g.t.client.get('/v1.0/me', { apiVersion: 'beta' });
    g.server.assertDone();
  });

  it('follows nextLink verbatim, re-sending headers on every page, yielding count and deltaLink', async () => {
    const next1 = '/v1.0/users?$top=2&$skiptoken=X%2BY%3D%3D&$select=id';
    const next2 = '/v1.0/users?$skiptoken=Z%3D&$top=2&$select=id';
    g.server.expect(
      {
        method: 'GET',
        url: '/v1.0/users?$count=true&$top=2',
        bodyFn: (_r, o) => ({
          value: [{ id: 1 }, { id: 2 }],
          '@odata.count': 5,
          '@odata.nextLink': o + next1,
        }),
      },
      {
        method: 'GET',
        url: next1,
        bodyFn: (_r, o) => ({ value: [{ id: 3 }, { id: 4 }], '@odata.nextLink': o + next2 }),
      },
      {
        method: 'GET',
        url: next2,
        bodyFn: (_r, o) => ({
          value: [{ id: 5 }],
          '@odata.deltaLink': `${o}/v1.0/users/delta?$deltatoken=abc`,
        }),
      },
    );
    const pages = [];
    for await (const page of g.t.client.pages<{ id: number }>('/users?$count=true&$top=2', {
      headers: { ConsistencyLevel: 'eventual' },
      priority: 'low',
    }))
      pages.push(page);
    assert.deepEqual(
      pages.map((p) => p.value.length),
      [2, 2, 1],
    );
    assert.equal(pages[0]!.count, 5);
    assert.equal(pages[1]!.count, undefined);
    assert.equal(pages[2]!.deltaLink, `${g.server.origin}/v1.0/users/delta?$deltatoken=abc`);
    assert.equal(pages[2]!.nextLink, undefined);
    for (const req of g.server.seen) {
      assert.equal(req.headers['consistencylevel'], 'eventual');
      assert.equal(req.headers['x-ms-throttle-priority'], 'low');
      assert.equal(req.headers.authorization, 'Bearer test-token');
    }
    g.server.assertDone();
  });

  it('throws bug when a page link repeats', async () => {
    g.server.expect({
      method: 'GET',
      url: '/v1.0/groups',
      bodyFn: (_r, o) => ({ value: [], '@odata.nextLink': `${o}/v1.0/groups` }),
    });
    await rejectsWith(
      (async () => {
        for await (const _ of g.t.client.pages('/groups')) void _;
      })(),
      'bug',
      /repeated/,
    );
  });

  it('throws bug on a cycle A→B→A', async () => {
    g.server.expect(
      {
        method: 'GET',
        url: '/v1.0/groups',
        bodyFn: (_r, o) => ({ value: [1], '@odata.nextLink': `${o}/v1.0/groups?$skiptoken=A` }),
      },
      {
        method: 'GET',
        url: '/v1.0/groups?$skiptoken=A',
        bodyFn: (_r, o) => ({ value: [2], '@odata.nextLink': `${o}/v1.0/groups?$skiptoken=B` }),
      },
      {
        method: 'GET',
        url: '/v1.0/groups?$skiptoken=B',
        bodyFn: (_r, o) => ({ value: [3], '@odata.nextLink': `${o}/v1.0/groups?$skiptoken=A` }),
      },
    );
    const seen: unknown[] = [];
    await rejectsWith(
      (async () => {
        for await (const p of g.t.client.pages('/groups')) seen.push(...p.value);
      })(),
      'bug',
      /repeated/,
    );
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('refuses a nextLink to another origin', async () => {
    g.server.expect({
      method: 'GET',
      url: '/v1.0/users',
      body: { value: [], '@odata.nextLink': 'https://evil.example/v1.0/users?$skiptoken=1' },
    });
    await rejectsWith(
      (async () => {
        for await (const _ of g.t.client.pages('/users')) void _;
      })(),
      'bug',
      /another origin/,
    );
  });

  it('sends PATCH, PUT and DELETE, and a POST without a body', async () => {
    g.server.expect(
      { method: 'POST', url: '/v1.0/users/u1/revokeSignInSessions', body: { value: true } },
      { method: 'PATCH', url: '/v1.0/users/u1', status: 204 },
      { method: 'PUT', url: '/v1.0/users/u1/manager/$ref', status: 204 },
      { method: 'DELETE', url: '/v1.0/groups/g1/members/u1/$ref', status: 204 },
    );
    assert.deepEqual((await g.t.client.request('POST', '/users/u1/revokeSignInSessions')).body, {
      value: true,
    });
    await g.t.client.request('PATCH', '/users/u1', { accountEnabled: false });
    await g.t.client.request('PUT', '/users/u1/manager/$ref', { '@odata.id': 'm' });
    assert.equal((await g.t.client.request('DELETE', '/groups/g1/members/u1/$ref')).status, 204);
    assert.equal(g.server.seen[0]!.body, '');
    assert.deepEqual(g.server.seen[1]!.json, { accountEnabled: false });
    assert.equal(g.server.seen[1]!.headers['content-type'], 'application/json');
    g.server.assertDone();
  });

  it('treats an unparsable success body as a bug', async () => {
    g.server.expect({ method: 'GET', url: '/v1.0/f', rawBody: '<html>oops' });
    await rejectsWith(g.t.client.get('/f'), 'bug', /unparsable/);
  });
});

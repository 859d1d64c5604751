import assert from 'node:assert/strict';
import { GraphError } from '../../src/graph/errors.js';
import { ScriptedServer } from '../support/scripted-graph.js';
import { testClient, type TestClient } from './helpers.js';

async function rejectsWith(p: Promise<unknown>, kind: string, pattern?: RegExp): Promise<GraphError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof GraphError, `expected GraphError, got ${String(err)}`);
    assert.equal(err.kind, kind, err.message);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected a ${kind} GraphError`);
}

describe('graph client retries, throttling and failures', () => {
  let server: ScriptedServer;
  let t: TestClient;

  beforeEach(async () => {
    server = await ScriptedServer.start();
    t = testClient(server);
  });
  afterEach(async () => {
    await t.client.close();
    await server.close();
  });

  it('honours Retry-After in seconds, decimals and HTTP-date', async () => {
    server.expect(
      {
        method: 'GET',
        url: '/v1.0/a',
        status: 429,
        headers: { 'retry-after': '2' },
        body: { error: { code: 'TooManyRequests' } },
      },
      { method: 'GET', url: '/v1.0/a', status: 503, headers: { 'retry-after': '0.249' } },
      {
        method: 'GET',
        url: '/v1.0/a',
        status: 504,
        headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' },
      },
      { method: 'GET', url: '/v1.0/a', status: 429, headers: { 'retry-after': '86400' } },
      { method: 'GET', url: '/v1.0/a', body: { ok: true } },
    );
    assert.deepEqual(await t.client.get('/a'), { ok: true });
    // The HTTP-date is read against the clock, which the first two waits moved on by 2.249 s.
    assert.deepEqual(t.waits, [2000, 249, 4751, 15 * 60_000]);
    // Every attempt carries exactly one fresh bearer.
    for (const req of server.seen) assert.equal(req.headers.authorization, 'Bearer test-token');
    assert.deepEqual({ ...t.client.stats }, { requests: 5, batchedRequests: 0, throttled: 2, retries: 4 });
    server.assertDone();
  });

  it('backs off with full jitter when there is no Retry-After, growing per attempt', async () => {
    server.expect(
      { method: 'GET', url: '/v1.0/b', status: 503 },
      { method: 'GET', url: '/v1.0/b', status: 500 },
      { method: 'GET', url: '/v1.0/b', status: 502 },
      { method: 'GET', url: '/v1.0/b', body: {} },
    );
    await t.client.get('/b');
    // random() = 0.5 of a ceiling of 1 s, 2 s, 4 s.
    assert.deepEqual(t.waits, [500, 1000, 2000]);
    server.assertDone();
  });

  it('gives up after the attempt budget with throttled', async () => {
    await t.client.close();
    t = testClient(server, { maxAttempts: 3 });
    for (let i = 0; i < 3; i++)
      server.expect({
        method: 'GET',
        url: '/v1.0/c',
        status: 429,
        headers: { 'retry-after': '1', 'request-id': 'rid-9' },
        body: { error: { code: 'TooManyRequests' } },
      });
    const err = await rejectsWith(
      t.client.get('/c'),
      'throttled',
      /^graph: GET \/v1\.0\/c: TooManyRequests \(request-id rid-9\)$/,
    );
    assert.equal(err.details.retryAfterMs, 1000);
    assert.equal(t.client.stats.requests, 3);
    server.assertDone();
  });

  it('does not resend a non-idempotent write after a 500 or a reset', async () => {
    server.expect({
      method: 'POST',
      url: '/v1.0/users',
      status: 500,
      body: { error: { code: 'InternalServerError' } },
    });
    await rejectsWith(t.client.request('POST', '/users', { displayName: 'x' }), 'transient');
    server.expect({ method: 'POST', url: '/v1.0/groups', reset: true });
    await rejectsWith(t.client.request('POST', '/groups', { displayName: 'y' }), 'transient');
    assert.deepEqual(t.waits, []);
    server.assertDone();
  });

  it('resends a POST answered 429 (not processed) and a GET after a reset', async () => {
    server.expect(
      { method: 'POST', url: '/v1.0/groups/g/members/$ref', status: 429, headers: { 'retry-after': '1' } },
      { method: 'POST', url: '/v1.0/groups/g/members/$ref', status: 204 },
      { method: 'GET', url: '/v1.0/d', reset: true },
      { method: 'GET', url: '/v1.0/d', body: { id: 'd' } },
    );
    const r = await t.client.request('POST', '/groups/g/members/$ref', { '@odata.id': 'x' });
    assert.equal(r.status, 204);
    assert.equal(r.body, undefined);
    assert.deepEqual(server.seen[1]!.json, { '@odata.id': 'x' });
    assert.deepEqual(await t.client.get('/d'), { id: 'd' });
    assert.equal(t.waits.length, 2);
    server.assertDone();
  });

  it('times out a hung GET and retries it', async () => {
    await t.client.close();
    t = testClient(server, { requestTimeoutMs: 150 });
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    server.expect(
      { method: 'GET', url: '/v1.0/slow', hold: hung, body: {} },
      { method: 'GET', url: '/v1.0/slow', body: { ok: 1 } },
    );
    assert.deepEqual(await t.client.get('/slow'), { ok: 1 });
    release();
    assert.equal(t.waits.length, 1);
    assert.equal(t.client.stats.retries, 1);
    server.assertDone();
  });

  it('stops waiting when the caller aborts', async () => {
    await t.client.close();
    const controller = new AbortController();
    // The retry wait is where the abort lands: a real sleep that honours the signal.
    t = testClient(server, {
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), {
            once: true,
          });
          controller.abort(new Error('shutting down'));
        }),
    });
    server.expect({ method: 'GET', url: '/v1.0/g', status: 429, headers: { 'retry-after': '600' } });
    await assert.rejects(
      t.client.get('/g', { signal: controller.signal }),
      (e: Error) => e.message === 'shutting down',
    );
    server.assertDone();
  });

  it('bounds the requests in flight', async () => {
    await t.client.close();
    // From BATON_GRAPH_MAX_IN_FLIGHT.
    t = testClient(server, {}, { BATON_GRAPH_MAX_IN_FLIGHT: '3' });
    let open!: () => void;
    const hold = new Promise<void>((resolve) => (open = resolve));
    for (let i = 0; i < 10; i++)
      server.expect({ method: 'GET', url: `/v1.0/users/${i}`, hold, body: { id: i } });
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => t.client.get(`/users/${i}`)));
    while (server.inFlight < 3) await new Promise((r) => setImmediate(r));
    // Give any request beyond the bound a chance to arrive before releasing.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(server.inFlight, 3);
    open();
    assert.equal((await all).length, 10);
    assert.equal(server.maxInFlight, 3);
    server.assertDone();
  });

  it('slows down when x-ms-throttle-limit-percentage climbs above 0.9', async () => {
    server.expect(
      { method: 'GET', url: '/v1.0/e', headers: { 'x-ms-throttle-limit-percentage': '1.2' }, body: {} },
      { method: 'GET', url: '/v1.0/e2', body: {} },
    );
    await t.client.get('/e');
    assert.deepEqual(t.waits, []);
    await t.client.get('/e2');
    assert.deepEqual(t.waits, [3000]);
    server.assertDone();
  });

  it('classifies a 403 naming the missing permission and the request id', async () => {
    server.expect({
      method: 'GET',
      url: '/v1.0/roleManagement/directory/roleEligibilityScheduleInstances',
      status: 403,
      body: {
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges',
          innerError: { 'request-id': 'req-1' },
        },
      },
    });
    const err = await rejectsWith(
      t.client.get('/roleManagement/directory/roleEligibilityScheduleInstances'),
      'permission_denied',
    );
    assert.equal(err.details.missingPermission, 'RoleEligibilitySchedule.Read.Directory');
    assert.equal(
      err.message,
      'graph: GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances: Authorization_RequestDenied (request-id req-1; needs RoleEligibilitySchedule.Read.Directory)',
    );
  });

  it('reports a credential failure as unauthenticated with the AADSTS code and no secret', async () => {
    await t.client.close();
    const failing = {
      getToken: () =>
        Promise.reject(
          Object.assign(new Error('AADSTS7000215: Invalid client secret provided. test-client-secret'), {
            name: 'AuthenticationError',
            statusCode: 401,
            errorResponse: {
              error: 'invalid_client',
              errorDescription: 'AADSTS7000215: Invalid client secret provided.',
            },
          }),
        ),
    };
    t = testClient(server, { credential: failing });
    const err = await rejectsWith(t.client.get('/users'), 'unauthenticated', /AADSTS7000215 invalid_client/);
    assert.equal(err.details.code, 'AADSTS7000215');
    assert.ok(!err.message.includes('test-client-secret'));
    assert.equal(server.seen.length, 0);
  });
});

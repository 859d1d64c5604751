import assert from 'node:assert/strict';
import { rejectsWith, useScriptedGraph } from './helpers.js';

describe('graph client retries, throttling and failures', () => {
  const g = useScriptedGraph();

  it('honours Retry-After in seconds, decimals and HTTP-date', async () => {
    g.server.expect(
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
    assert.deepEqual(await g.t.client.get('/a'), { ok: true });
    // The HTTP-date is read against the clock, which the first two waits moved on by 2.249 s.
    assert.deepEqual(g.t.waits, [2000, 249, 4751, 15 * 60_000]);
    // Every attempt carries exactly one fresh bearer.
    for (const req of g.server.seen) assert.equal(req.headers.authorization, 'Bearer test-token');
    assert.deepEqual({ ...g.t.client.stats }, { requests: 5, batchedRequests: 0, throttled: 2, retries: 4 });
    g.server.assertDone();
  });

  it('backs off with full jitter when there is no Retry-After, growing per attempt', async () => {
    g.server.expect(
      { method: 'GET', url: '/v1.0/b', status: 503 },
      { method: 'GET', url: '/v1.0/b', status: 500 },
      { method: 'GET', url: '/v1.0/b', status: 502 },
      { method: 'GET', url: '/v1.0/b', body: {} },
    );
    await g.t.client.get('/b');
    // random() = 0.5 of a ceiling of 1 s, 2 s, 4 s.
    assert.deepEqual(g.t.waits, [500, 1000, 2000]);
    g.server.assertDone();
  });

  it('gives up after the attempt budget with throttled', async () => {
    await g.t.client.close();
    g.reconfigure({ maxAttempts: 3 });
    for (let i = 0; i < 3; i++)
      g.server.expect({
        method: 'GET',
        url: '/v1.0/c',
        status: 429,
        headers: { 'retry-after': '1', 'request-id': 'rid-9' },
        body: { error: { code: 'TooManyRequests' } },
      });
    const err = await rejectsWith(
      g.t.client.get('/c'),
      'throttled',
      /^graph: GET \/v1\.0\/c: TooManyRequests \(request-id rid-9\)$/,
    );
    assert.equal(err.details.retryAfterMs, 1000);
    assert.equal(g.t.client.stats.requests, 3);
    g.server.assertDone();
  });

  it('does not resend a non-idempotent write after a 500 or a reset', async () => {
    g.server.expect({
      method: 'POST',
      url: '/v1.0/users',
      status: 500,
      body: { error: { code: 'InternalServerError' } },
    });
    await rejectsWith(g.t.client.request('POST', '/users', { displayName: 'x' }), 'transient');
    g.server.expect({ method: 'POST', url: '/v1.0/groups', reset: true });
    await rejectsWith(g.t.client.request('POST', '/groups', { displayName: 'y' }), 'transient');
    assert.deepEqual(g.t.waits, []);
    g.server.assertDone();
  });

  it('resends a POST answered 429 (not processed) and a GET after a reset', async () => {
    g.server.expect(
      { method: 'POST', url: '/v1.0/groups/g/members/$ref', status: 429, headers: { 'retry-after': '1' } },
      { method: 'POST', url: '/v1.0/groups/g/members/$ref', status: 204 },
      { method: 'GET', url: '/v1.0/d', reset: true },
      { method: 'GET', url: '/v1.0/d', body: { id: 'd' } },
    );
    const r = await g.t.client.request('POST', '/groups/g/members/$ref', { '@odata.id': 'x' });
    assert.equal(r.status, 204);
    assert.equal(r.body, undefined);
    assert.deepEqual(g.server.seen[1]!.json, { '@odata.id': 'x' });
    assert.deepEqual(await g.t.client.get('/d'), { id: 'd' });
    assert.equal(g.t.waits.length, 2);
    g.server.assertDone();
  });

  it('times out a hung GET and retries it', async () => {
    await g.t.client.close();
    g.reconfigure({ requestTimeoutMs: 150 });
    let release!: () => void;
    const hung = new Promise<void>((resolve) => (release = resolve));
    g.server.expect(
      { method: 'GET', url: '/v1.0/slow', hold: hung, body: {} },
      { method: 'GET', url: '/v1.0/slow', body: { ok: 1 } },
    );
    assert.deepEqual(await g.t.client.get('/slow'), { ok: 1 });
    release();
    assert.equal(g.t.waits.length, 1);
    assert.equal(g.t.client.stats.retries, 1);
    g.server.assertDone();
  });

  it('stops waiting when the caller aborts', async () => {
    await g.t.client.close();
    const controller = new AbortController();
    // The retry wait is where the abort lands: a real sleep that honours the signal.
    g.reconfigure({
      sleep: (ms, signal) =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason as Error)), {
            once: true,
          });
          controller.abort(new Error('shutting down'));
        }),
    });
    g.server.expect({ method: 'GET', url: '/v1.0/g', status: 429, headers: { 'retry-after': '600' } });
    await assert.rejects(
      g.t.client.get('/g', { signal: controller.signal }),
      (e: Error) => e.message === 'shutting down',
    );
    g.server.assertDone();
  });

  it('bounds the requests in flight', async () => {
    await g.t.client.close();
    // From BATON_GRAPH_MAX_IN_FLIGHT.
    g.reconfigure({}, { BATON_GRAPH_MAX_IN_FLIGHT: '3' });
    let open!: () => void;
    const hold = new Promise<void>((resolve) => (open = resolve));
    for (let i = 0; i < 10; i++)
      g.server.expect({ method: 'GET', url: `/v1.0/users/${i}`, hold, body: { id: i } });
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => g.t.client.get(`/users/${i}`)));
    while (g.server.inFlight < 3) await new Promise((r) => setImmediate(r));
    // Give any request beyond the bound a chance to arrive before releasing.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(g.server.inFlight, 3);
    open();
    assert.equal((await all).length, 10);
    assert.equal(g.server.maxInFlight, 3);
    g.server.assertDone();
  });

  it('slows down when x-ms-throttle-limit-percentage climbs above 0.9', async () => {
    g.server.expect(
      { method: 'GET', url: '/v1.0/e', headers: { 'x-ms-throttle-limit-percentage': '1.2' }, body: {} },
      { method: 'GET', url: '/v1.0/e2', body: {} },
    );
    await g.t.client.get('/e');
    assert.deepEqual(g.t.waits, []);
    await g.t.client.get('/e2');
    assert.deepEqual(g.t.waits, [3000]);
    g.server.assertDone();
  });

  it('classifies a 403 naming the missing permission and the request id', async () => {
    g.server.expect({
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
      g.t.client.get('/roleManagement/directory/roleEligibilityScheduleInstances'),
      'permission_denied',
    );
    assert.equal(err.details.missingPermission, 'RoleEligibilitySchedule.Read.Directory');
    assert.equal(
      err.message,
      'graph: GET /v1.0/roleManagement/directory/roleEligibilityScheduleInstances: Authorization_RequestDenied (request-id req-1; needs RoleEligibilitySchedule.Read.Directory)',
    );
  });

  it('reports a credential failure as unauthenticated with the AADSTS code and no secret', async () => {
    await g.t.client.close();
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
    g.reconfigure({ credential: failing });
    const err = await rejectsWith(
      g.t.client.get('/users'),
      'unauthenticated',
      /AADSTS7000215 invalid_client/,
    );
    assert.equal(err.details.code, 'AADSTS7000215');
    assert.ok(!err.message.includes('test-client-secret'));
    assert.equal(g.server.seen.length, 0);
  });
});

import assert from 'node:assert/strict';
import type { BatchRequest } from '../../src/graph/types.js';
import type { SeenRequest } from '../support/scripted-graph.js';
import { useScriptedGraph } from './helpers.js';

interface WireRequest {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
}

const requestsOf = (r: SeenRequest): WireRequest[] => (r.json as { requests: WireRequest[] }).requests;

describe('graph client batch', () => {
  const g = useScriptedGraph();

  it('splits into envelopes of at most 20 and returns responses in request order', async () => {
    const requests: BatchRequest[] = Array.from({ length: 45 }, (_, i) => ({
      id: `r${i}`,
      method: 'GET',
      url: `/groups/g${i}/owners?$select=id`,
    }));
    // Graph may answer in any order: reverse each envelope.
    const answer = (r: SeenRequest) => ({
      responses: requestsOf(r)
        .map((q) => ({ id: q.id, status: 200, headers: {}, body: { value: [q.url] } }))
        .reverse(),
    });
    for (let i = 0; i < 3; i++) g.server.expect({ method: 'POST', url: '/v1.0/$batch', bodyFn: answer });
    const out = await g.t.client.batch<{ value: string[] }>(requests, { priority: 'low' });
    assert.deepEqual(
      out.map((r) => r.id),
      requests.map((r) => r.id),
    );
    assert.deepEqual(out[7]!.body.value, ['/groups/g7/owners?$select=id']);
    assert.deepEqual(
      g.server.seen.map((s) => requestsOf(s).length).sort((a, b) => a - b),
      [5, 20, 20],
    );
    for (const s of g.server.seen) {
      assert.equal(s.headers['x-ms-throttle-priority'], 'low');
      assert.equal(s.headers.authorization, 'Bearer test-token');
    }
    assert.equal(g.t.client.stats.requests, 3);
    assert.equal(g.t.client.stats.batchedRequests, 45);
    g.server.assertDone();
  });

  it('resends only inner 429/503 after the largest inner Retry-After, and returns other errors', async () => {
    const requests: BatchRequest[] = [
      { id: '1', method: 'GET', url: '/users/a' },
      { id: '2', method: 'GET', url: '/users/b' },
      { id: '3', method: 'GET', url: '/users/c' },
      { id: '4', method: 'POST', url: '/groups/g/members/$ref', body: { '@odata.id': 'x' } },
    ];
    g.server.expect(
      {
        method: 'POST',
        url: '/v1.0/$batch',
        body: {
          responses: [
            { id: '3', status: 404, headers: {}, body: { error: { code: 'Request_ResourceNotFound' } } },
            {
              id: '1',
              status: 429,
              headers: { 'Retry-After': '0.5' },
              body: { error: { code: 'TooManyRequests' } },
            },
            { id: '2', status: 200, headers: {}, body: { id: 'b' } },
            { id: '4', status: 503, headers: { 'retry-after': '1.249' }, body: {} },
          ],
        },
      },
      {
        method: 'POST',
        url: '/v1.0/$batch',
        body: {
          responses: [
            { id: '4', status: 204, headers: {} },
            { id: '1', status: 200, headers: {}, body: { id: 'a' } },
          ],
        },
      },
    );
    const out = await g.t.client.batch(requests);
    assert.deepEqual(
      out.map((r) => [r.id, r.status]),
      [
        ['1', 200],
        ['2', 200],
        ['3', 404],
        ['4', 204],
      ],
    );
    assert.deepEqual(g.t.waits, [1249]);
    const second = requestsOf(g.server.seen[1]!);
    assert.deepEqual(
      second.map((r) => r.id),
      ['1', '4'],
    );
    // A body travels with its Content-Type inside the inner request.
    assert.deepEqual(second[1]!.headers, { 'Content-Type': 'application/json' });
    assert.deepEqual(g.t.client.stats, { requests: 2, batchedRequests: 6, throttled: 1, retries: 2 });
    g.server.assertDone();
  });

  it('backs off when throttled inner responses carry no Retry-After, and returns them after the budget', async () => {
    await g.t.client.close();
    g.reconfigure({ maxAttempts: 2 });
    const throttled = { responses: [{ id: 'x', status: 429, headers: {}, body: {} }] };
    g.server.expect(
      { method: 'POST', url: '/v1.0/$batch', body: throttled },
      { method: 'POST', url: '/v1.0/$batch', body: throttled },
    );
    const out = await g.t.client.batch([{ id: 'x', method: 'GET', url: '/users' }]);
    assert.equal(out[0]!.status, 429);
    assert.deepEqual(g.t.waits, [500]);
    g.server.assertDone();
  });

  it('counts only rounds without progress against the attempt budget', async () => {
    await g.t.client.close();
    g.reconfigure({ maxAttempts: 2 });
    const throttled = (id: string) => ({ id, status: 429, headers: { 'retry-after': '0.1' }, body: {} });
    g.server.expect(
      {
        method: 'POST',
        url: '/v1.0/$batch',
        body: { responses: [throttled('a'), { id: 'b', status: 200, headers: {}, body: {} }] },
      },
      { method: 'POST', url: '/v1.0/$batch', body: { responses: [throttled('a')] } },
      { method: 'POST', url: '/v1.0/$batch', body: { responses: [throttled('a')] } },
    );
    const out = await g.t.client.batch([
      { id: 'a', method: 'GET', url: '/users/a' },
      { id: 'b', method: 'GET', url: '/users/b' },
    ]);
    assert.deepEqual(
      out.map((r) => r.status),
      [429, 200],
    );
    // Round 1 made progress, so round 2 was still a first attempt; round 2 did not, so round 3 was the last.
    assert.equal(g.server.seen.length, 3);
    g.server.assertDone();
  });

  it('reads inner responses from an outer 424', async () => {
    g.server.expect(
      {
        method: 'POST',
        url: '/v1.0/$batch',
        status: 424,
        body: {
          responses: [
            { id: 'a', status: 429, headers: { 'retry-after': '1' } },
            { id: 'b', status: 200, body: { id: 'b' } },
          ],
        },
      },
      {
        method: 'POST',
        url: '/v1.0/$batch',
        body: { responses: [{ id: 'a', status: 200, body: { id: 'a' } }] },
      },
    );
    const out = await g.t.client.batch([
      { id: 'a', method: 'GET', url: '/users/a' },
      { id: 'b', method: 'GET', url: '/users/b' },
    ]);
    assert.deepEqual(
      out.map((r) => r.body),
      [{ id: 'a' }, { id: 'b' }],
    );
    g.server.assertDone();
  });

  it('rejects duplicate ids and answers missing an id', async () => {
    await assert.rejects(
      g.t.client.batch([
        { id: 'a', method: 'GET', url: '/users' },
        { id: 'a', method: 'GET', url: '/groups' },
      ]),
      (e: Error & { kind?: string }) => e.kind === 'bug' && /duplicate/.test(e.message),
    );
    g.server.expect({ method: 'POST', url: '/v1.0/$batch', body: { responses: [] } });
    await assert.rejects(
      g.t.client.batch([{ id: 'a', method: 'GET', url: '/users' }]),
      (e: Error & { kind?: string }) => e.kind === 'bug',
    );
  });
});

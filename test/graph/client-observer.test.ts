import assert from 'node:assert/strict';
import type { GraphObserver, GraphOutcome } from '../../src/graph/types.js';
import { useScriptedGraph } from './helpers.js';

/** An observer that keeps what it was told. */
function recorder(): GraphObserver & { outcomes: GraphOutcome[]; throttles: number } {
  const r = {
    outcomes: [] as GraphOutcome[],
    throttles: 0,
    request: (e: { outcome: GraphOutcome; durationMs: number }) => {
      assert.ok(e.durationMs >= 0);
      r.outcomes.push(e.outcome);
    },
    throttled: () => void r.throttles++,
  };
  return r;
}

describe('graph client observer', () => {
  const g = useScriptedGraph();

  it('is told each attempt by outcome and each 429 as it happens, inside $batch too', async () => {
    const seen = recorder();
    await g.t.client.close();
    g.reconfigure({ observer: seen });
    g.server.expect(
      { method: 'GET', url: '/v1.0/users', status: 429, headers: { 'retry-after': '0' }, body: {} },
      { method: 'GET', url: '/v1.0/users', status: 503, body: {} },
      { method: 'GET', url: '/v1.0/users', reset: true },
      { method: 'GET', url: '/v1.0/users', body: { value: [] } },
      {
        method: 'GET',
        url: '/v1.0/groups/x',
        status: 404,
        body: { error: { code: 'Request_ResourceNotFound' } },
      },
      {
        method: 'POST',
        url: '/v1.0/$batch',
        body: { responses: [{ id: '1', status: 429, headers: { 'retry-after': '0' }, body: {} }] },
      },
      { method: 'POST', url: '/v1.0/$batch', body: { responses: [{ id: '1', status: 200, body: {} }] } },
    );
    await g.t.client.get('/users');
    await assert.rejects(g.t.client.get('/groups/x'));
    await g.t.client.batch([{ id: '1', method: 'GET', url: '/users/a' }]);
    assert.deepEqual(seen.outcomes, [
      'throttled',
      'server_error',
      'network_error',
      'success',
      'client_error',
      'success',
      'success',
    ]);
    assert.equal(seen.throttles, 2, 'the 429 to the request and the one inside the batch');
    assert.equal(seen.outcomes.length, g.t.client.stats.requests);
    g.server.assertDone();
  });

  it('an observer that throws does not break a request', async () => {
    await g.t.client.close();
    g.reconfigure({
      observer: {
        request: () => {
          throw new Error('broken counter');
        },
        throttled: () => {
          throw new Error('broken counter');
        },
      },
    });
    g.server.expect({ method: 'GET', url: '/v1.0/users', body: { value: [1] } });
    assert.deepEqual(await g.t.client.get('/users'), { value: [1] });
  });
});

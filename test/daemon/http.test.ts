import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startHttpServer, type HttpServerHandle, type ReadyReport } from '../../src/daemon/http.js';
import { createMetrics, recordSync } from '../../src/observability/metrics.js';

describe('daemon HTTP server and metrics', () => {
  let server: HttpServerHandle;
  let live = true;
  let ready: ReadyReport = {
    ready: false,
    checks: { config: { ok: true }, token: { ok: false, detail: 'not yet acquired' } },
  };
  const metrics = createMetrics();
  const get = (path: string, method = 'GET') => fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  before(async () => {
    server = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      live: () => live,
      ready: () => ready,
      status: () => ({ hostId: 'h' }),
      metrics: metrics.registry,
    });
  });
  after(() => server.close());

  it('/status answers the status document as JSON; without one it is not found', async () => {
    const res = await get('/status');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { hostId: 'h' });
    const bare = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      live: () => true,
      ready: () => ready,
      metrics: createMetrics({ defaultMetrics: false }).registry,
    });
    assert.equal((await fetch(`http://127.0.0.1:${bare.port}/status`)).status, 404);
    await bare.close();
  });

  it('/livez and /healthz follow the liveness callback', async () => {
    assert.equal((await get('/livez')).status, 200);
    assert.equal((await get('/healthz')).status, 200);
    live = false;
    assert.equal((await get('/livez')).status, 503);
    live = true;
  });

  it('/readyz returns 503 then 200 with the checks as JSON', async () => {
    let res = await get('/readyz');
    assert.equal(res.status, 503);
    assert.deepEqual(await res.json(), ready);
    ready = { ready: true, checks: { config: { ok: true }, token: { ok: true } } };
    res = await get('/readyz');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as ReadyReport).ready, true);
  });

  it('serves the named metrics, and the default process metrics under their standard names', async () => {
    metrics.leader.set(1);
    metrics.uploads.inc({ result: 'success' });
    recordSync(metrics, 'full', 'success', 1_000, 43_000);
    recordSync(metrics, 'full', 'failure', 50_000, 51_000);
    const res = await get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
    const text = await res.text();
    for (const name of [
      'baton_sync_duration_seconds_bucket{le="1800",kind="full",result="success"} 1',
      'baton_sync_runs_total{kind="full",result="failure"} 1',
      'baton_sync_last_success_timestamp_seconds{kind="full"}',
      'baton_sync_in_progress 0',
      'baton_build_info{version="unknown",node_version=',
      'baton_graph_request_duration_seconds_bucket',
      'baton_spool_bytes',
      'baton_control_plane_connected',
      'baton_sync_objects',
      'baton_graph_requests_total',
      'baton_graph_throttled_total',
      'baton_uploads_total{result="success"} 1',
      'baton_upload_bytes_total',
      'baton_spool_depth',
      'baton_tasks_total',
      'baton_leader 1',
      'baton_leader_transitions_total',
      'baton_config_reloads_total',
      '\nprocess_cpu_user_seconds_total',
      '\nnodejs_eventloop_lag_seconds',
    ])
      assert.ok(text.includes(name), `missing ${name}`);
    assert.doesNotMatch(text, /baton_(process|nodejs)_/);
    // Never a made-up 0 (1970) before the expiry is known.
    assert.doesNotMatch(text, /^baton_entra_credential_expiry_timestamp_seconds/m);
  });

  it('answers 404 for unknown paths, 405 for writes, HEAD without a body', async () => {
    assert.equal((await get('/nope')).status, 404);
    assert.equal((await get('/readyz', 'POST')).status, 405);
    const head = await get('/livez', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('a throwing readiness callback reports not ready instead of crashing', async () => {
    const s = await startHttpServer({
      host: '127.0.0.1',
      port: 0,
      live: () => true,
      ready: () => {
        throw new Error('boom');
      },
      metrics: createMetrics({ defaultMetrics: false }).registry,
    });
    const res = await fetch(`http://127.0.0.1:${s.port}/readyz`);
    assert.equal(res.status, 503);
    assert.match(await res.text(), /boom/);
    await s.close();
  });

  it('fails to start with a clear error when the port is taken', async () => {
    await assert.rejects(
      startHttpServer({
        host: '127.0.0.1',
        port: server.port,
        live: () => true,
        ready: () => ready,
        metrics: metrics.registry,
      }),
      /EADDRINUSE/,
    );
  });

  it("the README's metrics table lists exactly the daemon's own metrics", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const table = readme.slice(readme.indexOf('| Metric '));
    const rows = table.slice(0, table.indexOf('\n\n')).split('\n').slice(2);
    const documented = rows.flatMap((r) =>
      [...r.split('|')[1]!.matchAll(/`(baton_\w+)`/g)].map((m) => m[1]!),
    );
    const registered = (await createMetrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map(
      (m) => m.name,
    );
    assert.deepEqual([...documented].sort(), [...registered].sort());
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  collectEvents,
  listEvents,
  parseSince,
  toEvent,
  type ResourceChangeEvent,
} from '../../src/connector/events.js';
import { ScriptedServer } from '../support/scripted-graph.js';
import { testTls } from '../support/test-tls.js';
import { runCli } from '../support/cli.js';
import { authorityExpectations, CLIENT, TENANT, testClient } from './helpers.js';

const NOW = Date.parse('2026-01-02T00:00:00Z');

const audit = (
  id: string,
  targets: { id: string; type: string; displayName?: string }[],
  initiatedBy: object = { user: { id: 'admin', userPrincipalName: 'admin@contoso.com' } },
) => ({
  id,
  category: 'GroupManagement',
  activityDateTime: '2026-01-01T10:00:00Z',
  activityDisplayName: 'Add member to group',
  result: 'success',
  initiatedBy,
  targetResources: targets,
});

describe('events', () => {
  it('maps target resources to our resource types', () => {
    const e = toEvent(
      audit('a1', [
        { id: 'u1', type: 'User', displayName: 'Ann' },
        { id: 'g1', type: 'Group' },
        { id: 'sp1', type: 'ServicePrincipal' },
        { id: 'r1', type: 'Role' },
        { id: 'd1', type: 'Device' },
        { id: 'p1', type: 'Policy' },
        { id: 'u1', type: 'User' },
      ]),
    );
    assert.deepEqual(e, {
      id: 'a1',
      time: '2026-01-01T10:00:00Z',
      activity: 'Add member to group',
      category: 'GroupManagement',
      result: 'success',
      resources: [
        { type: 'user', id: 'u1', displayName: 'Ann' },
        { type: 'group', id: 'g1' },
        { type: 'enterprise_application', id: 'sp1' },
        { type: 'role', id: 'r1' },
        { type: 'device', id: 'd1' },
      ],
      initiatedBy: { type: 'user', id: 'admin', displayName: 'admin@contoso.com' },
    });
    const byApp = toEvent(
      audit('a2', [], {
        app: { appId: 'app-id', servicePrincipalId: 'sp-id', displayName: 'HR sync' },
        user: null,
      }),
    );
    assert.deepEqual(byApp?.initiatedBy, { type: 'app', id: 'sp-id', displayName: 'HR sync' });
    assert.equal(toEvent({ id: 'x' }), undefined);
  });

  it('parses --since as an ISO time or a duration', () => {
    assert.equal(parseSince('24h', NOW).toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(parseSince('1d12h', NOW).toISOString(), '2025-12-31T12:00:00.000Z');
    assert.equal(parseSince('90s', NOW).toISOString(), '2026-01-01T23:58:30.000Z');
    assert.equal(parseSince('2025-12-25T08:00:00Z', NOW).toISOString(), '2025-12-25T08:00:00.000Z');
    assert.throws(() => parseSince('yesterday', NOW), /ISO date-time .* duration/);
    assert.throws(() => parseSince('24', NOW));
  });

  it('--since speaks the same duration grammar as every setting', () => {
    assert.equal(parseSince('PT1H', NOW).toISOString(), '2026-01-01T23:00:00.000Z');
    assert.equal(parseSince('P1DT12H', NOW).toISOString(), '2025-12-31T12:00:00.000Z');
    assert.equal(parseSince('1.5h', NOW).toISOString(), '2026-01-01T22:30:00.000Z');
    assert.throws(() => parseSince('-1h', NOW), /ISO date-time .* duration/);
    assert.throws(() => parseSince('30y', NOW), /ISO date-time .* duration/);
  });

  describe('against Graph', () => {
    let server: ScriptedServer;
    beforeEach(async () => {
      server = await ScriptedServer.start();
    });
    afterEach(() => server.close());

    it('pages directoryAudits with an activityDateTime filter, gently', async () => {
      const first =
        '/v1.0/auditLogs/directoryAudits?$filter=activityDateTime%20ge%202026-01-01T00:00:00.000Z&$top=500';
      server.expect(
        {
          method: 'GET',
          url: first,
          bodyFn: (_r, o) => ({
            value: [audit('a1', [{ id: 'u1', type: 'User' }]), audit('a2', [{ id: 'p', type: 'Policy' }])],
            '@odata.nextLink': `${o}/v1.0/auditLogs/directoryAudits?$skiptoken=p2`,
          }),
        },
        {
          method: 'GET',
          url: '/v1.0/auditLogs/directoryAudits?$skiptoken=p2',
          body: { value: [audit('a3', [{ id: 'g1', type: 'Group' }])] },
        },
      );
      const t = testClient(server);
      let clock = NOW;
      const waits: number[] = [];
      const events: ResourceChangeEvent[] = [];
      for await (const e of listEvents(t.client, {
        since: parseSince('24h', NOW),
        now: () => clock,
        sleep: (ms) => (waits.push(ms), (clock += ms), Promise.resolve()),
      }))
        events.push(e);
      await t.client.close();
      assert.deepEqual(
        events.map((e) => e.id),
        ['a1', 'a3'],
      );
      assert.deepEqual(waits, [2000]);
      assert.ok(server.seen.every((r) => r.headers['x-ms-throttle-priority'] === 'low'));
      server.assertDone();
    });

    it('collects events into a bounded list', async () => {
      const page = (ids: string[], next?: string) => ({
        value: ids.map((id) => audit(id, [{ id: 'u1', type: 'User' }])),
        ...(next ? { '@odata.nextLink': next } : {}),
      });
      server.expect(
        {
          method: 'GET',
          url: /^\/v1\.0\/auditLogs\/directoryAudits\?\$filter=/,
          bodyFn: (_r, o) => page(['a1', 'a2'], `${o}/v1.0/auditLogs/directoryAudits?$skiptoken=2`),
        },
        { method: 'GET', url: '/v1.0/auditLogs/directoryAudits?$skiptoken=2', body: page(['a3']) },
      );
      const t = testClient(server);
      const all = await collectEvents(t.client, {
        since: new Date(NOW - 3600_000),
        sleep: () => Promise.resolve(),
      });
      assert.deepEqual([all.events.length, all.truncated], [3, false]);
      server.expect({
        method: 'GET',
        url: /^\/v1\.0\/auditLogs\/directoryAudits\?\$filter=/,
        body: page(['b1', 'b2', 'b3']),
      });
      const capped = await collectEvents(t.client, { since: new Date(NOW - 3600_000), max: 2 });
      await t.client.close();
      assert.deepEqual([capped.events.map((e) => e.id), capped.truncated], [['b1', 'b2'], true]);
      server.assertDone();
    });

    it('baton-entra events prints one JSON line per event and rejects a bad --since', async () => {
      const bad = await runCli(['events', '--since', 'last week'], {});
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--since: expected an ISO date-time/);

      const { caPem } = await testTls();
      const caFile = join(mkdtempSync(join(tmpdir(), 'baton-ca-')), 'ca.pem');
      writeFileSync(caFile, caPem);
      server.expect(...authorityExpectations(TENANT, undefined, 'tok'), {
        method: 'GET',
        url: /^\/v1\.0\/auditLogs\/directoryAudits\?\$filter=activityDateTime%20ge%202025-12-25T00:00:00\.000Z%20and%20activityDateTime%20lt%202025-12-26T00:00:00\.000Z&\$top=500$/,
        body: { value: [audit('a1', [{ id: 'u1', type: 'User' }])] },
      });
      const r = await runCli(
        ['events', '--since', '2025-12-25T00:00:00Z', '--until', '2025-12-26T00:00:00Z'],
        {
          NODE_EXTRA_CA_CERTS: caFile,
          BATON_ENTRA_TENANT_ID: TENANT,
          BATON_ENTRA_CLIENT_ID: CLIENT,
          BATON_ENTRA_CLIENT_SECRET: 'test-client-secret',
          BATON_GRAPH_DOMAIN: server.host,
          BATON_ENTRA_AUTHORITY_HOST: server.origin,
        },
      );
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ResourceChangeEvent);
      assert.deepEqual(
        lines.map((e) => [e.id, e.resources]),
        [['a1', [{ type: 'user', id: 'u1' }]]],
      );
      server.assertDone();
    });
  });
});

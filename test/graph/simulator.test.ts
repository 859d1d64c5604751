import assert from 'node:assert/strict';
import tls from 'node:tls';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { loadConfig } from '../../src/config/load.js';
import type { ConnectorConfig } from '../../src/config/types.js';
import { createGraphClient } from '../../src/graph/client.js';
import { createCredential } from '../../src/graph/credentials.js';
import { validateConnection } from '../../src/graph/validate.js';
import { listEvents } from '../../src/connector/events.js';
import { GraphError } from '../../src/graph/errors.js';
import { rsaCertificate } from '../support/app-certificate.js';
import { simulatorEnv } from '../support/simulator-env.js';

/** Integration: the connector's config, credentials and client against the Entra simulator. */
describe('graph client against the simulator', () => {
  let sim: Simulator;
  let config: ConnectorConfig;

  before(async () => {
    sim = await startSimulator({
      preset: 'small',
      seed: 11,
      size: { users: 260, guests: 5, groups: 30, memberships: 400, directoryAudits: 60, devices: 10 },
    });
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
    config = loadConfig({
      ...simulatorEnv(sim),
    });
  });
  after(() => sim.close());
  afterEach(() => sim.setFaults([]));

  it('authenticates with the client secret and pages every user', async () => {
    const client = createGraphClient(config);
    const ids: string[] = [];
    let pages = 0;
    for await (const page of client.pages<{ id: string }>('/users?$select=id&$top=100', {
      priority: 'low',
    })) {
      pages++;
      ids.push(...page.value.map((u) => u.id));
    }
    await client.close();
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(ids.length, sim.tenant.users.size);
    assert.equal(pages, Math.ceil(ids.length / 100));
  });

  it('rides out injected 429s and resets', async () => {
    sim.setFaults([
      { path: '^/v1\\.0/groups$', kind: 'status429', value: 0.01, count: 2 },
      { path: '^/v1\\.0/groups$', kind: 'reset', count: 1 },
    ]);
    const client = createGraphClient(config, { sleep: () => Promise.resolve() });
    let count = 0;
    for await (const page of client.pages<{ id: string }>('/groups?$select=id')) count += page.value.length;
    await client.close();
    assert.equal(count, sim.tenant.groups.size);
    assert.ok(client.stats.retries >= 3, JSON.stringify(client.stats));
    assert.ok(client.stats.throttled >= 2, JSON.stringify(client.stats));
  });

  it('batches member reads for many groups, in request order', async () => {
    const client = createGraphClient(config);
    const groupIds = [...sim.tenant.groups.keys()];
    const out = await client.batch<{ value: unknown[] }>(
      groupIds.map((id, i) => ({ id: String(i), method: 'GET', url: `/groups/${id}/members?$select=id` })),
    );
    await client.close();
    assert.deepEqual(
      out.map((r) => r.id),
      groupIds.map((_, i) => String(i)),
    );
    assert.ok(out.every((r) => r.status === 200 && Array.isArray(r.body.value)));
    assert.equal(client.stats.requests, Math.ceil(groupIds.length / 20));
  });

  it('classifies a missing object as not_found', async () => {
    const client = createGraphClient(config);
    await assert.rejects(
      client.get('/users/00000000-0000-0000-0000-00000000dead'),
      (e: GraphError) => e.kind === 'not_found',
    );
    await client.close();
  });

  it('validates the connection', async () => {
    const credential = createCredential(config);
    const client = createGraphClient(config, { credential });
    const report = await validateConnection(config, client, credential);
    await client.close();
    const failed = report.probes.filter((p) => !p.ok);
    assert.deepEqual(failed, [], JSON.stringify(failed, null, 2));
    assert.equal(report.status, 'connected', JSON.stringify(report, null, 2));
    assert.ok(
      report.grantedPermissions?.includes('User.Read.All'),
      JSON.stringify(report.grantedPermissions),
    );
  });

  it('lists audit events', async () => {
    const client = createGraphClient(config);
    const events = [];
    for await (const e of listEvents(client, {
      since: new Date(Date.now() - 30 * 86_400_000),
      sleep: () => Promise.resolve(),
    }))
      events.push(e);
    await client.close();
    assert.ok(events.length > 0);
    assert.ok(events.every((e) => e.resources.length > 0 && e.time));
  });

  it('authenticates with a certificate registered on the app', async () => {
    const { certPem, keyPem } = await rsaCertificate();
    const registration = sim.tenant.clients.get(sim.clientId)!;
    registration.certificates.push({
      keyId: '00000000-0000-0000-0000-00000000cafe',
      pem: certPem,
      endDateTime: '2099-01-01T00:00:00Z',
    });
    const certConfig = loadConfig({
      BATON_ENTRA_TENANT_ID: sim.tenantId,
      BATON_ENTRA_CLIENT_ID: sim.clientId,
      BATON_ENTRA_CERTIFICATE: certPem,
      BATON_ENTRA_CERTIFICATE_KEY: keyPem,
      BATON_GRAPH_DOMAIN: sim.graphDomain,
      BATON_ENTRA_AUTHORITY_HOST: sim.authorityHost,
    });
    const client = createGraphClient(certConfig);
    const body = await client.get<{ value: unknown[] }>('/users?$top=1&$select=id');
    await client.close();
    assert.equal(body.value.length, 1);
  });

  it('names the permissions the simulator refuses, per feature', async () => {
    const registration = sim.tenant.clients.get(sim.clientId)!;
    const saved = [...registration.graphRoles];
    registration.graphRoles.splice(
      0,
      registration.graphRoles.length,
      'User.Read.All',
      'Group.Read.All',
      'Application.Read.All',
      'LicenseAssignment.Read.All',
      'AuditLog.Read.All',
    );
    try {
      // A fresh credential: roles are fixed in the token when it is issued.
      const credential = createCredential(config);
      const client = createGraphClient(config, { credential });
      const report = await validateConnection(config, client, credential);
      await client.close();
      assert.equal(report.status, 'unconnected');
      assert.deepEqual(
        report.probes.filter((p) => !p.ok).map((p) => [p.feature, p.kind, p.missingPermission]),
        [
          ['role', 'permission_denied', 'RoleManagement.Read.Directory'],
          ['role', 'permission_denied', 'RoleManagement.Read.Directory'],
          ['role', 'permission_denied', 'RoleEligibilitySchedule.Read.Directory'],
        ],
      );
    } finally {
      registration.graphRoles.splice(0, registration.graphRoles.length, ...saved);
    }
  });

  it('reports a wrong secret as unauthenticated with its AADSTS code', async () => {
    const bad = { ...config, auth: { ...config.auth, clientSecret: 'not-the-secret' } } as ConnectorConfig;
    const client = createGraphClient(bad, { maxAttempts: 1 });
    await assert.rejects(client.get('/users?$top=1'), (e: GraphError) => {
      assert.equal(e.kind, 'unauthenticated', e.message);
      assert.match(e.details.code ?? '', /^AADSTS\d+$/);
      assert.ok(!e.message.includes('not-the-secret'));
      return true;
    });
    await client.close();
  });
});

describe('graph client against a throttling simulator', () => {
  let sim: Simulator;
  before(async () => {
    // Under 50 users: the smallest quota, 3,500 resource units per 10 s.
    sim = await startSimulator({
      preset: 'small',
      seed: 5,
      size: { users: 40, guests: 2, groups: 40, memberships: 120, directoryAudits: 8, devices: 2 },
    });
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
  });
  after(() => sim.close());

  it('recovers from real throttling, waiting on the simulator clock', async () => {
    const config = loadConfig({
      BATON_ENTRA_TENANT_ID: sim.tenantId,
      BATON_ENTRA_CLIENT_ID: sim.clientId,
      BATON_ENTRA_CLIENT_SECRET: sim.clientSecret,
      BATON_GRAPH_DOMAIN: sim.graphDomain,
      BATON_ENTRA_AUTHORITY_HOST: sim.authorityHost,
    });
    const waits: number[] = [];
    let skew = 0;
    // Waiting moves the simulator's clock (and ours) instead of real time, so its token bucket refills.
    const sleep = (ms: number): Promise<void> => (
      waits.push(ms),
      (skew += ms),
      sim.advanceClock(ms),
      Promise.resolve()
    );
    const client = createGraphClient(config, { sleep, now: () => Date.now() + skew });
    const groupIds = [...sim.tenant.groups.keys()];
    // 40 groups x 40 rounds of member reads at 3 RU each: well over one 10-second quota.
    const requests = Array.from({ length: 1600 }, (_, i) => ({
      id: String(i),
      method: 'GET' as const,
      url: `/groups/${groupIds[i % groupIds.length]}/members`,
    }));
    const out = await client.batch(requests, { priority: 'low' });
    await client.close();
    assert.ok(client.stats.throttled > 0, JSON.stringify(client.stats));
    assert.ok(waits.length > 0);
    assert.deepEqual([...new Set(out.map((r) => r.status))], [200]);
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { ConnectorConfig } from '../../../src/config/types.js';
import { runSync } from '../../../src/connector/sync.js';
import { expectedIds } from './expected.js';
import { FakeGraph } from './support/fake-graph.js';
import { demoTenant } from './support/fake-tenant.js';
import { exportOf, FIXED_NOW, idsOf, tempDir, testConfig } from './support/harness.js';

describe('sync options', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  async function sync(patch: Partial<ConnectorConfig>) {
    const config = testConfig(patch);
    const graph = new FakeGraph(demoTenant());
    const out = join(tmp.dir, 'a.snap');
    await runSync({ config, outFile: out, graph, now: () => FIXED_NOW });
    const records = await exportOf(out);
    return { config, graph, records, resources: idsOf(records, 'resource'), grants: idsOf(records, 'grant') };
  }

  const matrix: [string, Partial<ConnectorConfig>][] = [
    ['skipAdGroups', { skipAdGroups: true }],
    ['skipAdGroups + includeOnPremGroupMembers', { skipAdGroups: true, includeOnPremGroupMembers: true }],
    ['licensedUsersOnly', { licensedUsersOnly: true }],
    ['skipUnassignedApps', { skipUnassignedApps: true }],
    ['syncDevices off', { syncDevices: false }],
  ];
  for (const [name, patch] of matrix) {
    it(`${name}: the snapshot holds exactly what the option selects`, async () => {
      const r = await sync(patch);
      const want = expectedIds(demoTenant(), r.config);
      assert.deepEqual(r.resources, want.resources);
      assert.deepEqual(r.grants, want.grants);
    });
  }

  it('skipAdGroups drops the on-premises group and on-premises users from cloud groups', async () => {
    const r = await sync({ skipAdGroups: true });
    assert.ok(!r.resources.includes('group:g3'));
    assert.ok(!r.grants.includes('group:g2:member:user:u7'));
    assert.ok(r.resources.includes('user:u7'), 'on-premises users are still synced');
  });

  it('scopeGroups keeps only transitive members of the scope groups (through a cycle)', async () => {
    const r = await sync({ scopeGroups: ['g2'] });
    // g2 → u4, u7, g1 → u1, u2, u3 (g1 → g2 closes a cycle)
    assert.deepEqual(
      r.resources.filter((id) => id.startsWith('user:')),
      ['user:u1', 'user:u2', 'user:u3', 'user:u4', 'user:u7'],
    );
    assert.ok(!r.grants.some((g) => g.endsWith(':user:u5') || g.endsWith(':user:u6')));
  });

  it('syncResourceTypes limits both the snapshot and the Graph requests', async () => {
    const r = await sync({ syncResourceTypes: ['user', 'group'], syncDevices: false });
    assert.deepEqual(idsOf(r.records, 'resource_type'), ['group', 'user']);
    assert.ok(
      !r.graph.urls.some((u) => /servicePrincipals|roleManagement|subscribedSkus|devices/.test(u)),
      r.graph.urls.join('\n'),
    );
  });

  it('deviceJoinTypes keeps only devices of those join types', async () => {
    const r = await sync({ deviceJoinTypes: ['entra'] });
    assert.deepEqual(
      r.resources.filter((id) => id.startsWith('device:')),
      ['device:d1'],
    );
  });

  it('devices stale after deviceStaleDays are marked in profile and status', async () => {
    const r = await sync({ deviceStaleDays: 90 });
    const d2 = r.records.find((x) => x.id === 'device:d2');
    assert.ok(d2?.kind === 'resource');
    assert.equal(d2.status, 'disabled');
    assert.equal((d2.data.profile as Record<string, unknown>).stale, true);
  });
});

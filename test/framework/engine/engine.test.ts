import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SyncAbortedError } from '../../../src/framework/errors.js';
import { GraphError } from '../../../src/graph/errors.js';
import { PHASE_WIDTH } from '../../../src/framework/engine/phases.js';
import { runSync } from '../../../src/connector/sync.js';
import { expectedIds } from './expected.js';
import { FakeGraph } from './support/fake-graph.js';
import { demoTenant } from './support/fake-tenant.js';
import { exportOf, FIXED_NOW, idsOf, tempDir, testConfig } from './support/harness.js';

describe('sync engine against an in-test Graph client', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const now = () => FIXED_NOW;

  it('a full sync holds exactly the tenant: every resource and grant, nothing else', async () => {
    const t = demoTenant();
    const graph = new FakeGraph(t);
    const config = testConfig();
    const out = join(tmp.dir, 'a.snap');
    const { header } = await runSync({ config, outFile: out, graph, now });
    const records = await exportOf(out);
    const want = expectedIds(t, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources);
    assert.deepEqual(idsOf(records, 'grant'), want.grants);
    assert.equal(header.kind, 'full');
    assert.equal(header.counts.grants, want.grants.length);
    assert.equal(header.graphRequests, graph.stats.requests);
    assert.deepEqual([...graph.priorities], ['low']);
    const u2 = records.find((r) => r.id === 'user:u2');
    assert.deepEqual(
      u2?.kind === 'resource' && [
        (u2.data.profile as Record<string, unknown>).manager_id,
        (u2.data.profile as Record<string, unknown>).manager_email,
      ],
      ['u1', 'user1@contoso.test'],
    );
    // Nested group grants expand to the child's members; owners do not.
    const nested = records.find((r) => r.id === 'group:g1:member:group:g2');
    assert.ok(nested?.kind === 'grant' && nested.expandable?.[0] === 'group:g2:member');
    // Scoped role assignments merge into one grant listing its scopes.
    const ua = records.find((r) => r.id === 'role:rd-ua:assigned:user:u2');
    assert.deepEqual(ua?.kind === 'grant' && ua.data, {
      directory_scopes: ['/', '/administrativeUnits/au1'],
    });
    // The SP over the expand cap was listed in full; no per-group member listing was made.
    assert.ok(graph.urls.some((u) => u.includes('/servicePrincipals/sp-app/appRoleAssignedTo')));
    assert.ok(!graph.urls.some((u) => /\/groups\/[^/]+\/members/.test(u)));
    assert.ok(!existsSync(join(tmp.dir, 'a.snap.work.db')), 'working database removed');
  });

  it('a failed listing fails the sync, writes nothing, and leaves the previous snapshot intact', async () => {
    const out = join(tmp.dir, 'a.snap');
    writeFileSync(out, 'previous snapshot');
    const graph = new FakeGraph(demoTenant());
    graph.onRequest = (_n, url) => {
      if (url.includes('/groups/delta')) throw new GraphError('denied', 'permission_denied', { status: 403 });
    };
    await assert.rejects(runSync({ config: testConfig(), outFile: out, graph, now }), /denied/);
    assert.equal(readFileSync(out, 'utf8'), 'previous snapshot');
  });

  it('a sync interrupted at any request and re-run ends in the same content as an uninterrupted one', async function () {
    const config = testConfig();
    const reference = join(tmp.dir, 'ref.snap');
    const probe = new FakeGraph(demoTenant());
    await runSync({ config, outFile: reference, graph: probe, now });
    const want = await exportOf(reference);
    const total = probe.stats.requests;
    for (let cut = 1; cut <= total; cut++) {
      const out = join(tmp.dir, `cut-${cut}.snap`);
      const ac = new AbortController();
      const graph = new FakeGraph(demoTenant());
      graph.onRequest = (n) => {
        if (n === cut) ac.abort(new Error(`cut at ${cut}`));
      };
      await assert.rejects(
        runSync({ config, outFile: out, graph, now, signal: ac.signal }),
        SyncAbortedError,
      );
      assert.ok(!existsSync(out));
      const again = new FakeGraph(demoTenant());
      const { header } = await runSync({ config, outFile: out, graph: again, now });
      assert.deepEqual(await exportOf(out), want, `cut at request ${cut}`);
      // Phases run side by side, each with a page in hand and the next one prefetched: at most
      // those requests are made twice; everything committed before the cut is not read again.
      assert.ok(
        header.graphRequests <= total + 2 * PHASE_WIDTH,
        `resume at ${cut} re-read committed pages (${header.graphRequests} requests in all)`,
      );
      assert.ok(header.graphRequests >= total, 'requests of both runs are counted');
    }
  });

  it('an incremental sync after changes equals a fresh full sync, with far fewer requests', async () => {
    const t = demoTenant();
    const config = testConfig();
    const first = join(tmp.dir, 'first.snap');
    const full = new FakeGraph(t);
    const base = await runSync({ config, outFile: first, graph: full, now });
    t.addUser({ id: 'u8', displayName: 'New', userPrincipalName: 'new@contoso.test' });
    t.addMember('g2', 'u8');
    t.deleteUser('u4');
    t.removeMember('g1', 'u2');
    t.updateUser('u5', { jobTitle: 'Manager', assignedLicenses: [{ skuId: 'sku-f1', disabledPlans: [] }] });
    t.deleteGroup('g4');
    t.addDevice({ id: 'd3', displayName: 'new-laptop', trustType: 'ServerAd' });
    t.roleAssignments.push({ roleDefinitionId: 'rd-ga', principalId: 'u8', directoryScopeId: '/' });
    const inc = join(tmp.dir, 'inc.snap');
    const g2 = new FakeGraph(t);
    const { header } = await runSync({ config, outFile: inc, incrementalFrom: first, graph: g2, now });
    assert.equal(header.kind, 'incremental');
    assert.equal(header.parentSyncId, base.header.syncId);
    const fresh = join(tmp.dir, 'fresh.snap');
    await runSync({ config, outFile: fresh, graph: new FakeGraph(t), now });
    assert.deepEqual(await exportOf(inc), await exportOf(fresh));
    const u5 = (await exportOf(inc)).find((r) => r.id === 'user:u5');
    assert.equal(
      u5?.kind === 'resource' && (u5.data.profile as Record<string, unknown>).job_title,
      'Manager',
    );
    assert.ok(g2.urls.some((u) => u.includes('$deltatoken')));
    assert.ok(g2.stats.requests < full.stats.requests, `${g2.stats.requests} vs ${full.stats.requests}`);
  });

  it('an expired delta link falls back to a full sync', async () => {
    const t = demoTenant();
    const config = testConfig();
    const first = join(tmp.dir, 'first.snap');
    await runSync({ config, outFile: first, graph: new FakeGraph(t), now });
    t.addUser({ id: 'u9', displayName: 'Later', userPrincipalName: 'later@contoso.test' });
    const graph = new FakeGraph(t);
    graph.expiredBefore = Number.MAX_SAFE_INTEGER;
    const out = join(tmp.dir, 'next.snap');
    const { header } = await runSync({ config, outFile: out, incrementalFrom: first, graph, now });
    assert.equal(header.kind, 'full');
    assert.equal(header.graphRequests, graph.stats.requests, 'the abandoned replay is counted too');
    assert.deepEqual(idsOf(await exportOf(out), 'resource'), expectedIds(t, config).resources);
  });

  it('a delta link recorded for another $select is not replayed: that collection is listed afresh', async () => {
    const t = demoTenant();
    const first = join(tmp.dir, 'first.snap');
    await runSync({ config: testConfig(), outFile: first, graph: new FakeGraph(t), now });
    t.deleteUser('u6');
    const graph = new FakeGraph(t);
    const config = testConfig({ onPremisesExtensionAttributes: true });
    const out = join(tmp.dir, 'next.snap');
    const { header } = await runSync({ config, outFile: out, incrementalFrom: first, graph, now });
    assert.equal(header.kind, 'incremental');
    const usersCalls = graph.urls.filter((u) => u.includes('/users/delta'));
    assert.ok(usersCalls.every((u) => !u.includes('$deltatoken')) && usersCalls.length > 0);
    assert.ok(graph.urls.some((u) => u.includes('/groups/delta') && u.includes('$deltatoken')));
    assert.deepEqual(idsOf(await exportOf(out), 'resource'), expectedIds(t, config).resources);
  });

  it('a tenant without PIM syncs active role assignments and warns', async () => {
    const t = demoTenant();
    t.pim = false;
    const out = join(tmp.dir, 'a.snap');
    await runSync({ config: testConfig(), outFile: out, graph: new FakeGraph(t), now });
    const grants = idsOf(await exportOf(out), 'grant');
    assert.ok(grants.includes('role:rd-ga:assigned:user:u1'));
    assert.ok(!grants.some((g) => g.includes(':eligible:')));
    assert.deepEqual(grants, expectedIds(t, testConfig()).grants);
  });
});

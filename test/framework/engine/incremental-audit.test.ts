import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { ConnectorConfig } from '../../../src/config/types.js';
import { SyncAbortedError } from '../../../src/framework/errors.js';
import { createGraphClient } from '../../../src/graph/client.js';
import type { GraphClient } from '../../../src/graph/types.js';
import { runSync } from '../../../src/connector/sync.js';
import { exportOf, idsOf } from './support/harness.js';
import { expectedFromStore } from './support/tenant-expected.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';

const ZERO = '00000000-0000-0000-0000-000000000000';
const SP_LIST = 'GET /v1.0/servicePrincipals';
const SP_DELTA = 'GET /v1.0/servicePrincipals/delta';
const AUDITS = 'GET /v1.0/auditLogs/directoryAudits';
const ROLE_ASSIGNMENTS = 'GET /v1.0/roleManagement/directory/roleAssignments';
const BATCH = 'POST /v1.0/$batch';
/** Listings of service principals a sync started, less the second one that expands their owners. */
const spListings = (r: { paged: string[] }) =>
  r.paged.filter((p) => p.startsWith('/servicePrincipals?') && !p.includes('$expand=owners')).length;
const HOUR = 3_600_000;

describe('incremental sync driven by service-principal delta and the audit log', function () {
  let config: ConnectorConfig;
  let n = 0;
  // The connector's clock runs with the simulator's: each test starts an hour later, past the
  // audit poll's latency margin, so the previous test's writes are not in its window.
  let offset = 0;
  const now = () => Date.now() + offset;
  beforeEach(() => {
    fx.sim.advanceClock(HOUR);
    offset += HOUR;
  });

  const fx = useSimulator({ preset: 'demo', seed: 11, host: '127.0.0.1' });
  before(async () => {
    config = loadConfig({
      ...simulatorEnv(fx.sim),
    });
    // The writes below are an administrator's (the sync itself only reads).
    const client = fx.sim.tenant.clients.get(fx.sim.clientId)!;
    fx.sim.tenant.updateClient(fx.sim.clientId, {
      graphRoles: [
        ...client.graphRoles,
        'Application.ReadWrite.All',
        'RoleManagement.ReadWrite.Directory',
        'AppRoleAssignment.ReadWrite.All',
      ],
    });
  });

  /** A Graph write by its own client: the simulator's clock moves past earlier tokens' expiry. */
  async function write(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
    const writer = createGraphClient(config);
    try {
      await writer.request(method, path, body);
    } finally {
      await writer.close();
    }
  }

  /** One sync; returns its export, header and the Graph endpoints it called (with counts). */
  async function sync(from?: string) {
    const out = join(fx.dir, `s${n++}.snap`);
    fx.sim.resetCounters();
    const real = createGraphClient(config);
    // Records what the engine asks for: paged URLs, and the URLs inside each $batch.
    const paged: string[] = [];
    const batched: string[] = [];
    const graph: GraphClient = {
      stats: real.stats,
      get: (p, o) => real.get(p, o),
      request: (m, p, b, o) => real.request(m, p, b, o),
      batch: (r, o) => {
        batched.push(...r.map((x) => x.url));
        return real.batch(r, o);
      },
      pages: (p, o) => {
        paged.push(p);
        return real.pages(p, o);
      },
    } as GraphClient;
    let header;
    try {
      ({ header } = await runSync({
        config,
        now,
        graph,
        outFile: out,
        ...(from ? { incrementalFrom: from } : {}),
      }));
    } finally {
      await real.close();
    }
    const calls: Record<string, number> = {};
    for (const [k, c] of Object.entries(fx.sim.counters()))
      if (k.startsWith('GET ') || k.startsWith('POST ')) calls[k] = c.requests;
    const records = await exportOf(out);
    const want = expectedFromStore(fx.sim.tenant, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources);
    assert.deepEqual(idsOf(records, 'grant'), want.grants);
    return { out, header, calls, records, paged, batched };
  }

  /** The incremental's export must be what a fresh full sync of the same tenant gives. */
  async function assertSameAsFresh(records: unknown) {
    const fresh = await sync();
    assert.deepEqual(records, fresh.records);
    return fresh;
  }

  /** An enterprise application of the tenant with a user it has not granted default access to. */
  function appAndOutsider(): { spId: string; userId: string } {
    const t = fx.sim.tenant;
    for (const [spId, sp] of t.servicePrincipals) {
      if (sp.servicePrincipalType !== 'Application' || t.appRoleAssignedTo(spId).length === 0) continue;
      const granted = new Set(t.appRoleAssignedTo(spId).map((a) => a.principalId));
      const userId = [...t.users.keys()].find((u) => !granted.has(u));
      if (userId) return { spId, userId };
    }
    throw new Error('demo tenant has no assigned enterprise application');
  }

  it('re-reads only the service principals the audit log names, and keeps role edges', async () => {
    const base = await sync();
    assert.equal(base.calls[SP_DELTA], 1, 'the full sync takes a latest delta link');
    assert.equal(spListings(base), 1);

    const { spId, userId } = appAndOutsider();
    const owner = [...fx.sim.tenant.users.keys()].find((u) => !fx.sim.tenant.ownersOf(spId).includes(u))!;
    await write('POST', `/servicePrincipals/${spId}/appRoleAssignedTo`, {
      principalId: userId,
      resourceId: spId,
      appRoleId: ZERO,
    });
    await write('POST', `/servicePrincipals/${spId}/owners/$ref`, {
      '@odata.id': `https://graph.microsoft.com/v1.0/directoryObjects/${owner}`,
    });

    const inc = await sync(base.out);
    assert.equal(inc.header.kind, 'incremental');
    assert.equal(inc.calls[SP_LIST], undefined, 'no service-principal listing');
    assert.equal(inc.calls[SP_DELTA], 1);
    assert.equal(inc.calls[AUDITS], 1);
    assert.equal(inc.calls[ROLE_ASSIGNMENTS], undefined, 'no role event: role edges kept');
    // Assignments and owners of the one named service principal: one $batch each.
    assert.equal(inc.calls[BATCH], 2);
    assert.ok(
      inc.header.graphRequests < base.header.graphRequests,
      `${inc.header.graphRequests} < ${base.header.graphRequests}`,
    );
    const grants = idsOf(inc.records, 'grant');
    assert.ok(
      grants.some((g) => g.includes(spId) && g.includes(userId)),
      'the new grant is there',
    );
    assert.ok(grants.some((g) => g.includes(spId) && g.includes(':owner:') && g.includes(owner)));
    await assertSameAsFresh(inc.records);
  });

  it('an application permission granted to a managed identity and one revoked from an app show in the incremental', async () => {
    const base = await sync();
    const t = fx.sim.tenant;
    const graphSp = [...t.servicePrincipals.values()].find(
      (sp) => sp.appId === '00000003-0000-0000-c000-000000000000',
    )!;
    const appRoles = new Set(
      graphSp.appRoles.filter((r) => r.allowedMemberTypes.includes('Application')).map((r) => r.id),
    );
    const mi = [...t.servicePrincipals.values()].find((sp) => sp.servicePrincipalType === 'ManagedIdentity')!;
    const held = new Set(t.appRoleAssignmentsOf(mi.id).map((a) => a.appRoleId));
    const role = [...appRoles].find((r) => !held.has(r))!;
    await write('POST', `/servicePrincipals/${graphSp.id}/appRoleAssignedTo`, {
      principalId: mi.id,
      resourceId: graphSp.id,
      appRoleId: role,
    });
    const revoked = [...t.appRoleAssignments.values()].find(
      (a) => a.principalType === 'ServicePrincipal' && a.resourceId !== graphSp.id && a.appRoleId !== ZERO,
    )!;
    await write('DELETE', `/servicePrincipals/${revoked.resourceId}/appRoleAssignedTo/${revoked.id}`);

    const inc = await sync(base.out);
    assert.equal(inc.calls[SP_LIST], undefined, 'no service-principal listing');
    const grants = idsOf(inc.records, 'grant');
    assert.ok(
      grants.includes(`enterprise_application:${graphSp.id}:assignment:${role}:managed_identity:${mi.id}`),
    );
    assert.ok(
      !grants.some(
        (g) =>
          g.startsWith(`enterprise_application:${revoked.resourceId}:assignment:${revoked.appRoleId}:`) &&
          g.endsWith(`:${revoked.principalId}`),
      ),
    );
    await assertSameAsFresh(inc.records);
  });

  it('a role assignment made through Graph re-reads that role only, and nothing of the apps', async () => {
    const base = await sync();
    const t = fx.sim.tenant;
    const role = [...t.roleDefinitions.values()].find((r) => r.displayName === 'Helpdesk Administrator')!;
    const holders = new Set(
      [...t.roleAssignments.values()].filter((a) => a.roleDefinitionId === role.id).map((a) => a.principalId),
    );
    const userId = [...t.users.keys()].find((u) => !holders.has(u))!;
    await write('POST', '/roleManagement/directory/roleAssignments', {
      roleDefinitionId: role.id,
      principalId: userId,
      directoryScopeId: '/',
    });

    const inc = await sync(base.out);
    const filter = `$filter=roleDefinitionId eq '${role.id}'`;
    assert.deepEqual(
      inc.batched.map((u) => u.replace(/\?.*/, '')),
      [
        '/roleManagement/directory/roleAssignments',
        '/roleManagement/directory/roleAssignmentScheduleInstances',
        '/roleManagement/directory/roleEligibilityScheduleInstances',
      ],
      'one $batch of the three listings filtered to the role; no service principal re-read',
    );
    assert.ok(inc.batched.every((u) => u.includes(filter)));
    assert.ok(!inc.paged.some((u) => u.includes('/roleAssignments')), 'no full role listing');
    assert.equal(inc.calls[BATCH], 1);
    assert.ok(idsOf(inc.records, 'grant').some((g) => g.includes(role.id) && g.includes(userId)));
    await assertSameAsFresh(inc.records);
  });

  it('changes made on the tenant directly are audited too: revoked grants and deleted users', async () => {
    const base = await sync();
    const t = fx.sim.tenant;
    const assignment = [...t.appRoleAssignments.values()].find((a) => a.principalType === 'User')!;
    t.removeAppRoleAssignment(assignment.id);
    const roleHolder = [...t.roleAssignments.values()].find((a) => t.users.has(a.principalId))!;
    t.deleteUser(roleHolder.principalId);
    const inc = await sync(base.out);
    assert.equal(inc.calls[SP_LIST], undefined);
    await assertSameAsFresh(inc.records);
  });

  it('a restored user gets its grants back: a restore relists apps and roles', async () => {
    const base = await sync();
    const t = fx.sim.tenant;
    const holder = [...t.roleAssignments.values()].find(
      (a) => t.users.has(a.principalId) && t.appRoleAssignmentsOf(a.principalId).length > 0,
    )!.principalId;
    t.deleteUser(holder);
    const gone = await sync(base.out);
    assert.ok(!idsOf(gone.records, 'grant').some((g) => g.includes(holder)));
    fx.sim.advanceClock(HOUR);
    offset += HOUR;
    t.restoreUser(holder);
    const back = await sync(gone.out);
    assert.equal(spListings(back), 1, 'service principals listed again');
    assert.equal(back.calls[ROLE_ASSIGNMENTS], 1, 'roles listed again');
    assert.ok(idsOf(back.records, 'grant').some((g) => g.includes(holder) && g.startsWith('role:')));
    await assertSameAsFresh(back.records);
  });

  it('without AuditLog.Read.All it lists apps and roles in full, and is still exact', async () => {
    const base = await sync();
    const client = fx.sim.tenant.clients.get(fx.sim.clientId)!;
    const roles = client.graphRoles;
    fx.sim.tenant.updateClient(fx.sim.clientId, {
      graphRoles: roles.filter((r) => r !== 'AuditLog.Read.All'),
    });
    try {
      const assignment = [...fx.sim.tenant.appRoleAssignments.values()][0]!;
      await write('DELETE', `/servicePrincipals/${assignment.resourceId}/appRoleAssignedTo/${assignment.id}`);
      const inc = await sync(base.out);
      assert.equal(inc.header.kind, 'incremental');
      assert.equal(inc.calls[AUDITS], 1, 'polled once, refused');
      assert.equal(spListings(inc), 1, 'service principals listed again');
      assert.equal(inc.calls[ROLE_ASSIGNMENTS], 1, 'roles listed again');
      await assertSameAsFresh(inc.records);
    } finally {
      fx.sim.tenant.updateClient(fx.sim.clientId, { graphRoles: roles });
    }
  });

  it('an incremental cut at any audit, delta or re-read step and re-run ends in the same content', async () => {
    const base = await sync();
    const { spId, userId } = appAndOutsider();
    await write('POST', `/servicePrincipals/${spId}/appRoleAssignedTo`, {
      principalId: userId,
      resourceId: spId,
      appRoleId: ZERO,
    });
    const role = [...fx.sim.tenant.roleDefinitions.values()][0]!;
    const held = [...fx.sim.tenant.roleAssignments.values()].filter((a) => a.roleDefinitionId === role.id);
    const holder = [...fx.sim.tenant.users.keys()].find((u) => !held.some((a) => a.principalId === u))!;
    await write('POST', '/roleManagement/directory/roleAssignments', {
      roleDefinitionId: role.id,
      principalId: holder,
      directoryScopeId: '/',
    });
    const reference = await sync(base.out);
    for (let cut = 1; ; cut++) {
      const out = join(fx.dir, `cut${cut}.snap`);
      const ac = new AbortController();
      const real = createGraphClient(config);
      let steps = 0;
      const step = () => {
        if (++steps === cut) ac.abort(new Error(`cut at step ${cut}`));
      };
      // Aborts after the `cut`-th page or $batch the engine receives in the phases an incremental
      // adds: the audit poll, the service-principal delta, and the re-reads.
      const graph: GraphClient = {
        stats: real.stats,
        get: (p, o) => real.get(p, o),
        request: (m, p, b, o) => real.request(m, p, b, o),
        async batch(r, o) {
          const res = await real.batch(r, o);
          step();
          return res as never;
        },
        async *pages(p, o) {
          for await (const page of real.pages(p, o)) {
            if (/auditLogs|servicePrincipals\/delta/.test(p)) step();
            yield page;
          }
        },
      } as GraphClient;
      let finished = false;
      try {
        await runSync({ config, now, outFile: out, incrementalFrom: base.out, graph, signal: ac.signal });
        finished = true;
      } catch (err) {
        assert.ok(err instanceof SyncAbortedError, String(err));
      } finally {
        await real.close();
      }
      if (finished) break;
      const { header } = await runSync({ config, now, outFile: out, incrementalFrom: base.out });
      assert.equal(header.kind, 'incremental');
      assert.deepEqual(await exportOf(out), reference.records, `cut at step ${cut}`);
    }
  });

  it('an expired service-principal delta link falls back to a full sync', async () => {
    const base = await sync();
    fx.sim.setFaults([{ path: '^/v1\\.0/servicePrincipals/delta$', kind: 'gone410', count: 1 }]);
    try {
      const inc = await sync(base.out);
      assert.equal(inc.header.kind, 'full', 'fell back');
      assert.equal(spListings(inc), 1);
      await assertSameAsFresh(inc.records);
    } finally {
      fx.sim.setFaults([]);
    }
  });
});

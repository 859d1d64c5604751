import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { SyncAbortedError } from '../../../src/framework/errors.js';
import { createGraphClient } from '../../../src/graph/client.js';
import type { GraphClient } from '../../../src/graph/types.js';
import type { Simulator } from '../../../src/simulator/index.js';
import { runCli } from '../../support/cli.js';
import { runSync } from '../../../src/connector/sync.js';
import { exportOf, idsOf } from './support/harness.js';
import { expectedFromStore } from './support/tenant-expected.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';

function configFor(sim: Simulator, extra: Record<string, string> = {}) {
  return loadConfig({
    ...simulatorEnv(sim),
    BATON_SYNC_DEVICES: 'true',
    ...extra,
  });
}

describe('sync against the Entra simulator (demo preset)', function () {
  const fx = useSimulator({ preset: 'demo', seed: 7, host: '127.0.0.1' });

  async function syncAndCompare(name: string, from?: string, extra: Record<string, string> = {}) {
    const config = configFor(fx.sim, extra);
    const out = join(fx.dir, `${name}.snap`);
    const result = await runSync({ config, outFile: out, ...(from ? { incrementalFrom: from } : {}) });
    const records = await exportOf(out);
    const want = expectedFromStore(fx.sim.tenant, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources);
    assert.deepEqual(idsOf(records, 'grant'), want.grants);
    return { out, result, records };
  }

  it('a full sync matches the tenant exactly', async () => {
    const { result, records } = await syncAndCompare('full');
    assert.ok(result.header.counts.grants > 0);
    assert.ok(result.header.counts.resourcesByType.device! > 0, 'devices synced');
    // Application permissions: app roles only apps can hold, held by apps and managed
    // identities, on Microsoft Graph's service principal as on the tenant's own apps.
    const t = fx.sim.tenant;
    const graphSp = [...t.servicePrincipals.values()].find(
      (sp) => sp.appId === '00000003-0000-0000-c000-000000000000',
    )!;
    const appOnly = new Set(
      [...t.servicePrincipals.values()].flatMap((sp) =>
        sp.appRoles
          .filter((r) => !r.allowedMemberTypes.includes('User'))
          .map((r) => `enterprise_application:${sp.id}:assignment:${r.id}`),
      ),
    );
    const grants = records.flatMap((r) => (r.kind === 'grant' && appOnly.has(r.entitlement) ? [r] : []));
    assert.deepEqual([...new Set(grants.map((g) => g.principal.type))].sort(), [
      'enterprise_application',
      'managed_identity',
    ]);
    const onGraph = `enterprise_application:${graphSp.id}:`;
    assert.ok(
      grants.some((g) => g.entitlement.startsWith(onGraph)),
      'on Microsoft Graph',
    );
    assert.ok(
      grants.some((g) => !g.entitlement.startsWith(onGraph)),
      "on the tenant's own apps",
    );
    for (const r of records)
      if (r.kind === 'entitlement' && appOnly.has(r.id))
        assert.deepEqual(r.grantable_to, ['enterprise_application', 'managed_identity'], r.id);
  });

  it('with BATON_SKIP_UNASSIGNED_APPS it matches the tenant exactly: apps without assignments and their grants go', async () => {
    const { records } = await syncAndCompare('skip-unassigned', undefined, {
      BATON_SKIP_UNASSIGNED_APPS: 'true',
    });
    const apps = records.filter((r) => r.kind === 'resource' && r.resource_type === 'enterprise_application');
    assert.ok(apps.length > 0);
    for (const a of apps) assert.ok(fx.sim.tenant.appRoleAssignedTo(a.id.split(':')[1]!).length > 0, a.id);
  });

  it('the same with throttling and injected faults: the result is unchanged', async () => {
    // Every collection's first requests fail once or twice; the client retries, the data is whole.
    fx.sim.setFaults([
      { path: '^/v1\\.0/users', kind: 'status429', count: 2, value: 0 },
      { path: '^/v1\\.0/groups', kind: 'status503', count: 1 },
      { path: '^/v1\\.0/servicePrincipals$', kind: 'status504', count: 1 },
      { path: '^/v1\\.0/\\$batch', kind: 'status429', count: 1, value: 0 },
      { path: '^/v1\\.0/roleManagement', kind: 'reset', count: 1 },
    ]);
    fx.sim.setThrottling(true);
    try {
      fx.sim.resetCounters();
      const { result } = await syncAndCompare('faults');
      assert.ok(fx.sim.counters()['*']!.faults >= 5, `faults injected: ${fx.sim.counters()['*']!.faults}`);
      assert.ok(result.header.graphRequests > 0);
    } finally {
      fx.sim.setFaults([]);
    }
  });

  it('an incremental sync after mutations equals a fresh full sync, with no more requests', async () => {
    const { out: base, result: full } = await syncAndCompare('base');
    const t = fx.sim.tenant;
    const users = [...t.users.keys()];
    // Dynamic groups take their members from a rule: only assigned groups can be edited.
    const groups = [...t.groups.values()]
      .filter((g) => !g.groupTypes.includes('DynamicMembership'))
      .map((g) => g.id);
    t.updateUser(users[0]!, { jobTitle: 'Chief Tester', department: 'QA' });
    t.deleteUser(users[1]!);
    const outsider = [...t.users.keys()].find((u) => !t.membersOf(groups[0]!).includes(u))!;
    t.addMember(groups[0]!, outsider);
    const member = t.membersOf(groups[1]!).find((m) => t.kindOf(m) === 'user');
    if (member) t.removeMember(groups[1]!, member);
    const sku = t.subscribedSkus[0]!.skuId;
    t.assignLicense(users[2]!, [{ skuId: sku, disabledPlans: [] }], []);
    t.deleteGroup(groups[2]!);
    const ra = [...t.roleAssignments.keys()][0];
    if (ra) t.removeRoleAssignment(ra);
    t.setManager(users[3]!, users[4]!);
    const assignment = [...t.appRoleAssignments.keys()][0];
    if (assignment) t.removeAppRoleAssignment(assignment);
    // A client secret added to one app registration, another app's credentials all removed.
    const [withCreds, other] = [...t.applications.values()].filter(
      (a) => a.passwordCredentials.length + a.keyCredentials.length > 0,
    );
    t.updateApplication(withCreds!.id, {
      passwordCredentials: [
        ...withCreds!.passwordCredentials,
        {
          keyId: '5f0c1d2e-0000-4000-8000-00000000c0de',
          displayName: 'added',
          hint: 'N3w',
          startDateTime: '2026-11-01T00:00:00Z',
          endDateTime: '2027-11-01T00:00:00Z',
          customKeyIdentifier: null,
          secretText: null,
        },
      ],
    });
    t.updateApplication(other!.id, { passwordCredentials: [], keyCredentials: [] });
    const devices = [...t.devices.keys()];
    t.deleteDevice(devices[0]!);
    t.updateDevice(devices[1]!, { displayName: 'renamed-device', accountEnabled: false });
    const { result, records } = await syncAndCompare('incremental', base);
    assert.equal(result.header.kind, 'incremental');
    assert.equal(result.header.parentSyncId, full.header.syncId);
    // (The demo tenant fits one page per collection, so a replay costs what a listing does; the
    // benchmark measures the saving on a large tenant.)
    assert.ok(result.header.graphRequests <= full.header.graphRequests);
    const fresh = await syncAndCompare('fresh');
    assert.deepEqual(records, fresh.records);
    const changed = records.find((r) => r.id === `user:${users[0]!}`);
    assert.equal(
      changed?.kind === 'resource' && (changed.data.profile as Record<string, unknown>).job_title,
      'Chief Tester',
    );
  });

  it('a sync aborted mid-phase and re-run resumes and ends in the same content', async () => {
    const config = configFor(fx.sim);
    const reference = await syncAndCompare('reference');
    for (const cut of [2, 4, 7]) {
      const out = join(fx.dir, `cut-${cut}.snap`);
      const real = createGraphClient(config);
      const ac = new AbortController();
      let pages = 0;
      // Counts pages as the engine sees them and aborts after the `cut`-th.
      const graph: GraphClient = {
        stats: real.stats,
        get: (p, o) => real.get(p, o),
        request: (m, p, b, o) => real.request(m, p, b, o),
        batch: (r, o) => real.batch(r, o),
        async *pages(p, o) {
          for await (const page of real.pages(p, o)) {
            if (++pages === cut) ac.abort(new Error(`cut at page ${cut}`));
            yield page;
          }
        },
      } as GraphClient;
      try {
        await assert.rejects(runSync({ config, outFile: out, graph, signal: ac.signal }), SyncAbortedError);
      } finally {
        await real.close();
      }
      await runSync({ config, outFile: out });
      assert.deepEqual(await exportOf(out), reference.records, `cut at page ${cut}`);
    }
  });

  it('credentials: one per app and service principal secret or certificate, parented by its synced app', async () => {
    const { records } = await syncAndCompare('credentials');
    const byId = new Map(records.filter((r) => r.kind === 'resource').map((r) => [r.id, r]));
    const t = fx.sim.tenant;
    const spByAppId = new Map([...t.servicePrincipals.values()].map((sp) => [sp.appId, sp.id]));
    let parented = 0;
    let expired = 0;
    const owners = [
      ...[...t.applications.values()].map((a) => ({ o: a, sp: spByAppId.get(a.appId) })),
      ...[...t.servicePrincipals.values()].map((sp) => ({ o: sp, sp: sp.id })),
    ];
    for (const { o, sp } of owners) {
      for (const c of [...o.passwordCredentials, ...o.keyCredentials]) {
        const r = byId.get(`credential:${o.id}:${c.keyId}`);
        assert.ok(r?.kind === 'resource');
        const profile = r.data.profile as Record<string, unknown>;
        const isExpired = Date.parse(c.endDateTime) <= Date.now();
        assert.equal(profile.expired, isExpired);
        assert.equal(profile.end_date_time, c.endDateTime);
        if (isExpired) expired++;
        const app = sp !== undefined ? `enterprise_application:${sp}` : undefined;
        assert.equal(r.parent, app !== undefined && byId.has(app) ? app : undefined, r.id);
        if (r.parent) parented++;
        if ('usage' in c && c.customKeyIdentifier)
          assert.equal(
            profile.thumbprint,
            Buffer.from(c.customKeyIdentifier, 'base64').toString('hex').toUpperCase(),
          );
        if ('hint' in c) assert.equal(profile.hint, c.hint ?? undefined);
      }
    }
    assert.ok(parented > 0 && expired > 0, `${parented} parented, ${expired} expired`);
  });

  it('managed identities carry their alternativeNames; SAML apps their single sign-on mode', async () => {
    const { records } = await syncAndCompare('sp-profiles');
    const profileOf = (id: string) => {
      const r = records.find((x) => x.id === id);
      assert.ok(r?.kind === 'resource', id);
      return r.data.profile as Record<string, unknown>;
    };
    let saml = 0;
    for (const sp of fx.sim.tenant.servicePrincipals.values()) {
      if (sp.servicePrincipalType === 'ManagedIdentity')
        assert.deepEqual(profileOf(`managed_identity:${sp.id}`).alternative_names, sp.alternativeNames);
      else if (
        sp.preferredSingleSignOnMode &&
        records.some((r) => r.id === `enterprise_application:${sp.id}`)
      ) {
        assert.equal(
          profileOf(`enterprise_application:${sp.id}`).preferred_single_sign_on_mode,
          sp.preferredSingleSignOnMode,
        );
        saml++;
      }
    }
    assert.ok(saml > 0);
  });

  it('baton-entra sync writes the snapshot and prints its header', async () => {
    const out = join(fx.dir, 'cli.snap');
    const r = await runCli(['sync', '--file', out, '--state-dir', join(fx.dir, 'state')], {
      ...simulatorEnv(fx.sim),
      BATON_LOG_LEVEL: 'warn',
      NODE_EXTRA_CA_CERTS: fx.sim.caCertPath,
    });
    assert.equal(r.code, 0, r.stderr);
    const header = JSON.parse(r.stdout) as { counts: { grants: number }; tenantId: string };
    assert.equal(header.tenantId, fx.sim.tenantId);
    const want = expectedFromStore(fx.sim.tenant, configFor(fx.sim, { BATON_SYNC_DEVICES: 'false' }));
    assert.equal(header.counts.grants, want.grants.length);
    assert.ok(!r.stderr.includes(fx.sim.clientSecret), 'the secret is never logged');
  });

  it('sign-in activity, extension attributes and staleness come through from the tenant', async () => {
    const config = configFor(fx.sim, {
      BATON_SIGN_IN_ACTIVITY: 'true',
      BATON_ON_PREMISES_EXTENSION_ATTRIBUTES: 'true',
      BATON_USER_STALE_DAYS: '30',
    });
    const out = join(fx.dir, 'signin.snap');
    await runSync({ config, outFile: out });
    const byId = new Map((await exportOf(out)).filter((r) => r.kind === 'resource').map((r) => [r.id, r]));
    let withSignIn = 0;
    let withExtension = 0;
    for (const u of fx.sim.tenant.users.values()) {
      const r = byId.get(`user:${u.id}`);
      assert.ok(r?.kind === 'resource');
      const profile = r.data.profile as Record<string, unknown>;
      const user = r.data.user as { lastLogin?: string };
      const a = u.signInActivity;
      const dates = a
        ? [a.lastSignInDateTime, a.lastNonInteractiveSignInDateTime, a.lastSuccessfulSignInDateTime]
            .filter((d): d is string => !!d)
            .sort()
        : [];
      assert.equal(user.lastLogin, dates.at(-1), `lastLogin of ${u.id}`);
      if (dates.length) withSignIn++;
      for (const [k, v] of Object.entries(u.onPremisesExtensionAttributes)) {
        const n = k.replace('extensionAttribute', '');
        assert.equal(profile[`extension_attribute_${n}`], v ?? undefined, `${k} of ${u.id}`);
        if (v) withExtension++;
      }
      assert.equal(typeof profile.stale, 'boolean');
    }
    assert.ok(withSignIn > 0 && withExtension > 0, 'the demo tenant exercises both');
  });
});

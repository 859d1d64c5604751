import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { openProvisioning, type OpenProvisioning } from '../../src/connector/provisioning.js';
import { createRoleProvisioner } from '../../src/connector/role/provision.js';
import { runSync } from '../../src/connector/sync.js';
import { ProvisioningJournal } from '../../src/framework/provisioning/journal.js';
import { ProvisioningError, type ProvisionRequest } from '../../src/framework/provisioning/requests.js';
import { silentLogger } from '../../src/observability/logger.js';
import { guid, makeGroup } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { exportOf, idsOf } from '../framework/engine/support/harness.js';

const user = (n: number) => guid('00000a11', n);
const group = (n: number) => guid('00006400', n);
const sp = (n: number) => guid('0000059a', n);
const GA = guid('62e90394', 1);
const USER_ADMIN = guid('fe930be7', 1);
const ROLE_GROUP = group(43);
const PLAIN_GROUP = group(3);
const REQUESTS = '/v1.0/roleManagement/directory/roleAssignmentScheduleRequests';
const ELIGIBILITY_REQUESTS = '/v1.0/roleManagement/directory/roleEligibilityScheduleRequests';
const HOUR = 3_600_000;

describe('directory role provisioning (PIM, and roleAssignments without P2, against the simulator)', () => {
  let f: FixtureSim;
  let dir: string;
  let p: OpenProvisioning;
  let n = 0;
  const id = () => `t${++n}`;

  before(async () => {
    f = await startFixtureSim({ groups: 8 });
    f.tenant.createGroup(makeGroup(43, { isAssignableToRole: true }));
    f.tenant.roleDefinitions.set(USER_ADMIN, {
      id: USER_ADMIN,
      displayName: 'User Administrator',
      description: 'Manages users',
      isBuiltIn: true,
      isEnabled: true,
      templateId: USER_ADMIN,
      version: '1',
      resourceScopes: ['/'],
      rolePermissions: [],
    });
  });
  after(async () => {
    await f.sim.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-roles-'));
    p = openProvisioning(config(), { dataDir: dir, logger: silentLogger });
  });
  afterEach(async () => {
    f.sim.setFaults([]);
    f.sim.setPim(true);
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true' });
  const grantReq = (role: string, slug: string, principal: string, durationMs?: number): ProvisionRequest => {
    const [type, pid] = principal.split(':') as [string, string];
    return {
      kind: 'grant',
      entitlementId: `role:${role}:${slug}`,
      principal: { type, id: pid },
      ...(durationMs !== undefined ? { durationMs } : {}),
    };
  };
  const grant = (
    role: string,
    slug: string,
    principal: string,
    o: { durationMs?: number; dryRun?: boolean } = {},
  ) => p.service.run(id(), grantReq(role, slug, principal, o.durationMs), { dryRun: o.dryRun === true });
  const revoke = (role: string, slug: string, principal: string) =>
    p.service.run(id(), { kind: 'revoke', grantId: `role:${role}:${slug}:${principal}` });

  /** Active assignments of the role to the principal at tenant scope, as the tenant holds them. */
  const active = (role: string, pid: string) =>
    [...f.tenant.roleAssignments.values()].filter(
      (a) => a.roleDefinitionId === role && a.principalId === pid && a.directoryScopeId === '/',
    );
  const eligible = (role: string, pid: string) =>
    [...f.tenant.roleEligibilityScheduleInstances.values()].filter(
      (a) => a.roleDefinitionId === role && a.principalId === pid && a.directoryScopeId === '/',
    );
  const lines = (r: { requests: { method: string; url: string }[] }) =>
    r.requests.map((q) => `${q.method} ${q.url}`);
  const refused = async (promise: Promise<unknown>, code: string, words: RegExp) => {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof ProvisioningError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.retryable, false);
      assert.match(err.message, words);
      return true;
    });
  };

  it('assigns and removes an active role through PIM requests, idempotently', async () => {
    const u = user(11);
    assert.equal(active(USER_ADMIN, u).length, 0);
    const first = await grant(USER_ADMIN, 'assigned', `user:${u}`);
    assert.equal(first.outcome, 'applied');
    assert.deepEqual(lines(first), [`POST ${REQUESTS}`]);
    const body = first.requests[0]?.body as Record<string, unknown>;
    assert.equal(body.action, 'adminAssign');
    assert.equal(body.directoryScopeId, '/');
    assert.deepEqual((body.scheduleInfo as { expiration: unknown }).expiration, { type: 'noExpiration' });
    assert.equal(first.grants?.[0]?.id, `role:${USER_ADMIN}:assigned:user:${u}`);
    assert.equal(active(USER_ADMIN, u).length, 1);
    const instance = [...f.tenant.roleAssignmentScheduleInstances.values()].find(
      (i) => i.roleDefinitionId === USER_ADMIN && i.principalId === u,
    );
    assert.equal(instance?.endDateTime, null, 'a grant without a duration does not expire');

    assert.equal((await grant(USER_ADMIN, 'assigned', `user:${u}`)).outcome, 'already_applied');
    assert.equal(active(USER_ADMIN, u).length, 1);

    const removed = await revoke(USER_ADMIN, 'assigned', `user:${u}`);
    assert.equal(removed.outcome, 'applied');
    assert.deepEqual(lines(removed), [`POST ${REQUESTS}`]);
    assert.equal((removed.requests[0]?.body as { action: string }).action, 'adminRemove');
    assert.equal(active(USER_ADMIN, u).length, 0);
    assert.equal((await revoke(USER_ADMIN, 'assigned', `user:${u}`)).outcome, 'already_applied');
  });

  it('revokes the role at every directory scope the grant stands for', async () => {
    const u = user(19);
    const au = guid('0000a0a0', 1);
    f.tenant.administrativeUnits.set(au, {
      id: au,
      displayName: 'Unit',
      description: null,
      visibility: null,
    });
    assert.equal((await grant(USER_ADMIN, 'assigned', `user:${u}`)).outcome, 'applied');
    const scoped = await p.graph.request('POST', '/roleManagement/directory/roleAssignmentScheduleRequests', {
      action: 'adminAssign',
      principalId: u,
      roleDefinitionId: USER_ADMIN,
      directoryScopeId: `/administrativeUnits/${au}`,
      justification: 'unit scope',
      scheduleInfo: { expiration: { type: 'noExpiration' } },
    });
    assert.equal(scoped.status, 201);
    const held = () => [...f.tenant.roleAssignments.values()].filter((a) => a.principalId === u);
    assert.equal(held().length, 2);
    const r = await revoke(USER_ADMIN, 'assigned', `user:${u}`);
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(
      r.requests.map((q) => (q.body as { directoryScopeId: string }).directoryScopeId).sort(),
      ['/', `/administrativeUnits/${au}`],
    );
    assert.equal(held().length, 0);
  });

  it('makes a time-bound eligibility: the simulator stores the expiration asked for', async () => {
    const u = user(12);
    const before = Date.now();
    const r = await grant(USER_ADMIN, 'eligible', `user:${u}`, { durationMs: 8 * HOUR });
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(lines(r), [`POST ${ELIGIBILITY_REQUESTS}`]);
    assert.equal(r.grants?.[0]?.id, `role:${USER_ADMIN}:eligible:user:${u}`);
    const [e] = eligible(USER_ADMIN, u);
    assert.ok(e?.startDateTime && e.endDateTime, 'an eligibility with a start and an end');
    const start = Date.parse(e.startDateTime);
    assert.equal(Date.parse(e.endDateTime) - start, 8 * HOUR);
    assert.ok(start >= Math.floor(before / 1000) * 1000 && start <= Date.now(), 'it starts now');
    assert.equal(active(USER_ADMIN, u).length, 0, 'eligible is not active');
    assert.equal((await revoke(USER_ADMIN, 'eligible', `user:${u}`)).outcome, 'applied');
    assert.equal(eligible(USER_ADMIN, u).length, 0);
  });

  it('assigns to service principals and role-assignable groups, and refuses other groups naming why', async () => {
    for (const principal of [`enterprise_application:${sp(0)}`, `managed_identity:${sp(2)}`]) {
      const r = await grant(USER_ADMIN, 'assigned', principal);
      assert.equal(r.outcome, 'applied', principal);
      assert.equal(active(USER_ADMIN, principal.split(':')[1]!).length, 1);
    }
    const g = await grant(GA, 'eligible', `group:${ROLE_GROUP}`);
    assert.equal(g.outcome, 'applied');
    assert.deepEqual(g.grants?.[0]?.expandable, [`group:${ROLE_GROUP}:member`]);
    assert.equal(eligible(GA, ROLE_GROUP).length, 1);

    await refused(
      grant(GA, 'assigned', `group:${PLAIN_GROUP}`),
      'INVALID_ARGUMENT',
      new RegExp(`group:${PLAIN_GROUP} \\(.*\\) is not role-assignable.*isAssignableToRole`),
    );
    assert.equal(active(GA, PLAIN_GROUP).length, 0);
    await refused(grant(GA, 'assigned', `device:${user(1)}`), 'INVALID_ARGUMENT', /not device/);
    await refused(grant(GA, 'owner', `user:${user(1)}`), 'INVALID_ARGUMENT', /assigned and eligible/);
    await refused(
      grant(GA, 'eligible', `user:${user(1)}`, { durationMs: -5 }),
      'INVALID_ARGUMENT',
      /duration -5 ms/,
    );
  });

  it('without Entra ID P2, assigns through roleAssignments, and refuses eligibility and durations', async () => {
    f.sim.setPim(false);
    const u = user(13);
    const first = await grant(USER_ADMIN, 'assigned', `user:${u}`);
    assert.equal(first.outcome, 'applied');
    assert.deepEqual(lines(first), ['POST /v1.0/roleManagement/directory/roleAssignments']);
    assert.deepEqual(first.requests[0]?.body, {
      '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
      roleDefinitionId: USER_ADMIN,
      principalId: u,
      directoryScopeId: '/',
    });
    const [a] = active(USER_ADMIN, u);
    assert.ok(a);
    assert.equal((await grant(USER_ADMIN, 'assigned', `user:${u}`)).outcome, 'already_applied');

    await refused(grant(USER_ADMIN, 'eligible', `user:${u}`), 'FAILED_PRECONDITION', /Entra ID P2/);
    await refused(
      grant(GA, 'assigned', `user:${u}`, { durationMs: HOUR }),
      'FAILED_PRECONDITION',
      /time-bound role assignment needs Privileged Identity Management/,
    );
    assert.equal(active(GA, u).length, 0);

    const removed = await revoke(USER_ADMIN, 'assigned', `user:${u}`);
    assert.equal(removed.outcome, 'applied');
    assert.deepEqual(lines(removed), [
      `DELETE /v1.0/roleManagement/directory/roleAssignments/${encodeURIComponent(a.id)}`,
    ]);
    assert.equal(active(USER_ADMIN, u).length, 0);
    assert.equal((await revoke(USER_ADMIN, 'assigned', `user:${u}`)).outcome, 'already_applied');
  });

  it('plans the exact PIM request on a dry run and changes nothing', async () => {
    const u = user(14);
    f.sim.resetCounters();
    const before = Math.floor(Date.now() / 1000) * 1000;
    const r = await grant(GA, 'assigned', `user:${u}`, { dryRun: true, durationMs: 2 * HOUR });
    assert.equal(r.outcome, 'planned');
    assert.equal(r.requests.length, 1);
    const q = r.requests[0]!;
    const start = (q.body as { scheduleInfo: { startDateTime: string } }).scheduleInfo.startDateTime;
    assert.ok(Date.parse(start) >= before && Date.parse(start) <= Date.now());
    assert.deepEqual(q, {
      service: 'graph',
      method: 'POST',
      url: REQUESTS,
      body: {
        action: 'adminAssign',
        roleDefinitionId: GA,
        principalId: u,
        directoryScopeId: '/',
        justification: `baton-entra grant of role:${GA}:assigned to user:${u}`,
        scheduleInfo: {
          startDateTime: start,
          expiration: {
            type: 'afterDateTime',
            endDateTime: new Date(Date.parse(start) + 2 * HOUR).toISOString().replace('.000Z', 'Z'),
          },
        },
      },
    });
    assert.equal(active(GA, u).length, 0);
    assert.equal(f.sim.counters()[`POST ${REQUESTS}`]?.requests ?? 0, 0);
  });

  it('after a lost answer, re-reads and reports applied without sending the request again', async () => {
    const u = user(15);
    f.sim.resetCounters();
    f.sim.setFaults([
      { kind: 'lost-response', method: 'POST', path: `^${REQUESTS.replace(/\./g, '\\.')}$`, count: 1 },
    ]);
    const r = await grant(GA, 'assigned', `user:${u}`);
    assert.equal(r.outcome, 'applied');
    assert.equal(r.requests.length, 1);
    assert.equal(f.sim.counters()[`POST ${REQUESTS}`]?.requests, 1, 'one request, no re-send');
    assert.equal(f.sim.counters()[`POST ${REQUESTS}`]?.faults, 1);
    assert.equal(active(GA, u).length, 1, 'one assignment, no duplicate');
  });

  it('a replay after a crash reports the earlier write as applied', async () => {
    const u = user(16);
    const req = grantReq(GA, 'eligible', `user:${u}`);
    // The first attempt's change reached the tenant; its outcome never reached the journal.
    assert.equal((await p.service.run('first', req)).outcome, 'applied');
    const journal = new ProvisioningJournal(join(dir, 'provisioning.db'));
    const at = Date.now();
    journal.put({
      taskId: 'crashed',
      request: req,
      state: 'intent',
      destructive: false,
      entitlementId: req.kind === 'grant' ? req.entitlementId : '',
      dryRun: false,
      createdAt: at,
      updatedAt: at,
    });
    journal.close();
    const r = await p.service.run('crashed', req);
    assert.equal(r.outcome, 'applied');
    assert.equal(eligible(GA, u).length, 1);
  });

  it('counts the principals holding a role for the deletion guard, with and without P2', async () => {
    assert.equal((await grant(GA, 'eligible', `user:${user(17)}`)).outcome, 'applied');
    const holding = (slug: 'assigned' | 'eligible') =>
      new Set(
        [
          ...f.tenant.roleAssignments.values(),
          ...(slug === 'eligible' ? f.tenant.roleEligibilityScheduleInstances.values() : []),
        ]
          .filter((a) => a.roleDefinitionId === GA)
          .filter((a) => slug === 'assigned' || 'memberType' in a)
          .map((a) => a.principalId),
      ).size;
    const e = (slug: string) => ({
      id: `role:${GA}:${slug}`,
      resource: { resourceType: 'role', resource: GA },
      slug,
    });
    const deps = { graph: p.graph, graphBaseUrl: f.sim.url, now: Date.now };
    const withPim = createRoleProvisioner(deps);
    assert.ok(holding('assigned') >= 1 && holding('eligible') >= 1);
    assert.equal(await withPim.holders!(e('assigned')), holding('assigned'));
    assert.equal(await withPim.holders!(e('eligible')), holding('eligible'));
    f.sim.setPim(false);
    const noPim = createRoleProvisioner(deps);
    assert.equal(await noPim.holders!(e('assigned')), holding('assigned'), 'roleAssignments alone');
    assert.equal(await noPim.holders!(e('eligible')), 0, 'no eligibility can be read without P2');
  });

  it('the next incremental snapshot shows a grant made and a grant revoked', async function () {
    const u = user(18);
    const held = user(0); // holds Global Administrator in the fixture
    const made = `role:${USER_ADMIN}:assigned:user:${u}`;
    const eligibleMade = `role:${USER_ADMIN}:eligible:user:${u}`;
    const gone = `role:${GA}:assigned:user:${held}`;
    const base = join(dir, 'base.snap');
    await runSync({ config: config(), outFile: base });
    const before = idsOf(await exportOf(base), 'grant');
    assert.ok(before.includes(gone) && !before.includes(made) && !before.includes(eligibleMade));

    assert.equal((await grant(USER_ADMIN, 'assigned', `user:${u}`)).outcome, 'applied');
    assert.equal(
      (await grant(USER_ADMIN, 'eligible', `user:${u}`, { durationMs: 4 * HOUR })).outcome,
      'applied',
    );
    assert.equal((await revoke(GA, 'assigned', `user:${held}`)).outcome, 'applied');

    const next = join(dir, 'next.snap');
    await runSync({ config: config(), outFile: next, incrementalFrom: base });
    const after = idsOf(await exportOf(next), 'grant');
    assert.ok(after.includes(made), 'the granted role shows');
    assert.ok(after.includes(eligibleMade), 'the eligibility shows');
    assert.ok(!after.includes(gone), 'the revoked role is gone');
  });
});

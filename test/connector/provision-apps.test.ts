import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import { createAppProvisioners } from '../../src/connector/enterprise-application/provision.js';
import { openProvisioning, type OpenProvisioning } from '../../src/connector/provisioning.js';
import { ProvisioningError } from '../../src/framework/provisioning/requests.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ALL_READ_ROLES, CLIENT_ID, guid, makeSp } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { exportOf, idsOf } from '../framework/engine/support/harness.js';

const user = (n: number) => guid('00000a11', n);
const group = (n: number) => guid('00006400', n);
const sp = (n: number) => guid('0000059a', n);
const role = (n: number) => guid('0000a901', n);
const DEFAULT_ACCESS = '00000000-0000-0000-0000-000000000000';
/** An application with a role for users and a role for applications, and a SCIM provisioning job. */
const API = sp(20);
const USER_ROLE = guid('0000a901', 20);
const APP_ROLE = guid('0000a902', 20);
const JOB = 'scim.00000020.0a0b0c0d';
const MANAGED_IDENTITY = sp(2);
const NO_JOB_APP = sp(1);

describe('enterprise application provisioning (against the simulator)', () => {
  let f: FixtureSim;
  let dir: string;
  let p: OpenProvisioning;
  // The simulator and the connector share this clock; waiting moves it (see `sleep`).
  let now = Date.now();
  let n = 0;
  const id = () => `a${++n}`;

  const open = (extra: Record<string, string> = {}) =>
    openProvisioning(loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true', ...extra }), {
      dataDir: dir,
      logger: silentLogger,
      now: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });

  before(async () => {
    f = await startFixtureSim({ servicePrincipals: 4 }, { now: () => now });
    f.tenant.servicePrincipals.set(
      API,
      makeSp(20, {
        displayName: 'Payroll API',
        appRoles: [
          {
            id: USER_ROLE,
            allowedMemberTypes: ['User'],
            description: 'Payroll clerk',
            displayName: 'Clerk',
            isEnabled: true,
            origin: 'Application',
            value: 'Payroll.Clerk',
          },
          {
            id: APP_ROLE,
            allowedMemberTypes: ['Application'],
            description: 'Read all payslips',
            displayName: 'Payslips.Read.All',
            isEnabled: true,
            origin: 'Application',
            value: 'Payslips.Read.All',
          },
        ],
        servicePrincipalType: 'Application',
      }),
    );
    f.tenant.synchronizationJobs.set(API, [
      {
        id: JOB,
        templateId: 'scim',
        schedule: { expiration: null, interval: 'PT40M', state: 'Paused' },
        status: { code: 'Paused', lastExecution: null },
      },
    ]);
    f.tenant.updateClient(CLIENT_ID, { graphRoles: [...ALL_READ_ROLES, 'Synchronization.ReadWrite.All'] });
  });
  after(async () => {
    await f.sim.close();
  });
  beforeEach(() => {
    // Every rate-limit bucket is full again.
    now += 60_000;
    f.sim.setFaults([]);
    dir = mkdtempSync(join(tmpdir(), 'prov-apps-'));
    p = open();
  });
  afterEach(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const assigned = (app: string, principal: string, appRole: string) =>
    f.tenant.appRoleAssignedTo(app).filter((a) => a.principalId === principal && a.appRoleId === appRole);
  const ent = (app: string, slug: string) => `enterprise_application:${app}:${slug}`;
  const grant = (entitlementId: string, principal: string, dryRun = false, on = p) => {
    const [type, pid] = principal.split(':') as [string, string];
    return on.service.run(id(), { kind: 'grant', entitlementId, principal: { type, id: pid } }, { dryRun });
  };
  const revoke = (entitlementId: string, principal: string, dryRun = false) =>
    p.service.run(id(), { kind: 'revoke', grantId: `${entitlementId}:${principal}` }, { dryRun });
  const refused = async (promise: Promise<unknown>, code: string, words: RegExp) => {
    await assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof ProvisioningError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.retryable, false);
      assert.match(err.message, words);
      return true;
    });
  };

  it('grants and revokes an app role through appRoleAssignedTo, idempotently, with the snapshot grant id', async () => {
    const e = ent(API, `assignment:${USER_ROLE}`);
    const u = user(11);
    const first = await grant(e, `user:${u}`);
    assert.equal(first.outcome, 'applied');
    assert.deepEqual(
      first.requests.map((r) => [r.method, r.url, r.body]),
      [
        [
          'POST',
          `/v1.0/servicePrincipals/${API}/appRoleAssignedTo`,
          { principalId: u, resourceId: API, appRoleId: USER_ROLE },
        ],
      ],
    );
    assert.equal(first.grants?.[0]?.id, `${e}:user:${u}`);
    assert.equal(first.detail, undefined, 'no SCIM trigger unless switched on');
    assert.equal(assigned(API, u, USER_ROLE).length, 1);
    assert.equal((await grant(e, `user:${u}`)).outcome, 'already_applied');
    assert.equal(assigned(API, u, USER_ROLE).length, 1);

    const assignmentId = assigned(API, u, USER_ROLE)[0]!.id;
    const gone = await revoke(e, `user:${u}`);
    assert.equal(gone.outcome, 'applied');
    assert.deepEqual(
      gone.requests.map((r) => `${r.method} ${r.url}`),
      [`DELETE /v1.0/servicePrincipals/${API}/appRoleAssignedTo/${assignmentId}`],
    );
    assert.equal(assigned(API, u, USER_ROLE).length, 0);
    assert.equal((await revoke(e, `user:${u}`)).outcome, 'already_applied');
  });

  it('assigns default access (the all-zero role) to a group, and an application role to a service principal', async () => {
    const e = ent(NO_JOB_APP, `assignment:${DEFAULT_ACCESS}`);
    const g = group(3);
    assert.equal((await grant(e, `group:${g}`)).outcome, 'applied');
    assert.equal(assigned(NO_JOB_APP, g, DEFAULT_ACCESS).length, 1);
    assert.equal((await grant(e, `group:${g}`)).outcome, 'already_applied');
    assert.equal((await revoke(e, `group:${g}`)).outcome, 'applied');
    assert.equal(assigned(NO_JOB_APP, g, DEFAULT_ACCESS).length, 0);

    const client = `enterprise_application:${sp(3)}`;
    const r = await grant(ent(API, `assignment:${APP_ROLE}`), client);
    assert.equal(r.outcome, 'applied');
    assert.equal(r.grants?.[0]?.id, `${ent(API, `assignment:${APP_ROLE}`)}:${client}`);
    assert.equal(assigned(API, sp(3), APP_ROLE).length, 1);
    assert.equal((await revoke(ent(API, `assignment:${APP_ROLE}`), client)).outcome, 'applied');
    assert.equal(assigned(API, sp(3), APP_ROLE).length, 0);
  });

  it('refuses a role the principal type may not hold, an unknown role, and principals an app cannot take, naming them', async () => {
    const before = f.tenant.appRoleAssignedTo(API).length;
    await refused(
      grant(ent(API, `assignment:${APP_ROLE}`), `user:${user(12)}`),
      'INVALID_ARGUMENT',
      /app role Payslips\.Read\.All .*cannot be assigned to user:.*it is for applications \(allowedMemberTypes\)/,
    );
    await refused(
      grant(ent(API, `assignment:${USER_ROLE}`), `managed_identity:${MANAGED_IDENTITY}`),
      'INVALID_ARGUMENT',
      /app role Payroll\.Clerk .*it is for users and groups/,
    );
    const unknown = guid('0000dead', 1);
    await refused(
      grant(ent(API, `assignment:${unknown}`), `user:${user(12)}`),
      'INVALID_ARGUMENT',
      new RegExp(`app role ${unknown} is not a role of application ${API} \\(Payroll API\\)`),
    );
    await refused(
      grant(ent(API, `assignment:${USER_ROLE}`), `device:${user(12)}`),
      'INVALID_ARGUMENT',
      /app roles are assigned to users, groups and service principals/,
    );
    await refused(
      grant(ent(API, 'owner'), `group:${group(3)}`),
      'INVALID_ARGUMENT',
      /owners are users or service principals/,
    );
    await refused(
      grant(ent(API, 'admin'), `user:${user(12)}`),
      'INVALID_ARGUMENT',
      /owner and assignment:<appRoleId>/,
    );
    await refused(
      grant(`managed_identity:${MANAGED_IDENTITY}:owner`, `user:${user(12)}`),
      'INVALID_ARGUMENT',
      /a managed identity has no entitlements/,
    );
    assert.equal(f.tenant.appRoleAssignedTo(API).length, before);
  });

  it('grants and revokes ownership through owners/$ref, idempotently', async () => {
    const e = ent(API, 'owner');
    for (const principal of [`user:${user(13)}`, `managed_identity:${MANAGED_IDENTITY}`]) {
      const pid = principal.split(':')[1]!;
      const r = await grant(e, principal);
      assert.equal(r.outcome, 'applied');
      assert.deepEqual(r.requests[0]?.body, { '@odata.id': `${f.sim.url}/v1.0/directoryObjects/${pid}` });
      assert.ok(f.tenant.ownersOf(API).includes(pid));
      assert.equal((await grant(e, principal)).outcome, 'already_applied');
      const gone = await revoke(e, principal);
      assert.equal(gone.outcome, 'applied');
      assert.deepEqual(
        gone.requests.map((q) => `${q.method} ${q.url}`),
        [`DELETE /v1.0/servicePrincipals/${API}/owners/${pid}/$ref`],
      );
      assert.ok(!f.tenant.ownersOf(API).includes(pid));
      assert.equal((await revoke(e, principal)).outcome, 'already_applied');
    }
  });

  it('plans a grant and a revoke on a dry run, listing the exact requests, without changing the app', async () => {
    const e = ent(API, `assignment:${USER_ROLE}`);
    const u = user(14);
    const planned = await grant(e, `user:${u}`, true);
    assert.equal(planned.outcome, 'planned');
    assert.deepEqual(planned.requests, [
      {
        service: 'graph',
        method: 'POST',
        url: `/v1.0/servicePrincipals/${API}/appRoleAssignedTo`,
        body: { principalId: u, resourceId: API, appRoleId: USER_ROLE },
      },
    ]);
    assert.equal(assigned(API, u, USER_ROLE).length, 0);

    // An existing assignment: the plan names its id.
    const held = user(0);
    const existing = f.tenant.appRoleAssignedTo(sp(3)).find((a) => a.principalId === held)!;
    const plan = await revoke(ent(sp(3), `assignment:${role(3)}`), `user:${held}`, true);
    assert.equal(plan.outcome, 'planned');
    assert.deepEqual(
      plan.requests.map((q) => `${q.method} ${q.url}`),
      [`DELETE /v1.0/servicePrincipals/${sp(3)}/appRoleAssignedTo/${existing.id}`],
    );
    assert.equal(assigned(sp(3), held, role(3)).length, 1);
  });

  it('re-reads after a lost response instead of failing or assigning twice', async () => {
    const e = ent(API, `assignment:${USER_ROLE}`);
    const u = user(15);
    f.sim.setFaults([
      {
        kind: 'lost-response',
        method: 'POST',
        path: `^/v1\\.0/servicePrincipals/${API}/appRoleAssignedTo$`,
        respond: 'status504',
        count: 1,
      },
    ]);
    const r = await grant(e, `user:${u}`);
    assert.equal(r.outcome, 'applied');
    assert.equal(assigned(API, u, USER_ROLE).length, 1);

    f.sim.setFaults([
      {
        kind: 'lost-response',
        method: 'DELETE',
        path: `^/v1\\.0/servicePrincipals/${API}/appRoleAssignedTo/`,
        count: 1,
      },
    ]);
    assert.equal((await revoke(e, `user:${u}`)).outcome, 'applied');
    assert.equal(assigned(API, u, USER_ROLE).length, 0);
  });

  it('counts the holders of an assignment and of ownership for the deletion guard', async () => {
    const [provisioner] = createAppProvisioners({
      graph: p.graph,
      graphBaseUrl: f.sim.url,
      now: () => now,
    });
    const ref = (slug: string) => ({
      id: ent(sp(3), slug),
      resource: { resourceType: 'enterprise_application', resource: sp(3) },
      slug,
    });
    const holding = f.tenant.appRoleAssignedTo(sp(3)).filter((a) => a.appRoleId === role(3)).length;
    assert.ok(holding > 0);
    assert.equal(await provisioner!.holders!(ref(`assignment:${role(3)}`)), holding);
    assert.equal(await provisioner!.holders!(ref('owner')), f.tenant.ownersOf(sp(3)).length);
  });

  it('the next incremental snapshot shows an assignment made, then its removal', async function () {
    const config = loadConfig(simulatorEnv(f.sim));
    const grants = async (file: string) => idsOf(await exportOf(file), 'grant');
    const snap = (name: string, from?: string) =>
      runSync({ config, outFile: join(dir, name), ...(from ? { incrementalFrom: join(dir, from) } : {}) });
    const e = ent(API, `assignment:${USER_ROLE}`);
    const granted = `${e}:user:${user(17)}`;
    await snap('full.snap');
    assert.ok(!(await grants(join(dir, 'full.snap'))).includes(granted));

    assert.equal((await grant(e, `user:${user(17)}`)).grants?.[0]?.id, granted);
    assert.equal((await snap('after-grant.snap', 'full.snap')).header.kind, 'incremental');
    assert.ok((await grants(join(dir, 'after-grant.snap'))).includes(granted));

    assert.equal((await revoke(e, `user:${user(17)}`)).outcome, 'applied');
    await snap('after-revoke.snap', 'after-grant.snap');
    assert.ok(!(await grants(join(dir, 'after-revoke.snap'))).includes(granted));
  });

  describe('SCIM provisioning on demand (BATON_SCHEDULE_SCIM_PROVISIONING)', () => {
    let scim: OpenProvisioning;
    const e = ent(API, `assignment:${USER_ROLE}`);
    const ruleId = async () => {
      const schema = await scim.graph.get<{ synchronizationRules: { id: string }[] }>(
        `/servicePrincipals/${API}/synchronization/jobs/${JOB}/schema`,
      );
      return schema.synchronizationRules[0]!.id;
    };
    beforeEach(async () => {
      scim = open({ BATON_SCHEDULE_SCIM_PROVISIONING: 'true' });
      await fetch(`${f.sim.url}/_sim/provisioning/reset`, { method: 'POST' });
    });
    afterEach(async () => {
      await scim.close();
    });

    it('provisions the new assignee on demand with the job schema rule, listed in the plan', async () => {
      const u = user(16);
      const r = await grant(e, `user:${u}`, false, scim);
      assert.equal(r.outcome, 'applied');
      const base = `/v1.0/servicePrincipals/${API}/synchronization/jobs/${JOB}`;
      const rule = await ruleId();
      assert.deepEqual(
        r.requests.map((q) => [q.method, q.url, q.body]),
        [
          [
            'POST',
            `/v1.0/servicePrincipals/${API}/appRoleAssignedTo`,
            { principalId: u, resourceId: API, appRoleId: USER_ROLE },
          ],
          [
            'POST',
            `${base}/provisionOnDemand`,
            { parameters: [{ ruleId: rule, subjects: [{ objectId: u, objectTypeName: 'User' }] }] },
          ],
        ],
      );
      assert.deepEqual(r.detail, { scim: [{ job: JOB, provisionOnDemand: 'Success' }] });
      const calls = f.sim.provisioningCalls();
      assert.deepEqual(
        calls.provisionOnDemand.map((c) => [
          c.jobId,
          c.parameters[0]?.ruleId,
          c.parameters[0]?.subjects[0]?.objectId,
        ]),
        [[JOB, rule, u]],
      );
      assert.equal(calls.jobActions.length, 0);
      // Nothing new: no SCIM call for an assignment that was already there.
      assert.equal((await grant(e, `user:${u}`, false, scim)).outcome, 'already_applied');
      assert.equal(f.sim.provisioningCalls().provisionOnDemand.length, 1);
      // No job: nothing to trigger.
      const plain = await grant(ent(NO_JOB_APP, `assignment:${role(1)}`), `user:${user(16)}`, false, scim);
      assert.deepEqual(plain.detail, { scim: [] });
    });

    it('keeps six quick grants within 5 provisionOnDemand calls per 10 s by queueing, not failing', async () => {
      const users = [20, 21, 22, 23, 24, 25].map(user);
      const results = await Promise.all(users.map((u) => grant(e, `user:${u}`, false, scim)));
      for (const r of results) {
        assert.equal(r.outcome, 'applied');
        assert.deepEqual(r.detail, { scim: [{ job: JOB, provisionOnDemand: 'Success' }] });
      }
      const calls = f.sim.provisioningCalls();
      assert.deepEqual(
        calls.provisionOnDemand.map((c) => c.parameters[0]?.subjects[0]?.objectId).sort(),
        [...users].sort(),
      );
      assert.equal(calls.jobActions.length, 0, 'no fallback: every call was served');
      const at = calls.provisionOnDemand.map((c) => Date.parse(c.at)).sort((a, b) => a - b);
      for (let i = 5; i < at.length; i++)
        assert.ok(
          at[i]! - at[i - 5]! >= 10_000,
          `calls ${i - 5} and ${i} are ${at[i]! - at[i - 5]!} ms apart`,
        );
    });

    it('falls back to starting the job when on-demand fails or does not apply, and never fails the grant', async () => {
      f.sim.setFaults([{ kind: 'gone410', method: 'POST', path: '/provisionOnDemand$', count: 1 }]);
      const u = user(26);
      const r = await grant(e, `user:${u}`, false, scim);
      assert.equal(r.outcome, 'applied');
      const report = (r.detail?.scim as { provisionOnDemand: string; start: string }[])[0]!;
      assert.match(report.provisionOnDemand, /^failed: /);
      assert.equal(report.start, 'started');
      assert.ok(r.requests.some((q) => q.url.endsWith(`/jobs/${JOB}/start`)));
      assert.deepEqual(
        f.sim.provisioningCalls().jobActions.map((a) => [a.jobId, a.action]),
        [[JOB, 'start']],
      );

      // A service principal is not a SCIM subject: the job is started instead.
      const app = await grant(
        ent(API, `assignment:${APP_ROLE}`),
        `enterprise_application:${sp(0)}`,
        false,
        scim,
      );
      assert.deepEqual(app.detail, {
        scim: [
          {
            job: JOB,
            provisionOnDemand: 'not applicable to enterprise_application principals',
            start: 'started',
          },
        ],
      });

      // Both refused: the grant stands, the failures are reported.
      f.sim.setFaults([
        { kind: 'gone410', method: 'POST', path: '/provisionOnDemand$', count: 1 },
        { kind: 'gone410', method: 'POST', path: '/start$', count: 1 },
      ]);
      const both = await grant(e, `user:${user(27)}`, false, scim);
      assert.equal(both.outcome, 'applied');
      assert.equal(assigned(API, user(27), USER_ROLE).length, 1);
      const failed = (both.detail?.scim as { start: string }[])[0]!;
      assert.match(failed.start, /^failed: /);
    });

    it('plans the SCIM call on a dry run without calling it', async () => {
      const u = user(28);
      const r = await grant(e, `user:${u}`, true, scim);
      assert.equal(r.outcome, 'planned');
      assert.deepEqual(
        r.requests.map((q) => q.url),
        [
          `/v1.0/servicePrincipals/${API}/appRoleAssignedTo`,
          `/v1.0/servicePrincipals/${API}/synchronization/jobs/${JOB}/provisionOnDemand`,
        ],
      );
      assert.equal(f.sim.provisioningCalls().provisionOnDemand.length, 0);
      assert.equal(assigned(API, u, USER_ROLE).length, 0);
    });
  });
});

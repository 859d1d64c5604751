import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guid } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { runCli } from '../support/cli.js';
import { simulatorEnv } from '../support/simulator-env.js';

const user = (n: number) => guid('00000a11', n);
const SECURITY = guid('00006400', 3);

describe('baton-entra grant / revoke / approve (processes against the simulator)', function () {
  // Each test starts several CLI processes; on a loaded machine each takes seconds. The bound
  // only catches a hang.
  this.timeout(300_000);
  let f: FixtureSim;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    f = await startFixtureSim();
    dir = mkdtempSync(join(tmpdir(), 'prov-cli-'));
    writeFileSync(join(dir, 'ca.pem'), f.sim.caCertPem);
    env = {
      ...simulatorEnv(f.sim),
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      BATON_DATA_DIR: join(dir, 'data'),
      BATON_LOG_LEVEL: 'silent',
      BATON_PROVISIONING: 'true',
    };
  });
  after(async () => {
    await f.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const members = () => f.tenant.membersOf(SECURITY);
  const entitlement = `group:${SECURITY}:member`;

  it('refuses to act while provisioning is off, naming the setting', async () => {
    const r = await runCli(['grant', '--entitlement', entitlement, '--principal', `user:${user(29)}`], {
      ...env,
      BATON_PROVISIONING: 'false',
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /BATON_PROVISIONING=true/);
    assert.ok(!members().includes(user(29)));
  });

  it('plans with --dry-run --json, then grants and revokes', async () => {
    const plan = await runCli(
      ['grant', '--entitlement', entitlement, '--principal', `user:${user(29)}`, '--dry-run', '--json'],
      env,
    );
    assert.equal(plan.code, 0, plan.stderr);
    const planned = JSON.parse(plan.stdout) as {
      outcome: string;
      requests: { method: string; url: string }[];
    };
    assert.equal(planned.outcome, 'planned');
    assert.deepEqual(
      planned.requests.map((q) => `${q.method} ${q.url}`),
      [`POST /v1.0/groups/${SECURITY}/members/$ref`],
    );
    assert.ok(!members().includes(user(29)));

    const g = await runCli(
      ['grant', '--entitlement', entitlement, '--principal', `user:${user(29)}`, '--json'],
      env,
    );
    assert.equal(g.code, 0, g.stderr);
    assert.equal((JSON.parse(g.stdout) as { outcome: string }).outcome, 'applied');
    assert.ok(members().includes(user(29)));

    const r = await runCli(['revoke', '--grant', `${entitlement}:user:${user(29)}`], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^outcome: applied$/m);
    assert.ok(!members().includes(user(29)));
  });

  it('holds a revoke beyond the guard, and `approve` runs it', async () => {
    const guarded = { ...env, BATON_DELETION_GUARD_MAX: '1', BATON_DATA_DIR: join(dir, 'guarded') };
    const [a, b] = members();
    assert.ok(a && b);
    assert.equal((await runCli(['revoke', '--grant', `${entitlement}:user:${a}`], guarded)).code, 0);
    const held = await runCli(['revoke', '--grant', `${entitlement}:user:${b}`, '--json'], guarded);
    assert.equal(held.code, 0, held.stderr);
    const h = JSON.parse(held.stdout) as { outcome: string; taskId: string; heldBecause: string };
    assert.equal(h.outcome, 'held');
    assert.match(h.heldBecause, /BATON_DELETION_GUARD_MAX/);
    assert.ok(members().includes(b), 'held: not executed');
    const ok = await runCli(['approve', h.taskId, '--json'], guarded);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout) as { outcome: string }).outcome, 'applied');
    assert.ok(!members().includes(b));
  });

  it('names the argument at fault and exits non-zero', async () => {
    const bad = await runCli(['grant', '--entitlement', entitlement, '--principal', 'nocolon'], env);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--principal: expected TYPE:ID/);
    const type = await runCli(
      ['grant', '--entitlement', `widget:1:member`, '--principal', `user:${user(1)}`],
      env,
    );
    assert.equal(type.code, 1);
    assert.match(type.stderr, /entitlement widget:1:member: resource type "widget" cannot be granted/);
    const grant = await runCli(['revoke', '--grant', 'group:x'], env);
    assert.equal(grant.code, 1);
    assert.match(grant.stderr, /grant id "group:x" is not/);
  });
});

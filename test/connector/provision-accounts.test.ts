import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armor, Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { loadConfig } from '../../src/config/load.js';
import { openProvisioning, type OpenProvisioning } from '../../src/connector/provisioning.js';
import { runSync } from '../../src/connector/sync.js';
import { createUserAccounts } from '../../src/connector/user/account.js';
import type { OperationOptions, PlannedRequest } from '../../src/framework/capabilities.js';
import { ProvisioningError } from '../../src/framework/provisioning/requests.js';
import type { ProvisionRequest } from '../../src/framework/provisioning/requests.js';
import { silentLogger } from '../../src/observability/logger.js';
import { guid } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { exportOf } from '../framework/engine/support/harness.js';

const user = (n: number) => guid('00000a11', n);
const DOMAIN = 'fixture.onmicrosoft.com';

describe('user accounts (against the simulator)', () => {
  let f: FixtureSim;
  let dir: string;
  let p: OpenProvisioning;
  let identity: string;
  let recipient: string;
  let n = 0;
  const id = () => `acct${++n}`;

  before(async () => {
    f = await startFixtureSim({ users: 12, groups: 2 });
    identity = await generateIdentity();
    recipient = await identityToRecipient(identity);
  });
  after(() => f.sim.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-accounts-'));
    const config = loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true' });
    p = openProvisioning(config, { dataDir: dir, logger: silentLogger });
  });
  afterEach(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const create = (login: string, profile: Record<string, unknown> = {}, dryRun = false) =>
    p.service.run(
      id(),
      {
        kind: 'create_account',
        resourceType: 'user',
        login,
        displayName: `New ${login.split('@')[0]}`,
        profile,
        passwordRecipient: recipient,
      } as ProvisionRequest,
      { dryRun },
    );
  const account = (
    kind: 'enable_account' | 'disable_account' | 'delete_account' | 'restore_account',
    uid: string,
    dryRun = false,
  ) => p.service.run(id(), { kind, account: { resourceType: 'user', resource: uid } }, { dryRun });
  const byUpn = (upn: string) => [...f.tenant.users.values()].filter((u) => u.userPrincipalName === upn);
  const rejects = (promise: Promise<unknown>, code: string, words: RegExp) =>
    assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof ProvisioningError, String(err));
      assert.equal(err.code, code);
      assert.match(err.message, words);
      return true;
    });
  async function open(sealed: string): Promise<string> {
    const d = new Decrypter();
    d.addIdentity(identity);
    return d.decrypt(armor.decode(sealed), 'text');
  }

  it('creates a user with its profile, manager and extension attribute; the sealed password signs in and is nowhere in clear', async () => {
    const upn = `ada.new@${DOMAIN}`;
    const r = await create(upn, {
      givenName: 'Ada',
      surname: 'New',
      jobTitle: 'Engineer',
      department: 'R&D',
      employeeId: 'N-100',
      usageLocation: 'GB',
      manager: `user2@${DOMAIN}`,
      extensionAttribute3: 'cost-42',
    });
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(
      r.requests.map((q) => `${q.method} ${q.url.replace(/[0-9a-f-]{36}/, '{id}')}`),
      ['POST /v1.0/users', 'PUT /v1.0/users/{id}/manager/$ref'],
    );
    const [u] = byUpn(upn);
    assert.ok(u, 'user created');
    assert.equal(u.displayName, 'New ada.new');
    assert.equal(u.mailNickname, 'ada.new');
    assert.equal(u.jobTitle, 'Engineer');
    assert.equal(u.employeeId, 'N-100');
    assert.equal(u.usageLocation, 'GB');
    assert.equal(u.accountEnabled, true);
    assert.equal(u.onPremisesExtensionAttributes.extensionAttribute3, 'cost-42');
    assert.equal(u.onPremisesExtensionAttributes.extensionAttribute4, null);
    assert.equal(f.tenant.managerOf(u.id), user(2));
    assert.equal(r.resource?.id.resource, u.id);
    assert.equal(r.resource?.user?.login, upn);
    assert.equal(r.resource?.profile.manager_id, user(2));
    assert.equal(r.grants, undefined);

    const password = await open(r.detail?.sealed_password as string);
    assert.equal(f.tenant.userCredentials.get(u.id)?.password, password);
    const token = await fetch(`${f.sim.authorityHost}/${f.sim.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: f.sim.clientId,
        client_secret: f.sim.clientSecret,
        username: upn,
        password,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    assert.equal(token.status, 200, await token.clone().text());
    assert.ok(!JSON.stringify(r).includes(password), 'not in the result or its plan');
    assert.equal(
      (r.requests[0]?.body as { passwordProfile: { password: string } }).passwordProfile.password,
      '[redacted]',
    );
    for (const file of readdirSync(dir))
      assert.ok(!readFileSync(join(dir, file)).includes(password), `not in ${file}`);
  });

  it('refuses a taken UPN naming it, and with check_upn takes the next free one (soft-deleted users count)', async () => {
    const upn = `jane@${DOMAIN}`;
    assert.equal((await create(upn)).outcome, 'applied');
    await rejects(
      create(upn),
      'FAILED_PRECONDITION',
      /userPrincipalName jane@fixture\.onmicrosoft\.com is already taken.*check_upn/,
    );
    const second = await create(`jane1@${DOMAIN}`);
    assert.equal((await account('delete_account', second.resource!.id.resource)).outcome, 'applied');
    const r = await create(upn, { check_upn: true });
    assert.equal(r.outcome, 'applied');
    assert.equal(r.detail?.upn, `jane2@${DOMAIN}`);
    assert.equal(r.detail?.requested_upn, upn);
    assert.equal(byUpn(`jane2@${DOMAIN}`).length, 1);
    assert.equal(byUpn(`jane2@${DOMAIN}`)[0]?.mailNickname, 'jane2');
  });

  it('refuses a bad profile or an unknown manager before creating anything', async () => {
    const before = f.tenant.users.size;
    await rejects(
      create(`x1@${DOMAIN}`, { favouriteColour: 'blue' }),
      'INVALID_ARGUMENT',
      /profile\.favouriteColour/,
    );
    await rejects(
      create(`x1@${DOMAIN}`, { employeeId: '12345678901234567' }),
      'INVALID_ARGUMENT',
      /profile\.employeeId: at most 16/,
    );
    await rejects(create(`x1@${DOMAIN}`, { manager: 'NOBODY-1' }), 'NOT_FOUND', /profile\.manager.*NOBODY-1/);
    await rejects(create('no-domain'), 'INVALID_ARGUMENT', /login: "no-domain" is not a user principal name/);
    assert.equal(f.tenant.users.size, before);
  });

  it('re-reads after a lost answer to POST /users: one user, not two', async () => {
    const upn = `lost@${DOMAIN}`;
    f.sim.setFaults([
      { kind: 'lost-response', method: 'POST', path: '^/v1\\.0/users$', respond: 'status504', count: 1 },
    ]);
    try {
      const faults = f.sim.counters()['*']?.faults ?? 0;
      const r = await create(upn);
      assert.equal(f.sim.counters()['*']?.faults, faults + 1, 'the answer was lost');
      assert.equal(r.outcome, 'applied');
      assert.equal(byUpn(upn).length, 1);
      assert.equal(r.resource?.id.resource, byUpn(upn)[0]?.id);
    } finally {
      f.sim.setFaults([]);
    }
  });

  it('on a replay takes the user its first attempt made, and only that one', async () => {
    const accounts = createUserAccounts({ graph: p.graph, graphBaseUrl: f.sim.url, now: Date.now });
    const requests: PlannedRequest[] = [];
    const o = (replay: boolean): OperationOptions => ({
      dryRun: false,
      replay,
      record: (q) => requests.push(q),
    });
    const info = { login: `replay@${DOMAIN}`, displayName: 'Replay Person', profile: { employeeId: 'R-1' } };
    const first = await accounts.createAccount(info, { password: 'Xy7!first-Pass' }, o(false));
    assert.equal(first.outcome, 'applied');
    const again = await accounts.createAccount(info, { password: 'Xy7!second-Pass' }, o(true));
    assert.equal(again.outcome, 'already_applied');
    assert.equal(again.resource?.id.resource, first.resource?.id.resource);
    assert.equal(byUpn(info.login).length, 1);
    // Someone else's user under the UPN is not ours, replay or not.
    await rejects(
      accounts.createAccount(
        { ...info, displayName: 'Someone Else' },
        { password: 'Xy7!third-Pass' },
        o(true),
      ),
      'FAILED_PRECONDITION',
      /replay@fixture\.onmicrosoft\.com is already taken/,
    );
  });

  it('disables, enables, deletes and restores, each repeat already_applied', async () => {
    const uid = (await create(`cycle@${DOMAIN}`)).resource!.id.resource;
    const plan = await account('disable_account', uid, true);
    assert.equal(plan.outcome, 'planned');
    assert.deepEqual(
      plan.requests.map((q) => `${q.method} ${q.url}`),
      [`PATCH /v1.0/users/${uid}`],
    );
    assert.equal(f.tenant.users.get(uid)?.accountEnabled, true, 'dry run changed nothing');

    const off = await account('disable_account', uid);
    assert.equal(off.outcome, 'applied');
    assert.equal(off.resource?.status, 'disabled');
    assert.equal(f.tenant.users.get(uid)?.accountEnabled, false);
    assert.equal((await account('disable_account', uid)).outcome, 'already_applied');
    assert.equal((await account('enable_account', uid)).outcome, 'applied');
    assert.equal(f.tenant.users.get(uid)?.accountEnabled, true);
    assert.equal((await account('enable_account', uid)).outcome, 'already_applied');

    assert.equal((await account('delete_account', uid, true)).outcome, 'planned');
    assert.ok(f.tenant.users.has(uid));
    const del = await account('delete_account', uid);
    assert.equal(del.outcome, 'applied');
    assert.equal(del.resource?.status, 'deleted');
    assert.ok(!f.tenant.users.has(uid) && f.tenant.deletedUsers.has(uid), 'in the recycle bin');
    const again = await account('delete_account', uid);
    assert.equal(again.outcome, 'already_applied');
    assert.equal(again.detail?.in_recycle_bin, true);

    assert.equal((await account('restore_account', uid, true)).outcome, 'planned');
    assert.ok(f.tenant.deletedUsers.has(uid));
    const back = await account('restore_account', uid);
    assert.equal(back.outcome, 'applied');
    assert.equal(back.resource?.user?.login, `cycle@${DOMAIN}`);
    assert.ok(f.tenant.users.has(uid));
    assert.equal((await account('restore_account', uid)).outcome, 'already_applied');
  });

  it('names the user an operation cannot find, and refuses to restore over a UPN taken since', async () => {
    const ghost = guid('0000dead', 1);
    await rejects(account('disable_account', ghost), 'NOT_FOUND', new RegExp(`user:${ghost}`));
    await rejects(account('restore_account', ghost), 'NOT_FOUND', /recycle bin holds no such user/);
    const upn = `reused@${DOMAIN}`;
    const uid = (await create(upn)).resource!.id.resource;
    await account('delete_account', uid);
    // Graph refuses a deleted user's UPN to others; an administrator rename reaches it all the same.
    const other = (await create(`reused-b@${DOMAIN}`)).resource!.id.resource;
    f.tenant.updateUser(other, { userPrincipalName: upn });
    await rejects(
      account('restore_account', uid),
      'FAILED_PRECONDITION',
      /reused@fixture\.onmicrosoft\.com is now held by an active user/,
    );
  });

  it('plans a create on a dry run without making the user', async () => {
    const upn = `dry@${DOMAIN}`;
    const r = await create(upn, { manager: user(3) }, true);
    assert.equal(r.outcome, 'planned');
    assert.deepEqual(
      r.requests.map((q) => `${q.method} ${q.url}`),
      ['POST /v1.0/users', `PUT /v1.0/users/${encodeURIComponent(upn)}/manager/$ref`],
    );
    assert.equal(byUpn(upn).length, 0);
  });

  it('shows a created and a disabled user in the next incremental snapshot', async function () {
    const config = loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true' });
    const full = join(dir, 'full.snap');
    const next = join(dir, 'next.snap');
    await runSync({ config, outFile: full });
    const resources = async (file: string) =>
      new Map((await exportOf(file)).filter((r) => r.kind === 'resource').map((r) => [r.id, r]));
    const target = user(4);
    assert.equal((await resources(full)).get(`user:${target}`)?.status, 'enabled');

    const made = await create(`snapshot.new@${DOMAIN}`, { jobTitle: 'Analyst' });
    await account('disable_account', target);
    const inc = await runSync({ config, outFile: next, incrementalFrom: full });
    assert.equal(inc.header.kind, 'incremental');
    const after = await resources(next);
    const created = after.get(`user:${made.resource!.id.resource}`);
    assert.ok(created, 'the created user is in the snapshot');
    assert.equal(created.status, 'enabled');
    assert.equal((created.data.user as { login: string }).login, `snapshot.new@${DOMAIN}`);
    assert.equal((created.data.profile as { job_title: string }).job_title, 'Analyst');
    assert.equal(after.get(`user:${target}`)?.status, 'disabled');
  });
});

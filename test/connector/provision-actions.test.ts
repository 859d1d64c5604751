import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createEntraActions } from '../../src/connector/actions.js';
import { openProvisioning, type OpenProvisioning } from '../../src/connector/provisioning.js';
import type { PlannedRequest } from '../../src/framework/capabilities.js';
import { ProvisioningError } from '../../src/framework/provisioning/requests.js';
import type { JsonObject } from '../../src/framework/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { ALL_READ_ROLES, CLIENT_ID, guid } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';

const user = (n: number) => guid('00000a11', n);
const upn = (n: number) => `user${n}@fixture.onmicrosoft.com`;
const SYNCED = user(5);

describe('connector actions (against the simulator)', () => {
  let f: FixtureSim;
  let dir: string;
  let p: OpenProvisioning;
  let n = 0;
  const id = () => `act${++n}`;

  before(async () => {
    f = await startFixtureSim({ users: 12, groups: 2 });
    f.tenant.updateClient(CLIENT_ID, {
      graphRoles: [...ALL_READ_ROLES, 'UserAuthenticationMethod.ReadWrite.All'],
    });
  });
  after(() => f.sim.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-actions-'));
    const config = loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true' });
    p = openProvisioning(config, { dataDir: dir, logger: silentLogger });
  });
  afterEach(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const act = (name: string, args: JsonObject, dryRun = false) =>
    p.service.run(id(), { kind: 'invoke_action', name, args }, { dryRun });
  const rejects = (promise: Promise<unknown>, code: string, words: RegExp) =>
    assert.rejects(promise, (err: unknown) => {
      assert.ok(err instanceof ProvisioningError, String(err));
      assert.equal(err.code, code);
      assert.equal(err.retryable, false);
      assert.match(err.message, words);
      return true;
    });
  const methods = async (uid: string) =>
    (
      await p.graph.get<{ value: { id: string; '@odata.type': string }[] }>(
        `/users/${uid}/authentication/methods`,
      )
    ).value;

  it('lists every action with an object JSON Schema of its arguments and a truthful destructive flag', () => {
    const list = p.service.listActions();
    assert.deepEqual(list.map((a) => a.name).sort(), [
      'check_upn',
      'create_group',
      'disable_user',
      'enable_user',
      'revoke_mfa',
      'revoke_sessions',
      'set_manager',
      'update_profile',
      'update_user',
    ]);
    const destructive = list
      .filter((a) => a.destructive)
      .map((a) => a.name)
      .sort();
    assert.deepEqual(destructive, ['disable_user', 'revoke_mfa', 'revoke_sessions']);
    const TYPES = new Set(['string', 'boolean', 'integer', 'number', 'array', 'object', 'null']);
    const checkSchema = (path: string, s: JsonObject) => {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      assert.ok(types.length > 0 && types.every((t) => TYPES.has(t as string)), `${path}.type`);
      if (s.properties !== undefined) {
        assert.equal(typeof s.properties, 'object', `${path}.properties`);
        for (const [k, v] of Object.entries(s.properties as JsonObject))
          checkSchema(`${path}.${k}`, v as JsonObject);
      }
      for (const r of (s.required as string[] | undefined) ?? [])
        assert.ok(
          r in ((s.properties as JsonObject | undefined) ?? {}),
          `${path}: required ${r} is declared`,
        );
      if (s.items !== undefined) checkSchema(`${path}[]`, s.items as JsonObject);
      if (s.pattern !== undefined) new RegExp(s.pattern as string, 'u');
      if (s.enum !== undefined) assert.ok(Array.isArray(s.enum) && s.enum.length > 0);
    };
    for (const a of list) {
      assert.equal(a.arguments.type, 'object', a.name);
      assert.equal(a.arguments.additionalProperties, false, a.name);
      assert.equal(a.arguments.$schema, 'https://json-schema.org/draft/2020-12/schema');
      assert.deepEqual(JSON.parse(JSON.stringify(a.arguments)), a.arguments, `${a.name} is plain JSON`);
      checkSchema(a.name, a.arguments);
      assert.ok(a.displayName && a.description, a.name);
    }
  });

  it('refuses an unknown action and arguments that do not fit the schema, naming the argument', async () => {
    await rejects(act('reboot_tenant', {}), 'INVALID_ARGUMENT', /action "reboot_tenant": unknown/);
    await rejects(
      act('enable_user', {}),
      'INVALID_ARGUMENT',
      /action enable_user: argument user_id: required/,
    );
    await rejects(
      act('enable_user', { user_id: 7 }),
      'INVALID_ARGUMENT',
      /argument user_id: expected string, got integer/,
    );
    await rejects(
      act('enable_user', { user_id: user(2), force: true }),
      'INVALID_ARGUMENT',
      /argument force: not an argument here \(expected: user_id\)/,
    );
  });

  it('set_manager sets by employee id or UPN, removes on empty, and repeats as already_applied', async () => {
    const r = await act('set_manager', { user_id: user(4), manager_identifier: 'E7' });
    assert.equal(r.outcome, 'applied');
    assert.equal(f.tenant.managerOf(user(4)), user(7));
    assert.equal(r.resource?.profile.manager_id, user(7));
    assert.equal(
      (await act('set_manager', { user_id: upn(4), manager_identifier: upn(7) })).outcome,
      'already_applied',
    );
    assert.equal(
      (await act('set_manager', { user_id: user(4), manager_identifier: upn(8) })).outcome,
      'applied',
    );
    assert.equal(f.tenant.managerOf(user(4)), user(8));
    const removed = await act('set_manager', { user_id: user(4), manager_identifier: '' });
    assert.deepEqual(
      removed.requests.map((q) => `${q.method} ${q.url}`),
      [`DELETE /v1.0/users/${user(4)}/manager/$ref`],
    );
    assert.equal(f.tenant.managerOf(user(4)), undefined);
    assert.equal((await act('set_manager', { user_id: user(4) })).outcome, 'already_applied');
    await rejects(act('set_manager', { user_id: user(4), manager_identifier: 'E999' }), 'NOT_FOUND', /E999/);
    await rejects(
      act('set_manager', { user_id: user(4), manager_identifier: user(4) }),
      'INVALID_ARGUMENT',
      /own manager/,
    );
    await rejects(
      act('set_manager', { manager_identifier: 'E7' }),
      'INVALID_ARGUMENT',
      /argument user_id: required/,
    );
  });

  it('check_upn answers the proposed UPN or the next free one, counting soft-deleted users, and writes nothing', async () => {
    const free = await act('check_upn', { proposed_upn: 'brand.new@fixture.onmicrosoft.com' });
    assert.deepEqual(free.detail, {
      upn: 'brand.new@fixture.onmicrosoft.com',
      proposed_upn: 'brand.new@fixture.onmicrosoft.com',
      taken: false,
    });
    assert.deepEqual(free.requests, []);
    // user1, user10 and user11 exist: the next free is user12 — until a soft-deleted user12 holds it.
    assert.equal((await act('check_upn', { proposed_upn: upn(1) })).detail?.upn, upn(12));
    f.tenant.createUser(
      { ...f.tenant.users.get(user(9))!, id: guid('0000de1e', 1), userPrincipalName: upn(12) },
      { password: 'Xx-12345678', mfaRequired: false },
    );
    f.tenant.deleteUser(guid('0000de1e', 1));
    assert.equal((await act('check_upn', { proposed_upn: upn(1) })).detail?.upn, upn(13));
    await rejects(
      act('check_upn', { proposed_upn: 'not-an-upn' }),
      'INVALID_ARGUMENT',
      /argument proposed_upn: "not-an-upn" does not match/,
    );
  });

  it('update_profile changes only what differs, clears with "", and refuses synced users in Graph\'s words', async () => {
    const r = await act('update_profile', {
      user_id: user(6),
      jobTitle: 'Director',
      department: '',
      extensionAttribute5: 'badge-5',
    });
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(r.requests[0]?.body, {
      jobTitle: 'Director',
      department: null,
      onPremisesExtensionAttributes: { extensionAttribute5: 'badge-5' },
    });
    const u = f.tenant.users.get(user(6))!;
    assert.equal(u.jobTitle, 'Director');
    assert.equal(u.department, null);
    assert.equal(u.onPremisesExtensionAttributes.extensionAttribute5, 'badge-5');
    assert.equal(u.givenName, 'User', 'untouched');
    const again = await act('update_profile', {
      user_id: user(6),
      jobTitle: 'Director',
      extensionAttribute5: 'badge-5',
    });
    assert.equal(again.outcome, 'already_applied');
    assert.deepEqual(again.requests, []);
    await rejects(
      act('update_profile', { user_id: SYNCED, jobTitle: 'x' }),
      'FAILED_PRECONDITION',
      /on-premises mastered/,
    );
    await rejects(
      act('update_profile', { user_id: user(6), employeeId: 'x'.repeat(17) }),
      'INVALID_ARGUMENT',
      /argument employeeId: at most 16/,
    );
    await rejects(act('update_profile', { user_id: user(6) }), 'INVALID_ARGUMENT', /at least one field/);
  });

  it('update_user patches allow-listed properties and refuses the rest by name', async () => {
    const r = await act('update_user', {
      user_id: upn(7),
      user_profile: {
        officeLocation: 'HQ 2',
        businessPhones: ['+1 555 0100'],
        onPremisesExtensionAttributes: { extensionAttribute1: 'a1' },
      },
    });
    assert.equal(r.outcome, 'applied');
    const u = f.tenant.users.get(user(7))!;
    assert.equal(u.officeLocation, 'HQ 2');
    assert.deepEqual(u.businessPhones, ['+1 555 0100']);
    assert.equal(u.onPremisesExtensionAttributes.extensionAttribute1, 'a1');
    await rejects(
      act('update_user', { user_id: user(7), user_profile: { accountEnabled: false } }),
      'INVALID_ARGUMENT',
      /argument user_profile\.accountEnabled: not an argument here/,
    );
    await rejects(
      act('update_user', {
        user_id: user(7),
        user_profile: { onPremisesExtensionAttributes: { extensionAttribute16: 'x' } },
      }),
      'INVALID_ARGUMENT',
      /user_profile\.onPremisesExtensionAttributes\.extensionAttribute16/,
    );
    await rejects(
      act('update_user', { user_id: user(7), user_profile: {} }),
      'INVALID_ARGUMENT',
      /names nothing to change/,
    );
  });

  it('disable_user and enable_user flip accountEnabled idempotently; a dry run changes nothing', async () => {
    const u = user(8);
    assert.equal(f.tenant.users.get(u)?.accountEnabled, true);
    const plan = await act('disable_user', { user_id: u }, true);
    assert.equal(plan.outcome, 'planned');
    assert.deepEqual(
      plan.requests.map((q) => [q.method, q.url, q.body]),
      [['PATCH', `/v1.0/users/${u}`, { accountEnabled: false }]],
    );
    assert.equal(f.tenant.users.get(u)?.accountEnabled, true);
    assert.equal((await act('disable_user', { user_id: u })).outcome, 'applied');
    assert.equal(f.tenant.users.get(u)?.accountEnabled, false);
    assert.equal((await act('disable_user', { user_id: u })).outcome, 'already_applied');
    assert.equal((await act('enable_user', { user_id: u })).outcome, 'applied');
    assert.equal(f.tenant.users.get(u)?.accountEnabled, true);
    await rejects(act('disable_user', { user_id: guid('0000dead', 2) }), 'NOT_FOUND', /no user/);
  });

  it('revoke_sessions posts revokeSignInSessions for the user', async () => {
    const r = await act('revoke_sessions', { user_id: upn(2) });
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(
      r.requests.map((q) => `${q.method} ${q.url}`),
      [`POST /v1.0/users/${user(2)}/revokeSignInSessions`],
    );
    await rejects(
      act('revoke_sessions', { user_id: '' }),
      'INVALID_ARGUMENT',
      /argument user_id: at least 1 character/,
    );
    await rejects(act('revoke_sessions', { user_id: guid('0000dead', 3) }), 'NOT_FOUND', /no user/);
  });

  it('revoke_mfa deletes every method but the password, the default last, and counts them per type', async () => {
    const u = user(1); // an MFA user: Authenticator (the default) and a phone at least
    const before = await methods(u);
    const deletable = before.filter((m) => !m['@odata.type'].includes('password'));
    assert.ok(deletable.length >= 2, 'the fixture user has methods to revoke');

    const plan = await act('revoke_mfa', { user_id: u }, true);
    assert.equal(plan.outcome, 'planned');
    assert.equal(plan.requests.length, deletable.length);
    assert.equal((await methods(u)).length, before.length, 'dry run changed nothing');

    const r = await act('revoke_mfa', { user_id: u });
    assert.equal(r.outcome, 'applied');
    assert.equal(r.detail?.deleted_count, deletable.length);
    assert.deepEqual(r.detail?.skipped, { password: 1 });
    assert.equal(r.detail?.failed_count, 0);
    assert.equal((r.detail?.deleted as Record<string, number>).microsoftAuthenticator, 1);
    assert.deepEqual(
      (await methods(u)).map((m) => m['@odata.type']),
      ['#microsoft.graph.passwordAuthenticationMethod'],
    );
    const again = await act('revoke_mfa', { user_id: u });
    assert.equal(again.outcome, 'already_applied');
    assert.equal(again.detail?.deleted_count, 0);
    await rejects(act('revoke_mfa', { user: u }), 'INVALID_ARGUMENT', /argument user_id: required/);
  });

  it('create_group makes a security group with owner and members bound, and a Microsoft 365 group', async () => {
    const r = await act('create_group', {
      displayName: 'Project Falcon',
      group_type: 'security',
      description: 'falcon team',
      owner: upn(2),
      userMembers: [user(3), 'E4'],
    });
    assert.equal(r.outcome, 'applied');
    const gid = r.detail?.group_id as string;
    const g = f.tenant.groups.get(gid)!;
    assert.equal(g.mailNickname, 'ProjectFalcon');
    assert.equal(g.securityEnabled, true);
    assert.deepEqual(f.tenant.ownersOf(gid), [user(2)]);
    assert.deepEqual([...f.tenant.membersOf(gid)].sort(), [user(3), user(4)].sort());
    assert.equal(r.resource?.id.resource, gid);
    assert.deepEqual(r.grants?.map((x) => x.id).sort(), [
      `group:${gid}:member:user:${user(3)}`,
      `group:${gid}:member:user:${user(4)}`,
      `group:${gid}:owner:user:${user(2)}`,
    ]);

    const m365 = await act('create_group', {
      displayName: 'Falcon Chat',
      group_type: 'microsoft_365',
      mailNickname: 'falcon-chat',
    });
    assert.equal(f.tenant.groups.get(m365.detail?.group_id as string)?.groupTypes[0], 'Unified');
    await rejects(
      act('create_group', {
        displayName: 'Falcon Chat 2',
        group_type: 'microsoft_365',
        mailNickname: 'falcon-chat',
      }),
      'FAILED_PRECONDITION',
      /mailNickname falcon-chat already exists/,
    );
  });

  it('create_group on a replay finds its group by mail alias; dry run and bad arguments make nothing', async () => {
    const actions = createEntraActions({ graph: p.graph, graphBaseUrl: f.sim.url, now: Date.now });
    const requests: PlannedRequest[] = [];
    const o = (replay: boolean, dryRun = false) => ({
      dryRun,
      replay,
      record: (q: PlannedRequest) => requests.push(q),
    });
    const args = { displayName: 'Replayed', group_type: 'security', mailNickname: 'replayed-1' };
    const count = () => [...f.tenant.groups.values()].filter((g) => g.mailNickname === 'replayed-1').length;
    assert.equal((await actions.invokeAction('create_group', args, o(false, true))).outcome, 'applied');
    assert.equal(count(), 0, 'dry run made nothing');
    const first = await actions.invokeAction('create_group', args, o(false));
    const again = await actions.invokeAction('create_group', args, o(true));
    assert.equal(again.outcome, 'already_applied');
    assert.equal(again.resource?.id.resource, first.resource?.id.resource);
    assert.equal(count(), 1);

    const before = f.tenant.groups.size;
    await rejects(
      act('create_group', { displayName: 'X', group_type: 'distribution' }),
      'INVALID_ARGUMENT',
      /argument group_type: expected one of security, microsoft_365/,
    );
    await rejects(
      act('create_group', {
        displayName: 'X',
        group_type: 'security',
        userMembers: Array.from({ length: 21 }, (_, i) => user(i % 12)),
      }),
      'INVALID_ARGUMENT',
      /argument userMembers: at most 20 items/,
    );
    await rejects(
      act('create_group', {
        displayName: 'X',
        group_type: 'security',
        owner: 'nobody@fixture.onmicrosoft.com',
      }),
      'NOT_FOUND',
      /owner: no user nobody@/,
    );
    await rejects(
      act('create_group', { displayName: 'X', group_type: 'security', mailNickname: 'has space' }),
      'INVALID_ARGUMENT',
      /argument mailNickname/,
    );
    assert.equal(f.tenant.groups.size, before);
  });
});

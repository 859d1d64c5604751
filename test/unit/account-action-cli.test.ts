import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armor, Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { guid } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { runCli } from '../support/cli.js';
import { simulatorEnv } from '../support/simulator-env.js';

const user = (n: number) => guid('00000a11', n);
const DOMAIN = 'fixture.onmicrosoft.com';

interface Result {
  outcome: string;
  requests: { service: string; method: string; url: string; body?: unknown }[];
  resource?: { id: { resourceType: string; resource: string } };
  detail?: Record<string, unknown>;
  actions?: { name: string; destructive: boolean; arguments: Record<string, unknown> }[];
}

/** Every file under a directory, recursively, as bytes decoded as latin1 (binary-safe for a search). */
function filesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return { path, text: readFileSync(path).toString('latin1') };
    });
}

describe('baton-entra account / action / actions (processes against the simulator)', function () {
  // Each test starts several CLI processes; on a loaded machine each takes seconds. The bound
  // only catches a hang.
  this.timeout(300_000);
  let f: FixtureSim;
  let dir: string;
  let env: Record<string, string>;
  let identity: string;
  let recipient: string;

  before(async () => {
    f = await startFixtureSim();
    dir = mkdtempSync(join(tmpdir(), 'acct-cli-'));
    writeFileSync(join(dir, 'ca.pem'), f.sim.caCertPem);
    env = {
      ...simulatorEnv(f.sim),
      NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem'),
      BATON_DATA_DIR: join(dir, 'data'),
      BATON_LOG_LEVEL: 'silent',
      BATON_PROVISIONING: 'true',
    };
    identity = await generateX25519Identity();
    recipient = await identityToRecipient(identity);
  });
  after(async () => {
    await f.sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const byUpn = (upn: string) => [...f.tenant.users.values()].filter((u) => u.userPrincipalName === upn);
  const cli = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await runCli(args, { ...env, ...extra });
    return { ...r, json: () => JSON.parse(r.stdout) as Result };
  };
  const ok = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await cli(args, extra);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  async function open(sealed: string): Promise<string> {
    const d = new Decrypter();
    d.addIdentity(identity);
    return d.decrypt(armor.decode(sealed), 'text');
  }

  describe('account create', () => {
    it('--json: creates the user and returns its password sealed to --password-recipient, and only sealed', async () => {
      const data = join(dir, 'create-json');
      const upn = `ada.cli@${DOMAIN}`;
      // Debug logs on stderr, so that a password written to a log would show.
      const r = await ok(
        [
          'account',
          'create',
          '--login',
          upn,
          '--display-name',
          'Ada Cli',
          '--profile',
          '{"jobTitle":"Engineer"}',
          '--password-recipient',
          recipient,
          '--json',
        ],
        { BATON_DATA_DIR: data, BATON_LOG_LEVEL: 'debug', BATON_LOG_FORMAT: 'json' },
      );
      const out = r.json();
      assert.equal(out.outcome, 'applied');
      assert.deepEqual(
        out.requests.map((q) => `${q.method} ${q.url}`),
        ['POST /v1.0/users'],
      );
      const [u] = byUpn(upn);
      assert.ok(u, 'user created');
      assert.equal(u.displayName, 'Ada Cli');
      assert.equal(u.jobTitle, 'Engineer');
      assert.deepEqual(out.resource?.id, { resourceType: 'user', resource: u.id });

      const sealed = out.detail?.['sealed_password'];
      assert.equal(typeof sealed, 'string');
      const password = await open(sealed as string);
      assert.ok(password.length >= 16, 'a generated password');
      assert.equal(f.tenant.userCredentials.get(u.id)?.password, password);

      assert.ok(!r.stdout.includes(password), 'password in clear on stdout');
      assert.match(r.stderr, /provisioning done/, 'the logs were on');
      assert.ok(!r.stderr.includes(password), 'password in clear on stderr');
      const files = filesUnder(data);
      assert.ok(files.length > 0, 'the journal was written');
      for (const file of files) assert.ok(!file.text.includes(password), `password in clear in ${file.path}`);
    });

    it('without --json: prints the user and the sealed password as readable lines', async () => {
      const upn = `bo.cli@${DOMAIN}`;
      const r = await ok(['account', 'create', '--login', upn, '--display-name', 'Bo Cli'], {
        BATON_PASSWORD_RECIPIENT: recipient,
      });
      const [u] = byUpn(upn);
      assert.ok(u, 'user created');
      assert.match(r.stdout, /^outcome: applied$/m);
      assert.match(r.stdout, new RegExp(`^user: user:${u.id}$`, 'm'));
      const armored =
        /^sealed_password:\n(-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]*?\n-----END AGE ENCRYPTED FILE-----)$/m.exec(
          r.stdout,
        );
      assert.ok(armored, `no sealed password in:\n${r.stdout}`);
      const password = await open(`${armored[1]}\n`);
      assert.equal(f.tenant.userCredentials.get(u.id)?.password, password);
      assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password));
    });

    it('refuses without any recipient, naming password_recipient, and creates nothing', async () => {
      const upn = `no.recipient@${DOMAIN}`;
      const r = await cli(['account', 'create', '--login', upn, '--display-name', 'No Recipient']);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /password_recipient/);
      assert.match(r.stderr, /BATON_PASSWORD_RECIPIENT/);
      assert.equal(r.stdout, '');
      assert.deepEqual(byUpn(upn), []);
    });

    it('--dry-run --json plans POST /users with the password redacted and creates nothing', async () => {
      const upn = `dry.run@${DOMAIN}`;
      const r = await ok([
        'account',
        'create',
        '--login',
        upn,
        '--display-name',
        'Dry Run',
        '--password-recipient',
        recipient,
        '--dry-run',
        '--json',
      ]);
      const out = r.json();
      assert.equal(out.outcome, 'planned');
      assert.equal(out.requests.length, 1);
      const [q] = out.requests;
      assert.equal(`${q!.method} ${q!.url}`, 'POST /v1.0/users');
      const body = q!.body as { userPrincipalName: string; passwordProfile: { password: string } };
      assert.equal(body.userPrincipalName, upn);
      assert.equal(body.passwordProfile.password, '[redacted]');
      assert.equal(out.detail?.['sealed_password'], undefined, 'a plan seals no password');
      assert.deepEqual(byUpn(upn), []);
    });
  });

  describe('account disable / enable / delete / restore', () => {
    const account = `user:${user(4)}`;
    const enabled = () => f.tenant.users.get(user(4))?.accountEnabled;

    it('each applies once, then repeats as already_applied (exit 0)', async () => {
      assert.equal(enabled(), true, 'fixture: user 4 starts enabled (and is cloud-only)');
      const step = async (verb: string, outcome: string) => {
        const r = await ok(['account', verb, '--account', account, '--json']);
        assert.equal(r.json().outcome, outcome, `${verb}: ${r.stdout}`);
        return r.json();
      };

      const planned = await ok(['account', 'disable', '--account', account, '--dry-run', '--json']);
      assert.equal(planned.json().outcome, 'planned');
      assert.deepEqual(
        planned.json().requests.map((q) => `${q.method} ${q.url}`),
        [`PATCH /v1.0/users/${user(4)}`],
      );
      assert.equal(enabled(), true, 'a dry run changes nothing');

      await step('disable', 'applied');
      assert.equal(enabled(), false);
      assert.equal((await step('disable', 'already_applied')).requests.length, 0);

      await step('enable', 'applied');
      assert.equal(enabled(), true);
      await step('enable', 'already_applied');

      const del = await step('delete', 'applied');
      assert.deepEqual(
        del.requests.map((q) => `${q.method} ${q.url}`),
        [`DELETE /v1.0/users/${user(4)}`],
      );
      assert.equal(f.tenant.users.has(user(4)), false);
      assert.equal(f.tenant.deletedUsers.has(user(4)), true);
      const again = await step('delete', 'already_applied');
      assert.equal(again.detail?.['in_recycle_bin'], true);

      await step('restore', 'applied');
      assert.equal(f.tenant.users.has(user(4)), true);
      assert.equal(f.tenant.deletedUsers.has(user(4)), false);
      await step('restore', 'already_applied');
    });

    it('names the account at fault and exits non-zero', async () => {
      const bad = await cli(['account', 'disable', '--account', 'nocolon']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--account: expected TYPE:ID/);
      const type = await cli(['account', 'enable', '--account', `group:${user(4)}`]);
      assert.equal(type.code, 1);
      assert.match(type.stderr, /account: resource type "group" has no accounts/);
      const gone = guid('00000a11', 999);
      const restore = await cli(['account', 'restore', '--account', `user:${gone}`]);
      assert.equal(restore.code, 1);
      assert.match(
        restore.stderr,
        new RegExp(`restore of account user:${gone}: the recycle bin holds no such user`),
      );
    });
  });

  describe('actions list', () => {
    it('--json lists the nine actions, each with a JSON Schema of its arguments', async () => {
      const { actions } = (await ok(['actions', 'list', '--json'])).json();
      assert.ok(actions);
      assert.deepEqual(actions.map((a) => a.name).sort(), [
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
      for (const a of actions) {
        assert.deepEqual(
          Object.keys(a).sort(),
          ['arguments', 'description', 'destructive', 'displayName', 'name'],
          a.name,
        );
        assert.equal(a.arguments['$schema'], 'https://json-schema.org/draft/2020-12/schema', a.name);
        assert.equal(a.arguments['type'], 'object', a.name);
        assert.equal(a.arguments['additionalProperties'], false, a.name);
        assert.equal(typeof a.arguments['properties'], 'object', a.name);
      }
      const setManager = actions.find((a) => a.name === 'set_manager')!;
      assert.deepEqual(Object.keys(setManager.arguments['properties'] as object), [
        'user_id',
        'manager_identifier',
      ]);
      assert.deepEqual(setManager.arguments['required'], ['user_id']);
      assert.equal(actions.find((a) => a.name === 'revoke_sessions')!.destructive, true);
    });

    it('without --json prints one line per action', async () => {
      const r = await ok(['actions', 'list']);
      const lines = r.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 9);
      assert.ok(
        lines.some((l) => /^disable_user \(destructive\): /.test(l)),
        r.stdout,
      );
      assert.ok(
        lines.some((l) => /^check_upn: /.test(l)),
        r.stdout,
      );
    });
  });

  describe('action', () => {
    it('check_upn returns the next free user principal name', async () => {
      assert.equal(byUpn(`user5@${DOMAIN}`).length + byUpn(`user51@${DOMAIN}`).length, 1, 'fixture');
      const taken = await ok([
        'action',
        'check_upn',
        '--args',
        JSON.stringify({ proposed_upn: `user5@${DOMAIN}` }),
        '--json',
      ]);
      const t = taken.json();
      assert.equal(t.outcome, 'applied');
      assert.deepEqual(t.requests, []);
      assert.equal(t.detail?.['upn'], `user51@${DOMAIN}`);
      assert.equal(t.detail?.['taken'], true);

      const free = await ok([
        'action',
        'check_upn',
        '--args',
        JSON.stringify({ proposed_upn: `nobody.yet@${DOMAIN}` }),
        '--json',
      ]);
      assert.equal(free.json().detail?.['upn'], `nobody.yet@${DOMAIN}`);
      assert.equal(free.json().detail?.['taken'], false);
    });

    it('set_manager sets the manager, then repeats as already_applied', async () => {
      const args = JSON.stringify({ user_id: user(8), manager_identifier: `user9@${DOMAIN}` });
      const first = await ok(['action', 'set_manager', '--args', args, '--json']);
      assert.equal(first.json().outcome, 'applied');
      assert.equal(f.tenant.managerOf(user(8)), user(9));
      const again = await ok(['action', 'set_manager', '--args', args, '--json']);
      assert.equal(again.json().outcome, 'already_applied');
    });

    it('set_manager with a bad argument exits non-zero naming the argument and changes nothing', async () => {
      const before = f.tenant.managerOf(user(10));
      const unknown = await cli([
        'action',
        'set_manager',
        '--args',
        JSON.stringify({ user_id: user(10), manager: user(11) }),
      ]);
      assert.equal(unknown.code, 1);
      assert.match(
        unknown.stderr,
        /action set_manager: argument manager: not an argument here \(expected: user_id, manager_identifier\)/,
      );
      const wrongType = await cli([
        'action',
        'set_manager',
        '--args',
        JSON.stringify({ user_id: user(10), manager_identifier: 11 }),
      ]);
      assert.equal(wrongType.code, 1);
      assert.match(wrongType.stderr, /argument manager_identifier: expected string, got integer/);
      const missing = await cli(['action', 'set_manager', '--args', '{}']);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /argument user_id: required/);
      assert.equal(f.tenant.managerOf(user(10)), before);
    });

    it('an unknown action exits non-zero naming it and listing the available ones', async () => {
      const r = await cli(['action', 'nope']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /action "nope": unknown; available: /);
      for (const name of ['set_manager', 'check_upn', 'update_user', 'create_group'])
        assert.ok(r.stderr.includes(name), `${name} not listed: ${r.stderr}`);
    });

    it('--args that is not JSON exits non-zero naming --args', async () => {
      const r = await cli(['action', 'check_upn', '--args', '{proposed_upn: x}']);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /--args: expected a JSON object, got text that is not JSON/);
      const array = await cli(['action', 'check_upn', '--args', '[]']);
      assert.equal(array.code, 1);
      assert.match(array.stderr, /--args: expected a JSON object/);
    });
  });
});

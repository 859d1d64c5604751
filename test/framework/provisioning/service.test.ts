import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { armor, Decrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import type {
  AccountManager,
  EntitlementRef,
  ImplementationResult,
  OperationOptions,
  ResourceProvisioner,
} from '../../../src/framework/capabilities.js';
import { DEFAULT_DELETION_GUARD } from '../../../src/framework/provisioning/guard.js';
import { ProvisioningJournal } from '../../../src/framework/provisioning/journal.js';
import { ProvisioningError } from '../../../src/framework/provisioning/requests.js';
import { generatePassword } from '../../../src/framework/provisioning/seal.js';
import { ProvisioningService } from '../../../src/framework/provisioning/service.js';
import type { Principal } from '../../../src/framework/types.js';

/**
 * A small system the service provisions: teams with members, kept in memory. It records each write
 * it is asked to make, as a real implementation must, and counts the writes it really made.
 */
class Teams implements ResourceProvisioner {
  readonly resourceType = { id: 'team', displayName: 'Team', traits: ['group' as const] };
  readonly members = new Map<string, Set<string>>();
  writes = 0;
  /** Fails the next write after making it: the answer is lost. */
  loseNextAnswer = false;

  constructor(teams: Record<string, number>) {
    for (const [t, n] of Object.entries(teams))
      this.members.set(t, new Set(Array.from({ length: n }, (_, i) => `u${i}`)));
  }

  private change(e: EntitlementRef, p: Principal, o: OperationOptions, add: boolean): ImplementationResult {
    const set = this.members.get(e.resource.resource);
    if (!set) throw new ProvisioningError('NOT_FOUND', `team ${e.resource.resource} not found`);
    if (set.has(p.id) === add) return { outcome: o.replay ? 'applied' : 'already_applied' };
    o.record({
      service: 'teams',
      method: add ? 'POST' : 'DELETE',
      url: `/teams/${e.resource.resource}/${p.id}`,
    });
    if (o.dryRun) return { outcome: 'applied' };
    this.writes++;
    if (add) set.add(p.id);
    else set.delete(p.id);
    if (this.loseNextAnswer) {
      this.loseNextAnswer = false;
      throw new ProvisioningError('UNAVAILABLE', 'connection reset', true);
    }
    return { outcome: 'applied' };
  }

  grant(e: EntitlementRef, p: Principal, o: OperationOptions): Promise<ImplementationResult> {
    return Promise.resolve(this.change(e, p, o, true));
  }
  revoke(
    g: { entitlement: EntitlementRef; principal: Principal },
    o: OperationOptions,
  ): Promise<ImplementationResult> {
    return Promise.resolve(this.change(g.entitlement, g.principal, o, false));
  }
  holders(e: EntitlementRef): Promise<number> {
    return Promise.resolve(this.members.get(e.resource.resource)?.size ?? 0);
  }
}

/** Accounts kept in memory, with the password each was created with. */
class Accounts implements AccountManager {
  readonly resourceType = { id: 'user', displayName: 'User', traits: ['user' as const] };
  readonly passwords = new Map<string, string>();
  creates = 0;
  createAccount(
    info: { login: string },
    credential: { password: string },
    o: OperationOptions,
  ): Promise<ImplementationResult> {
    if (this.passwords.has(info.login))
      return Promise.resolve({ outcome: o.replay ? 'already_applied' : 'already_applied' });
    o.record({
      service: 'dir',
      method: 'POST',
      url: '/users',
      body: { login: info.login, password: '[redacted]' },
    });
    if (!o.dryRun) {
      this.creates++;
      this.passwords.set(info.login, credential.password);
    }
    return Promise.resolve({ outcome: 'applied' });
  }
  enableAccount = (): Promise<ImplementationResult> => Promise.resolve({ outcome: 'applied' });
  disableAccount = (): Promise<ImplementationResult> => Promise.resolve({ outcome: 'applied' });
  deleteAccount = (): Promise<ImplementationResult> => Promise.resolve({ outcome: 'applied' });
  restoreAccount = (): Promise<ImplementationResult> => Promise.resolve({ outcome: 'applied' });
}

describe('provisioning service: journal, deletion guard, dry run, sealed passwords', () => {
  let dir: string;
  let journal: ProvisioningJournal;
  let teams: Teams;
  let accounts: Accounts;
  let clock: number;
  const make = (guard = DEFAULT_DELETION_GUARD, passwordRecipient?: string) =>
    new ProvisioningService({
      provisioners: [teams],
      accounts,
      journal,
      guard,
      now: () => clock,
      ...(passwordRecipient ? { passwordRecipient } : {}),
    });
  const grant = (team: string, user: string) =>
    ({ kind: 'grant', entitlementId: `team:${team}:member`, principal: { type: 'user', id: user } }) as const;
  const revoke = (team: string, user: string) =>
    ({ kind: 'revoke', grantId: `team:${team}:member:user:${user}` }) as const;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-svc-'));
    journal = new ProvisioningJournal(join(dir, 'provisioning.db'));
    teams = new Teams({ a: 5, big: 50, c: 300 });
    accounts = new Accounts();
    clock = Date.parse('2026-12-01T00:00:00Z');
  });
  afterEach(() => {
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies, then reports already_applied for what holds; requests list the writes made', async () => {
    const s = make();
    const r = await s.run('t1', grant('a', 'x'));
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(r.requests, [{ service: 'teams', method: 'POST', url: '/teams/a/x' }]);
    const again = await s.run('t2', grant('a', 'x'));
    assert.equal(again.outcome, 'already_applied');
    assert.deepEqual(again.requests, []);
    assert.equal(teams.writes, 1);
  });

  it('a retried task id returns the recorded outcome and never writes again', async () => {
    const s = make();
    const first = await s.run('t1', grant('a', 'x'));
    teams.members.get('a')!.delete('x'); // changed behind our back: a replay must still not write
    const retried = await s.run('t1', grant('a', 'x'));
    assert.deepEqual(retried, first);
    assert.equal(teams.writes, 1);
    // and a fresh service over the same journal (a restart) answers the same
    journal.close();
    journal = new ProvisioningJournal(join(dir, 'provisioning.db'));
    assert.deepEqual(await make().run('t1', grant('a', 'x')), first);
  });

  it('after a crash between the change and its outcome, the retry re-reads and reports applied', async () => {
    const s = make();
    teams.loseNextAnswer = true;
    await assert.rejects(s.run('t1', grant('a', 'y')), /connection reset/);
    assert.equal(journal.get('t1')?.state, 'failed');
    // An intent left by a crash (no outcome): the retry is a replay.
    journal.put({ ...journal.get('t1')!, state: 'intent' });
    const r = await s.run('t1', grant('a', 'y'));
    assert.equal(r.outcome, 'applied');
    assert.equal(teams.writes, 1);
  });

  it('a dry run plans the exact requests and changes nothing, not even the journal', async () => {
    const s = make();
    const r = await s.run('t1', revoke('a', 'u1'), { dryRun: true });
    assert.equal(r.outcome, 'planned');
    assert.deepEqual(r.requests, [{ service: 'teams', method: 'DELETE', url: '/teams/a/u1' }]);
    assert.ok(teams.members.get('a')!.has('u1'));
    assert.equal(journal.get('t1'), undefined);
  });

  it('holds revokes beyond the window limit until approved, then runs them once', async () => {
    const s = make({ ...DEFAULT_DELETION_GUARD, max: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await s.run(`r${i}`, revoke('c', `u${i}`))).outcome, 'applied');
    const held = await s.run('r3', revoke('c', 'u3'));
    assert.equal(held.outcome, 'held');
    assert.match(held.heldBecause ?? '', /more than 3 destructive operations/);
    assert.deepEqual(held.requests, [{ service: 'teams', method: 'DELETE', url: '/teams/c/u3' }]);
    assert.ok(teams.members.get('c')!.has('u3'), 'a held revoke is not executed');
    assert.equal((await s.run('r3', revoke('c', 'u3'))).outcome, 'held', 'a retry stays held');
    assert.deepEqual(
      s.held().map((e) => e.taskId),
      ['r3'],
    );
    const approved = await s.approve('r3');
    assert.equal(approved.outcome, 'applied');
    assert.ok(!teams.members.get('c')!.has('u3'));
    await assert.rejects(s.approve('r3'), /not held/);
    // the window slides: an hour later revokes run again
    clock += 3_600_001;
    assert.equal((await s.run('r4', revoke('c', 'u4'))).outcome, 'applied');
  });

  it('holds revokes of more than 20 % of an entitlement with at least 10 holders', async () => {
    const s = make();
    // 50 holders: 10 revokes are 20 %, the 11th is beyond it
    for (let i = 0; i < 10; i++)
      assert.equal((await s.run(`b${i}`, revoke('big', `u${i}`))).outcome, 'applied');
    const r = await s.run('b10', revoke('big', 'u10'));
    assert.equal(r.outcome, 'held');
    assert.match(r.heldBecause ?? '', /20 % of the entitlement's 50 holders/);
    // an entitlement with fewer than 10 holders is not share-limited
    for (let i = 0; i < 5; i++) assert.equal((await s.run(`a${i}`, revoke('a', `u${i}`))).outcome, 'applied');
    // a dry run says it would be held
    const plan = await s.run('b11', revoke('big', 'u11'), { dryRun: true });
    assert.equal(plan.outcome, 'planned');
    assert.match(plan.heldBecause ?? '', /20 %/);
  });

  it('seals a generated password to the recipient; the plain text is in no result and no file', async () => {
    const identity = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    const s = make(DEFAULT_DELETION_GUARD, recipient);
    const r = await s.run('c1', { kind: 'create_account', resourceType: 'user', login: 'new@x.example' });
    assert.equal(r.outcome, 'applied');
    const sealed = r.detail?.['sealed_password'];
    assert.equal(typeof sealed, 'string');
    const d = new Decrypter();
    d.addIdentity(identity);
    const plain = await d.decrypt(armor.decode(sealed as string), 'text');
    assert.equal(plain, accounts.passwords.get('new@x.example'));
    assert.ok(plain.length >= 16);
    assert.ok(!JSON.stringify(r).includes(plain));
    journal.close();
    for (const f of readdirSync(dir)) assert.ok(!readFileSync(join(dir, f)).includes(plain), f);
    journal = new ProvisioningJournal(join(dir, 'provisioning.db'));
    // another identity cannot open it
    const other = new Decrypter();
    other.addIdentity(await generateIdentity());
    await assert.rejects(other.decrypt(armor.decode(sealed as string), 'text'));
  });

  it('a replayed account creation returns the first attempt\u2019s sealed password', async () => {
    const recipient = await identityToRecipient(await generateIdentity());
    const s = make(DEFAULT_DELETION_GUARD, recipient);
    const first = await s.run('c1', { kind: 'create_account', resourceType: 'user', login: 'a@x.example' });
    journal.put({ ...journal.get('c1')!, state: 'intent', result: undefined } as never);
    const replay = await s.run('c1', { kind: 'create_account', resourceType: 'user', login: 'a@x.example' });
    assert.equal(replay.outcome, 'already_applied');
    assert.equal(replay.detail?.['sealed_password'], first.detail?.['sealed_password']);
    assert.equal(accounts.creates, 1);
  });

  it('a task whose write was applied but whose attempt failed is re-run as a replay, with its first password', async () => {
    const recipient = await identityToRecipient(await generateIdentity());
    const s = make(DEFAULT_DELETION_GUARD, recipient);
    // The account is created, then the attempt fails (its answer lost and the re-read failing too).
    const create = accounts.createAccount.bind(accounts);
    const seen: boolean[] = [];
    accounts.createAccount = async (info, credential, o) => {
      seen.push(o.replay === true);
      const r = await create(info, credential, o);
      if (seen.length === 1) throw new ProvisioningError('UNAVAILABLE', 'answer lost; re-read failed', true);
      return r;
    };
    const req = { kind: 'create_account', resourceType: 'user', login: 'b@x.example' } as const;
    await assert.rejects(s.run('c9', req), /answer lost/);
    assert.equal(journal.get('c9')?.state, 'failed');
    const sealedFirst = journal.get('c9')?.memo?.['sealed_password'];
    const retry = await s.run('c9', req);
    assert.deepEqual(seen, [false, true], 'the retry is told it replays');
    assert.equal(retry.detail?.['sealed_password'], sealedFirst);
    assert.equal(accounts.creates, 1);
  });

  it('refuses a bad recipient, or none, before anything is created, on a dry run too', async () => {
    const s = make();
    await assert.rejects(
      s.run('c1', { kind: 'create_account', resourceType: 'user', login: 'a@x.example' }),
      /password_recipient: none given, BATON_PASSWORD_RECIPIENT is not set and the control plane announced none/,
    );
    await assert.rejects(
      s.run('c2', {
        kind: 'create_account',
        resourceType: 'user',
        login: 'a@x.example',
        passwordRecipient: 'age1notarecipient',
      }),
      /password_recipient: expected an age X25519 recipient/,
    );
    // A dry run refuses it too: its plan could not be carried out.
    await assert.rejects(
      s.run(
        'c3',
        {
          kind: 'create_account',
          resourceType: 'user',
          login: 'a@x.example',
          passwordRecipient: 'age1notarecipient',
        },
        { dryRun: true },
      ),
      /password_recipient: expected an age X25519 recipient/,
    );
    assert.equal(accounts.creates, 0);
  });

  it('names the argument at fault', async () => {
    const s = make();
    await assert.rejects(
      s.run('x1', { kind: 'grant', entitlementId: 'nope', principal: { type: 'user', id: 'u' } }),
      /entitlement: entitlement id "nope" is not/,
    );
    await assert.rejects(
      s.run('x2', { kind: 'grant', entitlementId: 'widget:1:member', principal: { type: 'user', id: 'u' } }),
      /resource type "widget" cannot be granted/,
    );
    await assert.rejects(
      s.run('x3', { kind: 'revoke', grantId: 'team:a:member' }),
      /grant id "team:a:member" is not/,
    );
    await assert.rejects(
      s.run('x4', { kind: 'invoke_action', name: 'frobnicate', args: {} }),
      /action "frobnicate": unknown/,
    );
  });

  it('generates passwords with all four character classes', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      assert.equal(p.length, 20);
      assert.match(p, /[a-z]/);
      assert.match(p, /[A-Z]/);
      assert.match(p, /[0-9]/);
      assert.match(p, /[^A-Za-z0-9]/);
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { openProvisioning, type OpenProvisioning } from '../../src/connector/provisioning.js';
import { ProvisioningError } from '../../src/framework/provisioning/requests.js';
import { silentLogger } from '../../src/observability/logger.js';
import { guid, makeGroup } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';

const user = (n: number) => guid('00000a11', n);
const group = (n: number) => guid('00006400', n);
const sp = (n: number) => guid('0000059a', n);
const SECURITY = group(3);
const M365 = group(1);
const DISTRIBUTION = group(2);
const MAIL_SECURITY = group(11);
const SYNCED = group(0);
const DYNAMIC = guid('00006400', 46);
const ROLE_GROUP = guid('00006400', 43);

describe('group provisioning (Graph and Exchange, against the simulator)', () => {
  let f: FixtureSim;
  let dir: string;
  let p: OpenProvisioning;
  let n = 0;
  const id = () => `t${++n}`;

  before(async () => {
    f = await startFixtureSim({ groups: 12 });
    f.tenant.createGroup(
      makeGroup(46, { groupTypes: ['DynamicMembership'], membershipRule: 'user.department -eq "x"' }),
    );
    f.tenant.createGroup(makeGroup(43, { isAssignableToRole: true }));
  });
  after(async () => {
    await f.sim.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prov-groups-'));
    const config = loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true' });
    p = openProvisioning(config, { dataDir: dir, logger: silentLogger });
  });
  afterEach(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const members = (g: string) => f.tenant.membersOf(g);
  const grant = (g: string, principal: string, slug = 'member', dryRun = false) => {
    const [type, pid] = principal.split(':') as [string, string];
    return p.service.run(
      id(),
      { kind: 'grant', entitlementId: `group:${g}:${slug}`, principal: { type, id: pid } },
      { dryRun },
    );
  };
  const revoke = (g: string, principal: string, slug = 'member') =>
    p.service.run(id(), { kind: 'revoke', grantId: `group:${g}:${slug}:${principal}` });

  it('grants and revokes a security group membership through Graph $ref, idempotently', async () => {
    const u = user(29);
    assert.ok(!members(SECURITY).includes(u));
    const first = await grant(SECURITY, `user:${u}`);
    assert.equal(first.outcome, 'applied');
    assert.deepEqual(
      first.requests.map((r) => `${r.method} ${r.url}`),
      [`POST /v1.0/groups/${SECURITY}/members/$ref`],
    );
    assert.deepEqual(first.grants?.[0]?.id, `group:${SECURITY}:member:user:${u}`);
    assert.ok(members(SECURITY).includes(u));
    assert.equal((await grant(SECURITY, `user:${u}`)).outcome, 'already_applied');
    assert.equal((await revoke(SECURITY, `user:${u}`)).outcome, 'applied');
    assert.ok(!members(SECURITY).includes(u));
    assert.equal((await revoke(SECURITY, `user:${u}`)).outcome, 'already_applied');
  });

  it('plans a grant on a dry run without changing the group', async () => {
    const u = user(28);
    const r = await grant(SECURITY, `user:${u}`, 'member', true);
    assert.equal(r.outcome, 'planned');
    assert.equal(r.requests.length, 1);
    assert.deepEqual(r.requests[0]?.body, { '@odata.id': `${f.sim.url}/v1.0/directoryObjects/${u}` });
    assert.ok(!members(SECURITY).includes(u));
  });

  it('changes distribution lists and mail-enabled security groups through Exchange', async () => {
    for (const g of [DISTRIBUTION, MAIL_SECURITY]) {
      const u = user(27);
      const r = await grant(g, `user:${u}`);
      assert.equal(r.outcome, 'applied');
      assert.deepEqual(
        r.requests.map(
          (q) =>
            `${q.service} ${JSON.stringify((q.body as { CmdletInput: { CmdletName: string } }).CmdletInput.CmdletName)}`,
        ),
        ['exchange "Add-DistributionGroupMember"'],
      );
      assert.ok(members(g).includes(u));
      assert.equal((await grant(g, `user:${u}`)).outcome, 'already_applied');
      assert.equal((await revoke(g, `user:${u}`)).outcome, 'applied');
      assert.ok(!members(g).includes(u));
      assert.equal((await revoke(g, `user:${u}`)).outcome, 'already_applied');
    }
    const owner = user(26);
    assert.equal((await grant(DISTRIBUTION, `user:${owner}`, 'owner')).outcome, 'applied');
    assert.ok(f.tenant.ownersOf(DISTRIBUTION).includes(owner));
    assert.equal((await revoke(DISTRIBUTION, `user:${owner}`, 'owner')).outcome, 'applied');
    assert.ok(!f.tenant.ownersOf(DISTRIBUTION).includes(owner));
  });

  it('refuses dynamic and on-premises groups, and principals a group cannot take, naming why', async () => {
    const refused = async (promise: Promise<unknown>, code: string, words: RegExp) => {
      await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof ProvisioningError);
        assert.equal(err.code, code);
        assert.equal(err.retryable, false);
        assert.match(err.message, words);
        return true;
      });
    };
    await refused(grant(DYNAMIC, `user:${user(1)}`), 'FAILED_PRECONDITION', /dynamic membership/);
    await refused(grant(SYNCED, `user:${user(1)}`), 'FAILED_PRECONDITION', /on-premises Active Directory/);
    await refused(
      grant(M365, `group:${SECURITY}`),
      'INVALID_ARGUMENT',
      /Microsoft 365 groups take users only/,
    );
    await refused(grant(ROLE_GROUP, `group:${SECURITY}`), 'INVALID_ARGUMENT', /role-assignable/);
    await refused(
      grant(SECURITY, `device:${user(1)}`, 'owner'),
      'INVALID_ARGUMENT',
      /owners are users or service principals/,
    );
    await refused(
      p.service.run(id(), {
        kind: 'grant',
        entitlementId: `group:${SECURITY}:admin`,
        principal: { type: 'user', id: user(1) },
      }),
      'INVALID_ARGUMENT',
      /member and owner/,
    );
  });

  it('coalesces concurrent member grants to one group into members@odata.bind requests of up to 20', async () => {
    const before = p.graph.stats.requests;
    const principals = Array.from({ length: 25 }, (_, i) => user(i)).filter(
      (u) => !members(SECURITY).includes(u),
    );
    principals.push(sp(0));
    const results = await Promise.all(
      principals.map((u) => grant(SECURITY, `${u === sp(0) ? 'enterprise_application' : 'user'}:${u}`)),
    );
    assert.ok(results.every((r) => r.outcome === 'applied'));
    for (const u of principals) assert.ok(members(SECURITY).includes(u), u);
    const patches = new Set(
      results.flatMap((r) =>
        r.requests.filter((q) => q.method === 'PATCH').map((q) => JSON.stringify(q.body)),
      ),
    );
    assert.ok(patches.size >= 1);
    for (const body of patches)
      assert.ok((JSON.parse(body) as Record<string, string[]>)['members@odata.bind']!.length <= 20);
    // one facts read, then far fewer writes than grants
    const made = p.graph.stats.requests - before;
    assert.ok(made <= 1 + Math.ceil(principals.length / 20) + 1, `requests: ${made}`);
  });

  it('falls back to one request per grant when a coalesced bind is refused as a whole', async () => {
    const already = members(SECURITY)[0]!;
    const fresh = [user(20), user(21)].filter((u) => !members(SECURITY).includes(u));
    const results = await Promise.all([already, ...fresh].map((u) => grant(SECURITY, `user:${u}`)));
    assert.equal(results[0]?.outcome, 'already_applied');
    for (const r of results.slice(1)) assert.equal(r.outcome, 'applied');
  });

  it('re-reads after a lost response instead of failing or adding twice', async () => {
    const u = user(25);
    if (members(SECURITY).includes(u)) await revoke(SECURITY, `user:${u}`);
    const res = await fetch(`${f.sim.url}/_sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          kind: 'lost-response',
          method: 'POST',
          path: `/v1.0/groups/${SECURITY}/members/$ref`,
          respond: 'status504',
        },
      ]),
    });
    assert.equal(res.status, 200, await res.text());
    const r = await grant(SECURITY, `user:${u}`);
    assert.equal(r.outcome, 'applied');
    assert.equal(members(SECURITY).filter((m) => m === u).length, 1);
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { createLicenseProvisioner } from '../../src/connector/license/provision.js';
import { openProvisioning, type OpenProvisioning } from '../../src/connector/provisioning.js';
import { runSync } from '../../src/connector/sync.js';
import { ProvisioningError } from '../../src/framework/provisioning/requests.js';
import type { GraphClient, GraphRequestOptions } from '../../src/graph/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { exportOf, idsOf } from '../framework/engine/support/harness.js';
import { guid, makeUser, SKU_E5, TENANT_ID } from '../simulator/support/fixture-data.js';
import { startFixtureSim, type FixtureSim } from '../simulator/support/sim.js';
import { simulatorEnv } from '../support/simulator-env.js';

const user = (n: number) => guid('00000a11', n);
const E5 = `license:${SKU_E5}:assigned`;
/** A SKU with one seat, taken. */
const FULL_SKU = guid('5c000000', 7);
const FULL = `license:${FULL_SKU}:assigned`;
/** A user without a usage location. */
const NOWHERE = guid('00000a11', 40);

describe('license provisioning (against the simulator)', () => {
  let f: FixtureSim;
  let dir: string;
  let p: OpenProvisioning;
  let n = 0;
  const id = () => `l${++n}`;

  before(async () => {
    f = await startFixtureSim({ users: 30 });
    f.tenant.createUser(makeUser(40, { usageLocation: null, assignedLicenses: [] }), {
      password: 'Pass-40!',
      mfaRequired: false,
    });
    f.tenant.subscribedSkus.push({
      id: `${TENANT_ID}_${FULL_SKU}`,
      skuId: FULL_SKU,
      skuPartNumber: 'VISIOCLIENT',
      accountId: TENANT_ID,
      accountName: 'Fixture',
      appliesTo: 'User',
      capabilityStatus: 'Enabled',
      consumedUnits: 1,
      prepaidUnits: { enabled: 1, suspended: 0, warning: 0, lockedOut: 0 },
      servicePlans: [],
    });
  });
  after(async () => {
    await f.sim.close();
  });
  beforeEach(() => {
    f.sim.setFaults([]);
    dir = mkdtempSync(join(tmpdir(), 'prov-licenses-'));
    p = openProvisioning(loadConfig({ ...simulatorEnv(f.sim), BATON_PROVISIONING: 'true' }), {
      dataDir: dir,
      logger: silentLogger,
    });
  });
  afterEach(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const licensed = (u: string, sku = SKU_E5) =>
    f.tenant.users.get(u)!.assignedLicenses.some((l) => l.skuId === sku);
  const consumed = (sku = SKU_E5) => f.tenant.subscribedSkus.find((s) => s.skuId === sku)!.consumedUnits;
  const grant = (entitlementId: string, principal: string, dryRun = false) => {
    const [type, pid] = principal.split(':') as [string, string];
    return p.service.run(id(), { kind: 'grant', entitlementId, principal: { type, id: pid } }, { dryRun });
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

  it('assigns and removes a license through assignLicense, idempotently, with the snapshot grant id', async () => {
    const u = user(1); // odd users start unlicensed
    assert.ok(!licensed(u));
    const r = await grant(E5, `user:${u}`);
    assert.equal(r.outcome, 'applied');
    assert.deepEqual(
      r.requests.map((q) => [q.method, q.url, q.body]),
      [
        [
          'POST',
          `/v1.0/users/${u}/assignLicense`,
          { addLicenses: [{ skuId: SKU_E5, disabledPlans: [] }], removeLicenses: [] },
        ],
      ],
    );
    assert.equal(r.grants?.[0]?.id, `${E5}:user:${u}`);
    assert.ok(licensed(u));
    const again = await grant(E5, `user:${u}`);
    assert.equal(again.outcome, 'already_applied');
    assert.equal(again.requests.length, 0, 'assignLicense would accept it again: nothing is sent');

    const gone = await revoke(E5, `user:${u}`);
    assert.equal(gone.outcome, 'applied');
    assert.deepEqual(gone.requests[0]?.body, { addLicenses: [], removeLicenses: [SKU_E5] });
    assert.ok(!licensed(u));
    assert.equal((await revoke(E5, `user:${u}`)).outcome, 'already_applied');
  });

  it('plans on a dry run without changing the user', async () => {
    const u = user(3);
    const r = await grant(E5, `user:${u}`, true);
    assert.equal(r.outcome, 'planned');
    assert.deepEqual(
      r.requests.map((q) => `${q.method} ${q.url}`),
      [`POST /v1.0/users/${u}/assignLicense`],
    );
    assert.ok(!licensed(u));
    const held = user(2);
    assert.equal((await revoke(E5, `user:${held}`, true)).outcome, 'planned');
    assert.ok(licensed(held));
  });

  it('names usageLocation when the user has none, and the SKU when it has no units left', async () => {
    await refused(grant(E5, `user:${NOWHERE}`), 'FAILED_PRECONDITION', /has no usageLocation/);
    assert.ok(!licensed(NOWHERE));
    await refused(
      grant(FULL, `user:${user(5)}`),
      'FAILED_PRECONDITION',
      /VISIOCLIENT has no available units \(1 of 1/,
    );
    await refused(
      grant(`license:${guid('5c000000', 99)}:assigned`, `user:${user(5)}`),
      'NOT_FOUND',
      /not one of the tenant's subscribed SKUs/,
    );
    await refused(
      grant(E5, `group:${guid('00006400', 3)}`),
      'INVALID_ARGUMENT',
      /licenses are assigned to users/,
    );
  });

  it("maps Graph's own usage-location refusal (the user changed between the read and the write)", async () => {
    const u = user(7);
    // The read still shows the old usage location; Graph then refuses the write itself.
    const stale: GraphClient = {
      ...p.graph,
      get: async <T>(path: string, o?: GraphRequestOptions) => {
        const body = await p.graph.get<T>(path, o);
        return path.startsWith(`/users/${u}?`) ? ({ ...body, usageLocation: 'US' } as T) : body;
      },
    };
    const provisioner = createLicenseProvisioner({ graph: stale, graphBaseUrl: f.sim.url, now: Date.now });
    f.tenant.updateUser(u, { usageLocation: null });
    try {
      await refused(
        provisioner.grant(
          { id: E5, resource: { resourceType: 'license', resource: SKU_E5 }, slug: 'assigned' },
          { type: 'user', id: u },
          { dryRun: false, record: () => {} },
        ),
        'FAILED_PRECONDITION',
        /has no usageLocation: set the user's usageLocation/,
      );
    } finally {
      f.tenant.updateUser(u, { usageLocation: 'US' });
    }
    assert.ok(!licensed(u));
  });

  it('re-reads after a lost response instead of failing', async () => {
    const u = user(9);
    f.sim.setFaults([
      {
        kind: 'lost-response',
        method: 'POST',
        path: `^/v1\\.0/users/${u}/assignLicense$`,
        respond: 'status504',
        count: 1,
      },
    ]);
    const r = await grant(E5, `user:${u}`);
    assert.equal(r.outcome, 'applied');
    assert.ok(licensed(u));
  });

  it('counts holders from the SKU’s consumed units', async () => {
    const provisioner = createLicenseProvisioner({ graph: p.graph, graphBaseUrl: f.sim.url, now: Date.now });
    const holders = await provisioner.holders!({
      id: E5,
      resource: { resourceType: 'license', resource: SKU_E5 },
      slug: 'assigned',
    });
    assert.equal(holders, consumed());
  });

  it('the next incremental snapshot shows a license assigned, then removed', async function () {
    const config = loadConfig(simulatorEnv(f.sim));
    const grants = async (file: string) => idsOf(await exportOf(join(dir, file)), 'grant');
    const snap = (name: string, from?: string) =>
      runSync({ config, outFile: join(dir, name), ...(from ? { incrementalFrom: join(dir, from) } : {}) });
    const u = user(11);
    const granted = `${E5}:user:${u}`;
    await snap('full.snap');
    assert.ok(!(await grants('full.snap')).includes(granted));

    assert.equal((await grant(E5, `user:${u}`)).outcome, 'applied');
    assert.equal((await snap('after-grant.snap', 'full.snap')).header.kind, 'incremental');
    assert.ok((await grants('after-grant.snap')).includes(granted));

    assert.equal((await revoke(E5, `user:${u}`)).outcome, 'applied');
    await snap('after-revoke.snap', 'after-grant.snap');
    assert.ok(!(await grants('after-revoke.snap')).includes(granted));
  });
});

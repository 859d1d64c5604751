import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import type { EndpointCounters } from '../../src/simulator/api.js';
import { startSimulator, trustSimulatorCa, type Simulator } from '../../src/simulator/index.js';
import type { TenantStore } from '../../src/simulator/tenant/store-api.js';
import { exportOf, idsOf, tempDir } from '../framework/engine/support/harness.js';
import { expectedFromStore } from '../framework/engine/support/tenant-expected.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { SHAPES, setAssignments, setOwners, shapeServicePrincipals } from './support/sp-shapes.js';

const ASSIGNMENTS = 'GET /v1.0/servicePrincipals/{id}/appRoleAssignedTo';
const OWNERS = 'GET /v1.0/servicePrincipals/{id}/owners';
const GRAPH_KEY = /^[A-Z]+ \/(v1\.0|beta)\//;
const DAY = 86_400_000;

/** HTTP requests to Graph (a `$batch` envelope is one), and those Graph meters (each inner one counts). */
function requests(counters: Record<string, EndpointCounters>): { http: number; metered: number } {
  let http = 0;
  let metered = 0;
  for (const [key, c] of Object.entries(counters)) {
    if (!GRAPH_KEY.test(key)) continue;
    http += c.requests - c.batched;
    if (!key.endsWith('/$batch')) metered += c.requests;
  }
  return { http, metered };
}

/** Synced apps (tenant-owned or assigned applications) and service principals at or over the cap. */
function atCap(t: TenantStore) {
  const sps = [...t.servicePrincipals.values()];
  const apps = sps.filter(
    (sp) =>
      sp.servicePrincipalType === 'Application' &&
      (sp.appOwnerOrganizationId === t.organization.id || t.appRoleAssignedTo(sp.id).length > 0),
  );
  return {
    sps: sps.length,
    apps: apps.length,
    assignments: sps.filter((sp) => t.appRoleAssignedTo(sp.id).length >= 20).length,
    owners: apps.filter((sp) => t.ownersOf(sp.id).length >= 20).length,
  };
}

describe('service principals’ assignments and owners read with $expand', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let tmp: ReturnType<typeof tempDir>;
  let shaped: string[];
  // One clock for the simulator (audit times, delta-link lifetimes) and the syncs.
  let clock = Date.now();
  const now = () => clock;
  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 7, host: '127.0.0.1', throttling: false, now });
    trustSimulatorCa(sim.caCertPem);
    shaped = shapeServicePrincipals(sim.tenant);
    tmp = tempDir();
  });
  after(async () => {
    await sim.close();
    tmp.cleanup();
  });

  async function sync(name: string, expand: string, from?: string, lines?: string[]) {
    const config = loadConfig({ ...simulatorEnv(sim), BATON_GRAPH_EXPAND: expand });
    const outFile = join(tmp.dir, `${name}.snap`);
    sim.resetCounters();
    await runSync({
      config,
      outFile,
      now,
      ...(from ? { incrementalFrom: from } : {}),
      ...(lines
        ? { logger: pino({ level: 'info', base: null }, { write: (s: string) => void lines.push(s) }) }
        : {}),
    });
    const counters = sim.counters();
    const records = await exportOf(outFile);
    const want = expectedFromStore(sim.tenant, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources, `${name}: resources`);
    assert.deepEqual(idsOf(records, 'grant'), want.grants, `${name}: grants`);
    return { outFile, records, counters, requests: requests(counters) };
  }

  it('a full sync gives the same snapshot with and without it, lists only what reached 20, and costs fewer requests', async () => {
    const never = await sync('never', 'never');
    const auto = await sync('auto', 'auto');
    const always = await sync('always', 'always');
    assert.deepEqual(auto.records, never.records);
    assert.deepEqual(always.records, never.records);

    const cap = atCap(sim.tenant);
    // The shaped apps reach the cap with 20, 21 and 45 assignments, and 20, 20, 21 and 45 owners.
    assert.ok(cap.assignments >= 3 && cap.owners >= 4, JSON.stringify(cap));
    // Without $expand: a listing per service principal and per synced app.
    assert.equal(never.counters[ASSIGNMENTS]!.requests, cap.sps);
    assert.equal(never.counters[OWNERS]!.requests, cap.apps);
    // With it: only those whose expansion held 20 (exactly 20 may have been cut).
    for (const run of [auto, always]) {
      assert.equal(run.counters[ASSIGNMENTS]!.requests, cap.assignments);
      assert.equal(run.counters[OWNERS]!.requests, cap.owners);
    }
    assert.ok(
      auto.requests.metered < never.requests.metered,
      JSON.stringify([auto.requests, never.requests]),
    );
    assert.ok(auto.requests.http <= never.requests.http, JSON.stringify([auto.requests, never.requests]));
  });

  it('incrementals stay exact across the cap, by delta and by a full listing that uses the last one’s figures', async () => {
    const base = await sync('base', 'auto');
    // The figures the full listing keeps; the delta incremental below carries them on unchanged.
    const atBase = atCap(sim.tenant);
    const users = [...sim.tenant.users.keys()];
    const at = (assignments: number) => shaped[SHAPES.findIndex((s) => s.assignments === assignments)]!;
    // 19 → 20, 20 → 19, 21 → 22 assignments; owners likewise across the cap.
    setAssignments(sim.tenant, at(19), 20, users);
    setOwners(sim.tenant, at(19), 20, users);
    setAssignments(sim.tenant, at(20), 19, users);
    setOwners(sim.tenant, at(20), 19, users);
    setAssignments(sim.tenant, at(21), 22, users);
    setOwners(sim.tenant, at(0), 0, users);
    clock += 60_000;
    const delta = await sync('delta', 'auto', base.outFile);
    // Delta queries take no $expand: the changed service principals are listed one by one.
    assert.ok(delta.counters[ASSIGNMENTS]!.requests >= 3);
    const fresh = await sync('fresh', 'auto');
    assert.deepEqual(delta.records, fresh.records);

    // A parent older than the audit log's reach: service principals are listed again in full, and
    // the choice is made from the figures the parent kept.
    setOwners(sim.tenant, at(45), 44, users);
    clock += 6.5 * DAY;
    const lines: string[] = [];
    const relisted = await sync('relisted', 'auto', delta.outFile, lines);
    const choices = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => typeof l.relationship === 'string');
    // Assignments: one expanded page and a batch for the few at 20, against a page and a listing
    // each. Owners: a quarter of the apps reached 20 last time, so expanding would cost a listing
    // and a batch, against the one batch that lists every app's owners.
    assert.deepEqual(
      choices.map((c) => [c.relationship, c.expand, c.reason]),
      [
        ['appRoleAssignedTo', true, 'estimate'],
        ['owners', false, 'estimate'],
      ],
    );
    assert.deepEqual(choices[0]!.previousListing, { total: atBase.sps, overflow: atBase.assignments });
    assert.deepEqual(choices[1]!.previousListing, { total: atBase.apps, overflow: atBase.owners });
    const cap = atCap(sim.tenant);
    assert.deepEqual(choices[1]!.requestsWithout, { http: 1, metered: cap.apps });
    assert.equal(relisted.counters[ASSIGNMENTS]!.requests, cap.assignments);
    assert.equal(relisted.counters[OWNERS]!.requests, cap.apps);
    assert.deepEqual(relisted.records, (await sync('fresh-2', 'auto')).records);
  });
});

describe('an expanded owners listing cut short (page without its nextLink)', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    // The small tenant's service principals take two expanded pages.
    sim = await startSimulator({ preset: 'small', seed: 3, host: '127.0.0.1', throttling: false });
    trustSimulatorCa(sim.caCertPem);
    tmp = tempDir();
  });
  after(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('leaves the apps it did not reach to their own listings: the snapshot is whole', async () => {
    const config = loadConfig(simulatorEnv(sim));
    const outFile = join(tmp.dir, 'cut.snap');
    sim.setFaults([
      { path: '^/v1\\.0/servicePrincipals$', query: 'expand=owners', kind: 'drop-next-link', count: 1 },
    ]);
    sim.resetCounters();
    try {
      await runSync({ config, outFile });
    } finally {
      sim.setFaults([]);
    }
    const counters = sim.counters();
    assert.equal(counters['*']!.faults, 1, 'the expanded owners listing lost its nextLink');
    const cap = atCap(sim.tenant);
    // Everything past the first page (100 service principals) was listed on its own.
    assert.ok(counters[OWNERS]!.requests > cap.owners, JSON.stringify(counters[OWNERS]));
    const records = await exportOf(outFile);
    const want = expectedFromStore(sim.tenant, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources);
    assert.deepEqual(idsOf(records, 'grant'), want.grants);
  });
});

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import { runSync } from '../../../src/connector/sync.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';
import type { CollectPhase } from '../../../src/framework/collect.js';
import type { Connector, SyncerContext } from '../../../src/framework/connector.js';
import { runEngine } from '../../../src/framework/engine/run.js';
import { OutputWriter } from '../../../src/snapshot/output-writer.js';
import { exportOf, FIXED_NOW, idsOf, tempDir } from './support/harness.js';
import { useSyncer } from './support/use-syncer.js';

/** Event-loop turns the slow phase waits for the gadgets' output to show before it gives up. */
const PATIENCE = 10_000;

/**
 * Two phases: `gadgets` (whose type may be written early) and `widgets`, which, before it stores
 * anything, waits a bounded number of event-loop turns for the gadgets' resources to appear in the
 * output, and notes whether they did. `failWidgets` makes it fail after that.
 */
function twoPhaseConnector(seen: { gadgets?: boolean }, failWidgets = false): Connector {
  const gadgets: CollectPhase = {
    name: 'gadgets',
    run(ctx) {
      ctx.store.transaction(() => {
        for (const id of ['g1', 'g2', 'g3']) ctx.store.source.put('gadget', id, { id });
        ctx.store.source.link({
          kind: 'gadget',
          ownerId: 'g1',
          rel: 'use',
          targetId: 'w1',
          targetKind: 'widget',
        });
      });
      return Promise.resolve(3);
    },
  };
  const widgets: CollectPhase = {
    name: 'widgets',
    async run(ctx) {
      const written = ctx.store.source.sql.prepare(
        "SELECT count(*) AS n FROM resources WHERE resource_type = 'gadget'",
      );
      seen.gadgets = false;
      for (let turn = 0; turn < PATIENCE && !seen.gadgets; turn++) {
        await new Promise((r) => setImmediate(r));
        seen.gadgets = (written.get() as { n: number }).n === 3;
      }
      if (failWidgets) throw new Error('widget service down');
      ctx.store.transaction(() => {
        for (const id of ['w1', 'w2']) ctx.store.source.put('widget', id, { id });
      });
      return 2;
    },
  };
  const syncer = (type: string, source: SyncerContext['source']) =>
    useSyncer({ id: type, displayName: type, traits: ['app'] }, source);
  return {
    tenantId: 'two',
    planKey: () => ({ two: 1 }),
    collectPlan: () => [gadgets, widgets],
    relisted: { objects: [], links: [] },
    syncers: ({ source }) => [syncer('widget', source), syncer('gadget', source)],
    outputTypes: () => ['widget', 'gadget'],
    // Gadget grants name widgets, but only the principal check (after everything) reads those.
    outputNeeds: (type) => (type === 'gadget' ? ['gadgets'] : undefined),
    requestCount: () => 0,
  };
}

describe('early output: a type is written once the phases it reads are done', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const now = () => FIXED_NOW;

  it('writes gadgets while widgets are still collected, and the same snapshot as writing them after', async () => {
    const seenEarly: { gadgets?: boolean } = {};
    const early = await runEngine({
      connector: twoPhaseConnector(seenEarly),
      outFile: join(tmp.dir, 'early.snap'),
      now,
    });
    assert.equal(seenEarly.gadgets, true, 'the gadgets were in the output before the widgets phase ended');
    const seenLate: { gadgets?: boolean } = {};
    const late = await runEngine({
      connector: twoPhaseConnector(seenLate),
      outFile: join(tmp.dir, 'late.snap'),
      now,
      earlyOutput: false,
    });
    assert.equal(seenLate.gadgets, false);
    const records = await exportOf(early.file);
    assert.deepEqual(records, await exportOf(late.file));
    assert.deepEqual(idsOf(records, 'resource'), [
      'gadget:g1',
      'gadget:g2',
      'gadget:g3',
      'widget:w1',
      'widget:w2',
    ]);
    assert.deepEqual(idsOf(records, 'grant'), ['gadget:g1:use:widget:w1']);
  });

  it('a collection that fails after the early output began fails the sync; its resume writes it all', async () => {
    const outDir = join(tmp.dir, 'out');
    mkdirSync(outDir);
    const stateDir = join(tmp.dir, 'state');
    const outFile = join(outDir, 'w.snap');
    const seen: { gadgets?: boolean } = {};
    await assert.rejects(
      runEngine({ connector: twoPhaseConnector(seen, true), outFile, stateDir, now }),
      /widget service down/,
    );
    assert.equal(seen.gadgets, true);
    assert.equal(OutputWriter.live, 0);
    const again: { gadgets?: boolean } = {};
    const { header } = await runEngine({ connector: twoPhaseConnector(again), outFile, stateDir, now });
    assert.equal(header.counts.resources, 5);
    assert.equal(header.counts.grants, 1);
  });
});

/**
 * The connector's own declaration of what each syncer reads, checked against the simulator: in
 * the small tenant groups, devices and apps finish well before users, so their output is written
 * early (which run.ts logs); whichever way the run went, the snapshot must be the one written after.
 */
describe('a full sync writes the output of types whose collections are done while the rest run', function () {
  const now = () => FIXED_NOW;
  const fx = useSimulator({ preset: 'small', seed: 5, host: '127.0.0.1', now });

  const variants: [string, Record<string, string>][] = [
    ['default options', {}],
    [
      'on-premises groups and unassigned apps skipped, staleness',
      {
        BATON_SKIP_AD_GROUPS: 'true',
        BATON_SKIP_UNASSIGNED_APPS: 'true',
        BATON_SIGN_IN_ACTIVITY: 'true',
        BATON_USER_STALE_DAYS: '30',
        BATON_DEVICE_STALE_DAYS: '30',
      },
    ],
    [
      'on-premises groups skipped but their cloud members kept, a device join type',
      {
        BATON_SKIP_AD_GROUPS: 'true',
        BATON_INCLUDE_ON_PREM_GROUP_MEMBERS: 'true',
        BATON_DEVICE_JOIN_TYPES: 'entra',
      },
    ],
  ];
  for (const [name, env] of variants) {
    it(`${name}: the same snapshot as writing it all after the collection`, async () => {
      const config = loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true', ...env });
      const dir = join(fx.dir, name.replace(/\W+/g, '-'));
      mkdirSync(dir);
      const early = await runSync({ config, outFile: join(dir, 'early.snap'), now });
      const late = await runSync({ config, outFile: join(dir, 'late.snap'), now, earlyOutput: false });
      const [a, b] = [await exportOf(early.file), await exportOf(late.file)];
      const key = (r: unknown) => JSON.stringify(r);
      const inB = new Set(b.map(key));
      const inA = new Set(a.map(key));
      const onlyEarly = a.map(key).filter((k) => !inB.has(k));
      const onlyLate = b.map(key).filter((k) => !inA.has(k));
      assert.deepEqual(
        {
          onlyEarly: onlyEarly.slice(0, 5),
          onlyLate: onlyLate.slice(0, 5),
          n: [onlyEarly.length, onlyLate.length],
        },
        { onlyEarly: [], onlyLate: [], n: [0, 0] },
      );
      assert.equal(a.length, b.length);
      assert.deepEqual(early.header.counts, late.header.counts);
    });
  }
});

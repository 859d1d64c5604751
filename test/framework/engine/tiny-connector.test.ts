import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CollectPhase } from '../../../src/framework/collect.js';
import { capabilitiesOf, type ResourceProvisioner } from '../../../src/framework/capabilities.js';
import { checkCompleteOrFailed, checkSyncers } from '../../../src/framework/conformance.js';
import type { Connector } from '../../../src/framework/connector.js';
import { runEngine } from '../../../src/framework/engine/run.js';
import type { ResourceSyncer } from '../../../src/framework/types.js';
import { openSnapshot } from '../../../src/snapshot/open.js';
import { exportOf, FIXED_NOW, idsOf, tempDir } from './support/harness.js';
import { useSyncer } from './support/use-syncer.js';

const WIDGET = { id: 'widget', displayName: 'Widget', traits: ['app' as const] };

/**
 * A second connector, as small as the seam allows: one phase copies a list of widgets (each naming
 * the widgets that use it) into the source store; one syncer maps them. Nothing Entra.
 */
function tinyConnector(widgets: Record<string, string[]>, fail = false): Connector {
  const phase: CollectPhase = {
    name: 'widgets',
    run(ctx) {
      if (fail) return Promise.reject(new Error('widget service down'));
      ctx.store.transaction(() => {
        ctx.store.source.clearKinds(['widget'], ['widget']);
        for (const [id, users] of Object.entries(widgets)) {
          ctx.store.source.put('widget', id, { id });
          for (const u of users)
            ctx.store.source.link({
              kind: 'widget',
              ownerId: id,
              rel: 'use',
              targetId: u,
              targetKind: 'widget',
            });
        }
        ctx.store.state.set('widgets:seen', String(Object.keys(widgets).length));
      });
      return Promise.resolve(Object.keys(widgets).length);
    },
  };
  return {
    tenantId: 'tiny',
    planKey: () => ({ widgets: 1 }),
    collectPlan: () => [phase],
    relisted: { objects: [], links: [] },
    sourceIndexes: {
      widget_links_by_target: 'CREATE INDEX IF NOT EXISTS widget_links_by_target ON source_links (target_id)',
    },
    syncers: ({ source }) => [widgetSyncer(source)],
    requestCount: () => 0,
  };
}

function widgetSyncer(source: Parameters<Connector['syncers']>[0]['source']): ResourceSyncer {
  return useSyncer(WIDGET, source);
}

describe('the engine runs any connector through the seam', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());
  const now = () => FIXED_NOW;

  it('syncs a tiny connector into a snapshot: resources, entitlements, grants; a dangling grant dropped', async () => {
    const out = join(tmp.dir, 'w.snap');
    const { header } = await runEngine({
      connector: tinyConnector({ a: ['b', 'c'], b: ['a'], c: ['ghost'] }),
      outFile: out,
      now,
    });
    assert.equal(header.tenantId, 'tiny');
    assert.deepEqual(header.counts.resourcesByType, { widget: 3 });
    const records = await exportOf(out);
    assert.deepEqual(idsOf(records, 'grant'), [
      'widget:a:use:widget:b',
      'widget:a:use:widget:c',
      'widget:b:use:widget:a',
    ]);
    assert.equal(idsOf(records, 'entitlement').length, 3);
  });

  it('carries the connector state into an incremental, and fails whole when a phase fails', async () => {
    const first = join(tmp.dir, 'w1.snap');
    await runEngine({ connector: tinyConnector({ a: [] }), outFile: first, now });
    const second = join(tmp.dir, 'w2.snap');
    const { header } = await runEngine({
      connector: tinyConnector({ a: [], b: ['a'] }),
      outFile: second,
      incrementalFrom: first,
      now,
    });
    assert.equal(header.kind, 'incremental');
    assert.equal(header.counts.grants, 1);
    // The working state of the failed sync is kept for a resume, away from the output directory.
    const outDir = join(tmp.dir, 'out');
    mkdirSync(outDir);
    const third = join(outDir, 'w3.snap');
    const stateDir = join(tmp.dir, 'state');
    const err = await checkCompleteOrFailed(third, () =>
      runEngine({ connector: tinyConnector({}, true), outFile: third, stateDir, now }),
    );
    assert.match(String(err), /widget service down/);
  });

  it('keeps the framework contracts: paging and ids, checked over its snapshot', async () => {
    const out = join(tmp.dir, 'w.snap');
    // Five widgets: the syncer's pages of two end on a short page.
    const widgets = { a: ['b', 'c'], b: ['a'], c: [], d: ['a', 'e'], e: [] };
    await runEngine({ connector: tinyConnector(widgets), outFile: out, now });
    const snap = await openSnapshot(out);
    try {
      const counts = await checkSyncers([widgetSyncer(snap.db.source)]);
      assert.deepEqual(counts.get('widget'), { resources: 5, entitlements: 5, grants: 5 });
    } finally {
      await snap.close();
    }
  });

  it('refuses a connector writing the engine’s own keys', async () => {
    const c = tinyConnector({});
    const bad: Connector = {
      ...c,
      collectPlan: () => [
        { name: 'bad', run: (ctx) => (ctx.store.state.set('work:syncId', 'x'), Promise.resolve(0)) },
      ],
    };
    await assert.rejects(
      runEngine({ connector: bad, outFile: join(tmp.dir, 'x.snap'), now }),
      /reserved for the sync engine/,
    );
  });

  it('capabilities follow what is implemented, not flags', () => {
    const syncer = widgetSyncer({} as never);
    assert.deepEqual(capabilitiesOf([syncer]), ['sync']);
    const provisioner: ResourceProvisioner = {
      resourceType: WIDGET,
      grant: () => Promise.resolve({ outcome: 'planned', requests: [] }),
      revoke: () => Promise.resolve({ outcome: 'planned', requests: [] }),
    };
    assert.deepEqual(capabilitiesOf([syncer, provisioner]), ['sync', 'provision']);
  });
});

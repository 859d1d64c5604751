import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ConnectorBugError } from '../../../src/framework/errors.js';
import type { ResourceSyncer } from '../../../src/framework/types.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { SnapshotDb } from '../../../src/snapshot/database.js';
import { DropCounter, emitAll } from '../../../src/framework/engine/emit.js';
import { OutputWriter } from '../../../src/snapshot/output-writer.js';
import { SyncOptionError } from '../../../src/framework/engine/errors.js';
import { runSync } from '../../../src/connector/sync.js';
import { FakeGraph } from './support/fake-graph.js';
import { demoTenant } from './support/fake-tenant.js';
import { tempDir, testConfig } from './support/harness.js';

function syncer(overrides: Partial<ResourceSyncer>): ResourceSyncer {
  return {
    resourceType: { id: 'thing', displayName: 'Thing', traits: [] },
    list: async () => ({
      items: [{ id: { resourceType: 'thing', resource: 't1' }, displayName: 'T', profile: {} }],
    }),
    entitlements: (r) => [
      {
        id: `thing:${r.id.resource}:use`,
        resource: r.id,
        slug: 'use',
        purpose: 'assignment',
        grantableTo: ['thing'],
        displayName: 'use',
      },
    ],
    grants: async () => ({ items: [] }),
    ...overrides,
  };
}

describe('engine invariants', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('a syncer that repeats a page token fails the sync instead of looping or stopping early', async () => {
    const db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
    const looping = syncer({ list: async () => ({ items: [], nextPageToken: 'same' }) });
    await assert.rejects(emitAll(db, [looping], new DropCounter(), silentLogger), ConnectorBugError);
    const loopingGrants = syncer({ grants: async () => ({ items: [], nextPageToken: 'again' }) });
    await assert.rejects(
      emitAll(db, [loopingGrants], new DropCounter(), silentLogger),
      /grants: page token repeated/,
    );
    db.close();
  });

  it('a syncer that fails while grants are written fails the sync with its error and leaves no writer thread', async () => {
    const db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
    let pages = 0;
    const failing = syncer({
      grants: async (r, token) => {
        if (++pages === 3) throw new Error('listing broke');
        return {
          items: [
            {
              id: `thing:t1:use:thing:p${pages}`,
              entitlement: 'thing:t1:use',
              principal: { type: 'thing', id: `p${pages}` },
            },
          ],
          nextPageToken: `${r.id.resource}:${token ?? ''}x`,
        };
      },
    });
    await assert.rejects(emitAll(db, [failing], new DropCounter(), silentLogger), /listing broke/);
    assert.equal(OutputWriter.live, 0);
    db.close();
  });

  it('grants naming an entitlement not offered, or a principal not in the snapshot, are left out and counted', async () => {
    const db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
    const drops = new DropCounter();
    const s = syncer({
      grants: async () => ({
        items: [
          {
            id: 'thing:t1:use:thing:t1',
            entitlement: 'thing:t1:use',
            principal: { type: 'thing', id: 't1' },
          },
          {
            id: 'thing:t1:use:thing:ghost',
            entitlement: 'thing:t1:use',
            principal: { type: 'thing', id: 'ghost' },
          },
          {
            id: 'thing:t1:other:thing:t1',
            entitlement: 'thing:t1:other',
            principal: { type: 'thing', id: 't1' },
          },
        ],
      }),
    });
    await emitAll(db, [s], drops, silentLogger);
    assert.deepEqual(
      [...db.grants()].map((g) => g.id),
      ['thing:t1:use:thing:t1'],
    );
    assert.deepEqual(drops.toJSON(), {
      'grant of an entitlement not offered (thing)': 1,
      'grant to a principal not in the snapshot (thing)': 1,
    });
    db.close();
  });

  it('grants to principals not in the snapshot are dropped on both sides of the split check', async () => {
    const db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
    const drops = new DropCounter();
    const ids = ['t1', 't2', 't3', 't4'];
    const s = syncer({
      list: async () => ({
        items: ids.map((id) => ({
          id: { resourceType: 'thing', resource: id },
          displayName: id,
          profile: {},
        })),
      }),
      // Each resource granted to t1 and to a ghost of its own: the check is cut into ranges by
      // entitlement, shared out between two connections, so ghosts fall into several.
      grants: async (r) => ({
        items: ['t1', `ghost-${r.id.resource}`].map((p) => ({
          id: `thing:${r.id.resource}:use:thing:${p}`,
          entitlement: `thing:${r.id.resource}:use`,
          principal: { type: 'thing', id: p },
        })),
      }),
    });
    await emitAll(db, [s], drops, silentLogger);
    assert.deepEqual(
      [...db.grants()].map((g) => g.principal.id),
      ['t1', 't1', 't1', 't1'],
    );
    assert.deepEqual(drops.toJSON(), { 'grant to a principal not in the snapshot (thing)': 4 });
    db.close();
  });

  it('a type none of whose resources offers an entitlement is not read back for grants', async () => {
    const db = new SnapshotDb(join(tmp.dir, 'w.db'), { working: true });
    let asked = 0;
    const bare = syncer({
      entitlements: () => [],
      grants: async () => {
        asked++;
        return { items: [] };
      },
    });
    await emitAll(db, [bare], new DropCounter(), silentLogger);
    assert.equal(asked, 0);
    assert.deepEqual(
      [...db.resources()].map((r) => r.id.resource),
      ['t1'],
    );
    await emitAll(
      db,
      [syncer({ grants: async () => (asked++, { items: [] }) })],
      new DropCounter(),
      silentLogger,
    );
    assert.equal(asked, 1, 'a type with entitlements is');
    db.close();
  });

  it('an output directory that does not exist is reported before any Graph request', async () => {
    const graph = new FakeGraph(demoTenant());
    await assert.rejects(
      runSync({ config: testConfig(), outFile: join(tmp.dir, 'missing', 'a.snap'), graph }),
      (e: Error) => e instanceof SyncOptionError && e.option === 'outFile' && /missing/.test(e.message),
    );
    assert.equal(graph.stats.requests, 0);
  });

  it('an unreadable previous snapshot gives a full sync, not a wedged one', async () => {
    const out = join(tmp.dir, 'a.snap');
    const { header } = await runSync({
      config: testConfig(),
      outFile: out,
      incrementalFrom: join(tmp.dir, 'gone.snap'),
      graph: new FakeGraph(demoTenant()),
    });
    assert.equal(header.kind, 'full');
  });
});

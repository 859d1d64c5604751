import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { RESOURCE_TYPE_IDS } from '../../src/config/types.js';
import { entraConnector } from '../../src/connector/connector.js';
import { runSync } from '../../src/connector/sync.js';
import { checkCompleteOrFailed, checkSyncers } from '../../src/framework/conformance.js';
import { createGraphClient } from '../../src/graph/client.js';
import { silentLogger } from '../../src/observability/logger.js';
import { openSnapshot } from '../../src/snapshot/open.js';
import { simulatorEnv, useSimulator } from '../support/simulator-env.js';

describe('the Entra connector keeps the framework contracts (demo tenant)', function () {
  const fx = useSimulator({ preset: 'demo', seed: 7, host: '127.0.0.1' });
  const config = () => loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true' });

  it('every syncer pages, and every id it emits is well-formed, over a synced snapshot', async () => {
    const out = join(fx.dir, 'full.snap');
    await runSync({ config: config(), outFile: out });
    const snap = await openSnapshot(out);
    const graph = createGraphClient(config());
    try {
      const syncers = entraConnector(config(), graph).syncers({
        source: snap.db.source,
        logger: silentLogger,
        now: Date.now,
        drop: () => undefined,
      });
      assert.deepEqual(
        syncers.map((s) => s.resourceType.id),
        RESOURCE_TYPE_IDS,
        'every resource type is checked',
      );
      const counts = await checkSyncers(syncers, { maxPages: 1_000 });
      for (const [type, c] of counts) assert.ok(c.resources > 0, `the demo tenant has ${type} resources`);
      for (const type of ['group', 'role', 'enterprise_application', 'license'])
        assert.ok(counts.get(type)!.grants > 0, `the demo tenant has ${type} grants`);
    } finally {
      await graph.close();
      await snap.close();
    }
  });

  it('a sync whose collection fails writes no snapshot and no partial file, and keeps the previous one', async () => {
    const outDir = join(fx.dir, 'out');
    const stateDir = join(fx.dir, 'state');
    await mkdir(outDir);
    const out = join(outDir, 'entra.snap');
    for (const previous of [undefined, 'an earlier snapshot']) {
      if (previous) await writeFile(out, previous);
      // One attempt per request: the injected failure is final, not retried.
      const graph = createGraphClient(config(), { maxAttempts: 1 });
      fx.sim.setFaults([{ path: '^/v1\\.0/groups/delta', kind: 'status503', count: 1 }]);
      try {
        const err = await checkCompleteOrFailed(out, () =>
          runSync({ config: config(), graph, outFile: out, stateDir }),
        );
        assert.match(String(err), /groups\/delta: serviceNotAvailable/);
      } finally {
        fx.sim.setFaults([]);
        await graph.close();
      }
    }
  });
});

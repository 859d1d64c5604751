import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { ConnectorConfig } from '../../../src/config/types.js';
import { runSync } from '../../../src/connector/sync.js';
import { createGraphClient } from '../../../src/graph/client.js';
import type { ExportRecord } from '../../../src/snapshot/export.js';
import type { FaultRule } from '../../../src/simulator/api.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';
import { exportOf } from './support/harness.js';

/**
 * One transient fault, injected once, is met within the run: the sync succeeds and its snapshot
 * holds what a fault-free sync of the same tenant holds.
 */
describe('single transient faults are retried within the sync', function () {
  this.timeout(120_000);
  let config: ConnectorConfig;
  let reference: ExportRecord[];
  let n = 0;

  /** A full sync with its own client (a fresh token each time); backoff waits are skipped. */
  async function sync(): Promise<ExportRecord[]> {
    const out = join(fx.dir, `s${n++}.snap`);
    const graph = createGraphClient(config, { sleep: async () => {} });
    try {
      await runSync({ config, outFile: out, graph });
    } finally {
      await graph.close();
    }
    return exportOf(out);
  }

  const fx = useSimulator({ preset: 'demo', seed: 5, host: '127.0.0.1' });
  before(async () => {
    config = loadConfig({ ...simulatorEnv(fx.sim), BATON_SYNC_DEVICES: 'true' });
    reference = await sync();
  });
  afterEach(() => fx.sim.setFaults([]));

  const cases: [string, FaultRule][] = [
    [
      '410 Gone on the first request of a fresh delta round (no token yet): the round restarts',
      { path: '^/v1\\.0/users/delta$', kind: 'gone410', count: 1 },
    ],
    [
      '410 Gone in the fresh groups delta round of a full sync',
      { path: '^/v1\\.0/groups/delta$', kind: 'gone410', count: 1 },
    ],
    [
      'a listing page whose body is cut off mid-stream',
      { path: '^/v1\\.0/servicePrincipals$', kind: 'truncated', count: 1 },
    ],
    [
      'a delta page whose body is cut off mid-stream',
      { path: '^/v1\\.0/groups/delta$', kind: 'truncated', count: 1 },
    ],
    [
      'a $batch of reads whose body is cut off mid-stream',
      { path: '^/v1\\.0/\\$batch$', kind: 'truncated', count: 1 },
    ],
    [
      'a page whose body arrives whole but unparsable',
      { path: '^/v1\\.0/users/delta$', kind: 'malformed', count: 1 },
    ],
    ['a malformed token-endpoint response', { path: '/oauth2/v2\\.0/token$', kind: 'malformed', count: 1 }],
    [
      'a token-endpoint response cut off mid-stream',
      { path: '/oauth2/v2\\.0/token$', kind: 'truncated', count: 1 },
    ],
  ];
  for (const [name, rule] of cases) {
    it(name, async () => {
      fx.sim.setFaults([rule]);
      fx.sim.resetCounters();
      const records = await sync();
      assert.equal(fx.sim.counters()['*']!.faults, 1, 'the fault was injected once');
      assert.deepEqual(records, reference);
    });
  }
});

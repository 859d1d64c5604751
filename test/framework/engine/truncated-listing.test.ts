import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load.js';
import type { ConnectorConfig } from '../../../src/config/types.js';
import { checkCompleteOrFailed } from '../../../src/framework/conformance.js';
import { runSync } from '../../../src/connector/sync.js';
import { IncompleteListingError } from '../../../src/connector/shared/paged.js';
import { simulatorEnv, useSimulator } from '../../support/simulator-env.js';
import { exportOf, idsOf } from './support/harness.js';
import { expectedFromStore } from './support/tenant-expected.js';

const SP_LIST = '^/v1\\.0/servicePrincipals$';

describe('a listing page that comes back without its nextLink', function () {
  this.timeout(120_000);
  let config: ConnectorConfig;
  // The small tenant has more service principals than one page of the expanded listing holds.
  const fx = useSimulator({ preset: 'small', seed: 3, host: '127.0.0.1' });
  before(async () => {
    config = loadConfig(simulatorEnv(fx.sim));
  });

  it('fails the sync naming /servicePrincipals and both counts, writes no snapshot; the re-run resumes whole', async () => {
    const out = join(fx.dir, 'out', 'tenant.snap');
    const stateDir = join(fx.dir, 'state');
    mkdirSync(join(fx.dir, 'out'));
    fx.sim.setFaults([{ path: SP_LIST, kind: 'drop-next-link', count: 1 }]);
    fx.sim.resetCounters();
    const err = await checkCompleteOrFailed(out, () => runSync({ config, outFile: out, stateDir }));
    assert.equal(fx.sim.counters()['*']!.faults, 1, 'the first page lost its nextLink');
    const total = fx.sim.tenant.servicePrincipals.size;
    assert.ok(err instanceof IncompleteListingError, String(err));
    assert.equal(err.collection, '/servicePrincipals');
    assert.equal(err.counted, total);
    assert.ok(err.listed < total, `${err.listed} < ${total}`);
    assert.match(err.message, new RegExp(`^/servicePrincipals: .* ${err.listed} .* ${total}`));

    // Nothing of the short listing was kept as done: the next run reads the page again.
    fx.sim.setFaults([]);
    await runSync({ config, outFile: out, stateDir });
    const records = await exportOf(out);
    const want = expectedFromStore(fx.sim.tenant, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources);
    assert.deepEqual(idsOf(records, 'grant'), want.grants);
  });
});

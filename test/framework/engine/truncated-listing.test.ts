import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { loadConfig } from '../../../src/config/load.js';
import type { ConnectorConfig } from '../../../src/config/types.js';
import { checkCompleteOrFailed } from '../../../src/framework/conformance.js';
import { runSync } from '../../../src/connector/sync.js';
import { IncompleteListingError } from '../../../src/connector/shared/paged.js';
import { startSimulator, type Simulator } from '../../../src/simulator/index.js';
import { simulatorEnv } from '../../support/simulator-env.js';
import { exportOf, idsOf, tempDir } from './support/harness.js';
import { expectedFromStore } from './support/tenant-expected.js';

const SP_LIST = '^/v1\\.0/servicePrincipals$';

describe('a listing page that comes back without its nextLink', function () {
  this.timeout(120_000);
  let sim: Simulator;
  let config: ConnectorConfig;
  let tmp: ReturnType<typeof tempDir>;
  before(async () => {
    // The small tenant has more service principals than one page of the expanded listing holds.
    sim = await startSimulator({ preset: 'small', seed: 3, host: '127.0.0.1' });
    tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
    config = loadConfig(simulatorEnv(sim));
    tmp = tempDir();
  });
  after(async () => {
    await sim.close();
    tmp.cleanup();
  });

  it('fails the sync naming /servicePrincipals and both counts, writes no snapshot; the re-run resumes whole', async () => {
    const out = join(tmp.dir, 'out', 'tenant.snap');
    const stateDir = join(tmp.dir, 'state');
    mkdirSync(join(tmp.dir, 'out'));
    sim.setFaults([{ path: SP_LIST, kind: 'drop-next-link', count: 1 }]);
    sim.resetCounters();
    const err = await checkCompleteOrFailed(out, () => runSync({ config, outFile: out, stateDir }));
    assert.equal(sim.counters()['*']!.faults, 1, 'the first page lost its nextLink');
    const total = sim.tenant.servicePrincipals.size;
    assert.ok(err instanceof IncompleteListingError, String(err));
    assert.equal(err.collection, '/servicePrincipals');
    assert.equal(err.counted, total);
    assert.ok(err.listed < total, `${err.listed} < ${total}`);
    assert.match(err.message, new RegExp(`^/servicePrincipals: .* ${err.listed} .* ${total}`));

    // Nothing of the short listing was kept as done: the next run reads the page again.
    sim.setFaults([]);
    await runSync({ config, outFile: out, stateDir });
    const records = await exportOf(out);
    const want = expectedFromStore(sim.tenant, config);
    assert.deepEqual(idsOf(records, 'resource'), want.resources);
    assert.deepEqual(idsOf(records, 'grant'), want.grants);
  });
});

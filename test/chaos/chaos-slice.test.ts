import assert from 'node:assert/strict';
import { runChaos } from './runner.js';
import { planRun } from './schedule.js';

/**
 * A slice of `npm run chaos` in the normal suite: one run of each scenario (a full and an
 * incremental sync under Graph faults, a SIGKILL chain, provisioning with lost answers, the daemon
 * against a control plane that loses acknowledgements, is killed before one and goes down).
 */
describe('chaos slice', function () {
  this.timeout(600_000);
  const SEEDS = [1, 2, 3, 5, 39];

  it('the seeds cover every scenario', () => {
    assert.deepEqual(SEEDS.map((s) => planRun(s).scenario).sort(), [
      'full',
      'incremental',
      'kill',
      'provision',
      'upload',
    ]);
  });

  it('runs them with faults injected, records compared and no violation', async () => {
    const tally = await runChaos({ seed: 0, runs: SEEDS.length, seeds: SEEDS });
    const violations = tally.failures.flatMap((f) =>
      f.violations.map((v) => `seed ${f.seed} (${f.scenario}) [${v.oracle}] ${v.detail}`),
    );
    assert.deepEqual(violations, []);
    assert.equal(tally.runs, SEEDS.length);
    assert.ok(tally.faults >= 30, `only ${tally.faults} faults injected`);
    assert.ok(tally.records > 2000, `only ${tally.records} records compared`);
  });
});

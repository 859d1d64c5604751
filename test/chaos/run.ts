/**
 * `npm run chaos [-- --seed N --runs M]`: seeded chaos runs against the simulator and the reference
 * control plane, with oracles; prints the figures and exits non-zero on any violation.
 */
import { runChaos } from './runner.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < (name === 'runs' ? 1 : 0)) {
    process.stderr.write(
      `--${name}: expected a ${name === 'runs' ? 'positive' : 'non-negative'} integer, got '${process.argv[i + 1] ?? ''}'\n`,
    );
    process.exit(2);
  }
  return v;
}

const seed = arg('seed', 1);
const runs = arg('runs', 320);
const t0 = Date.now();
const tally = await runChaos({
  seed,
  runs,
  onRun: (plan, result, t) => {
    const mark = result.violations.length ? `VIOLATION ×${result.violations.length}` : 'ok';
    process.stdout.write(
      `run ${t.runs}/${runs} seed ${plan.seed} ${plan.scenario}: ${result.faults} faults, ${result.records} records, ${result.ms} ms${result.resumed ? `, resumed after: ${result.failure?.slice(0, 90)}` : ''} — ${mark}\n`,
    );
  },
});
const secs = Math.round((Date.now() - t0) / 1000);
process.stdout.write(`\nchaos: seeds ${seed}..${seed + runs - 1}, ${secs} s\n`);
process.stdout.write(`  faults injected   ${tally.faults}\n`);
process.stdout.write(
  `  runs              ${tally.runs} (${Object.entries(tally.byScenario)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ')}; ${tally.resumed} finished by a fault-free resume)\n`,
);
process.stdout.write(`  records compared  ${tally.records}\n`);
if (tally.failedBecause.size) {
  process.stdout.write(`  faulted syncs and tasks that failed (then finished fault-free), by cause:\n`);
  for (const [why, n] of [...tally.failedBecause].sort((a, b) => b[1] - a[1]))
    process.stdout.write(`    ${String(n).padStart(4)}  ${why.slice(0, 140)}\n`);
}
const count = tally.failures.reduce((n, f) => n + f.violations.length, 0);
process.stdout.write(`  violations        ${count}\n`);
for (const f of tally.failures) {
  process.stdout.write(
    `\n  seed ${f.seed} (${f.scenario}; faults ${f.kinds}) — replay: npm run chaos -- --seed ${f.seed} --runs 1\n`,
  );
  for (const v of f.violations) process.stdout.write(`    [${v.oracle}] ${v.detail.slice(0, 600)}\n`);
}
process.exitCode = count ? 1 : 0;

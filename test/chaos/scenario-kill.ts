/**
 * SIGKILL at checkpoint writes: a chain of sync processes over one output file, each killed a few
 * checkpoint writes after it starts (before or after the write commits), each resuming where the
 * last one died, until one finishes. Oracles: after every kill the final path holds no partial
 * file; the finished export equals the fault-free sync's (interrupted + resumed == uninterrupted).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../../src/simulator/faults.js';
import type { Simulator } from '../../src/simulator/index.js';
import { exportOf } from '../framework/engine/support/harness.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { compareExports, filesUnder, secretLeaks, wholeOrAbsent, type Violation } from './oracles.js';
import type { RunResult } from './run-result.js';
import type { RunPlan } from './schedule.js';

const CHILD = fileURLToPath(new URL('./sync-child.ts', import.meta.url));
/** A chain that has not finished after this many processes is a liveness failure. */
const MAX_LINKS = 60;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

async function child(
  sim: Simulator,
  now: number,
  outFile: string,
  killAt: number,
  when: 'before' | 'after',
): Promise<Exit> {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, outFile, String(killAt), when], {
    env: {
      PATH: process.env.PATH ?? '',
      ...simulatorEnv(sim),
      NODE_EXTRA_CA_CERTS: sim.caCertPath,
      BATON_LOG_LEVEL: 'debug',
      CHAOS_NOW: String(now),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
  const [code, signal] = (await once(proc, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, output };
}

export async function runKillScenario(
  plan: RunPlan,
  sim: Simulator,
  dir: string,
  now: number,
  baseline: (sim: Simulator) => Promise<string>,
): Promise<RunResult> {
  const expectedFile = await baseline(sim);
  const rnd = seededRandom(plan.seed);
  const out = join(dir, 'killed.snapshot');
  const violations: Violation[] = [];
  const outputs: { name: string; text: string }[] = [];
  const before = sim.counters()['*']?.faults ?? 0;
  sim.setFaults(plan.rules);
  let kills = 0;
  let finished = false;
  let failure: string | undefined;
  // The first link dies at the planned write; later ones a few writes into their own run.
  let killAt = plan.killAt?.write ?? 1;
  let when: 'before' | 'after' = plan.killAt?.beforeCommit ? 'before' : 'after';
  for (let link = 0; link < MAX_LINKS && !finished; link++) {
    const exit = await child(sim, now, out, killAt, when);
    outputs.push({ name: `sync process ${link + 1}`, text: exit.output });
    if (exit.signal === 'SIGKILL') {
      kills++;
      violations.push(...(await wholeOrAbsent(out)));
    } else if (exit.code === 0) finished = true;
    // A sync the faults made fail (not killed): the next process resumes it.
    else failure = whyFailed(exit);
    killAt = 1 + Math.floor(rnd() * 10);
    when = rnd() < 0.5 ? 'before' : 'after';
  }
  sim.setFaults([]);
  const faults = (sim.counters()['*']?.faults ?? 0) - before + kills;
  if (!finished) {
    violations.push({
      oracle: 'export',
      detail: `no sync process finished in ${MAX_LINKS} (${kills} killed)`,
    });
    return { faults, records: 0, violations };
  }
  const expected = await exportOf(expectedFile);
  const actual = await exportOf(out);
  violations.push(...compareExports(expected, actual));
  violations.push(
    ...secretLeaks(
      [sim.clientSecret],
      [...outputs, { name: 'export', text: JSON.stringify(actual) }, ...(await filesUnder(dir))],
    ),
  );
  return { faults, records: expected.length, violations, ...(failure ? { failure } : {}) };
}

/** The error a sync process died of: its last `Error:` line (Node prints its version after it). */
function whyFailed(exit: Exit): string {
  const lines = exit.output.split('\n');
  return lines.findLast((l) => /Error\b/.test(l))?.trim() ?? `exit ${exit.code}`;
}

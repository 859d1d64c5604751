/**
 * Runs chaos runs one after another and keeps the tally. Each run gets its own simulator (a
 * fresh copy of its seed's tenant, faults drawn from the run's seed) and its own directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Simulator } from '../../src/simulator/index.js';
import { runSync } from '../../src/connector/sync.js';
import { loadConfig } from '../../src/config/load.js';
import { simulatorEnv } from '../support/simulator-env.js';
import type { Violation } from './oracles.js';
import { kindsOf, type RunResult } from './run-result.js';
import { planRun, type RunPlan, type Scenario } from './schedule.js';
import { runKillScenario } from './scenario-kill.js';
import { runProvisionScenario } from './scenario-provision.js';
import { runSyncScenario } from './scenario-sync.js';
import { runUploadScenario } from './scenario-upload.js';
import { startChaosSimulator } from './tenant.js';

export interface Tally {
  runs: number;
  faults: number;
  records: number;
  resumed: number;
  /** Why faulted syncs and tasks failed (ids and request ids taken out), and how often. */
  failedBecause: Map<string, number>;
  byScenario: Partial<Record<Scenario, number>>;
  failures: { seed: number; scenario: Scenario; kinds: string; violations: Violation[] }[];
}

export interface RunnerOptions {
  seed: number;
  runs: number;
  /** Called after each run (progress). */
  onRun?: (plan: RunPlan, result: RunResult, tally: Tally) => void;
  /** These seeds instead of `seed`, `seed + 1` … (the slice test picks a few). */
  seeds?: readonly number[];
}

/**
 * The simulator clock of every run, and the sync engine's: one instant (this process's start), so
 * that expiry flags, tokens and delta links read the same in the baseline and in every run.
 */
const NOW = Date.now();

export async function runChaos(o: RunnerOptions): Promise<Tally> {
  const tally: Tally = {
    runs: 0,
    faults: 0,
    records: 0,
    resumed: 0,
    failedBecause: new Map(),
    byScenario: {},
    failures: [],
  };
  const root = await mkdtemp(join(tmpdir(), 'baton-chaos-'));
  // Fault-free full syncs, one per tenant seed (every run's simulator serves the same tenant).
  const baselines = new Map<number, string>();
  try {
    const seeds = o.seeds ?? Array.from({ length: o.runs }, (_, i) => o.seed + i);
    for (const seed of seeds) {
      const plan = planRun(seed);
      const started = Date.now();
      const dir = await mkdtemp(join(root, `run-${seed}-`));
      const sim = await startChaosSimulator(plan.tenantSeed, seed, NOW, join(root, 'simulator'));
      let result: RunResult;
      try {
        const baseline = async (s: Simulator): Promise<string> => {
          let file = baselines.get(plan.tenantSeed);
          if (!file) {
            file = join(root, `baseline-${plan.tenantSeed}.snapshot`);
            await runSync({ config: loadConfig(simulatorEnv(s)), outFile: file, now: () => NOW });
            baselines.set(plan.tenantSeed, file);
          }
          return file;
        };
        result = await runScenario(plan, sim, dir, baseline);
      } catch (err) {
        // The harness itself failed (not an oracle): reported as such, with the seed.
        result = {
          faults: 0,
          records: 0,
          violations: [{ oracle: 'export', detail: `run aborted: ${(err as Error).stack ?? String(err)}` }],
        };
      } finally {
        await sim.close();
        await rm(dir, { recursive: true, force: true });
      }
      result.ms = Date.now() - started;
      tally.runs++;
      tally.faults += result.faults;
      tally.records += result.records;
      if (result.resumed) tally.resumed++;
      if (result.failure) {
        const why = reason(result.failure);
        tally.failedBecause.set(why, (tally.failedBecause.get(why) ?? 0) + 1);
      }
      tally.byScenario[plan.scenario] = (tally.byScenario[plan.scenario] ?? 0) + 1;
      if (result.violations.length)
        tally.failures.push({
          seed,
          scenario: plan.scenario,
          kinds: kindsOf(plan.rules),
          violations: result.violations,
        });
      o.onRun?.(plan, result, tally);
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return tally;
}

async function runScenario(
  plan: RunPlan,
  sim: Simulator,
  dir: string,
  baseline: (sim: Simulator) => Promise<string>,
): Promise<RunResult> {
  switch (plan.scenario) {
    case 'full':
    case 'incremental':
      return runSyncScenario(plan, sim, dir, NOW, baseline);
    case 'kill':
      return runKillScenario(plan, sim, dir, NOW, baseline);
    case 'provision':
      return runProvisionScenario(plan, sim, dir);
    case 'upload':
      return runUploadScenario(plan, sim, dir);
  }
}

/** A failure message without what differs between occurrences (ids, request ids, counts). */
function reason(message: string): string {
  return message
    .replace(/\(request-id [^)]*\)/g, '')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '{id}')
    .replace(/\?[^ :]*/g, '')
    .trim();
}

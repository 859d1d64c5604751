/**
 * Full and incremental syncs in this process against a simulator serving faults. Oracle: the
 * export equals a fault-free sync's; a sync the faults made fail left no partial file and, resumed
 * without faults, still ends equal to it. Backoff sleeps are skipped (the waits are not under test;
 * that the client retries is).
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import { createGraphClient } from '../../src/graph/client.js';
import type { Simulator } from '../../src/simulator/index.js';
import { exportOf } from '../framework/engine/support/harness.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { collectingLogger } from './log-sink.js';
import { compareExports, filesUnder, secretLeaks, wholeOrAbsent, type Violation } from './oracles.js';
import type { RunResult } from './run-result.js';
import type { RunPlan } from './schedule.js';

const noSleep = async (): Promise<void> => undefined;

interface SyncTry {
  ok: boolean;
  logs: string;
  error?: string;
}

async function trySync(sim: Simulator, outFile: string, now: number, from?: string): Promise<SyncTry> {
  const config = loadConfig(simulatorEnv(sim));
  const { logger, text } = collectingLogger();
  const graph = createGraphClient(config, { sleep: noSleep, logger, now: () => now });
  try {
    await runSync({
      config,
      graph,
      outFile,
      logger,
      now: () => now,
      ...(from ? { incrementalFrom: from } : {}),
    });
    return { ok: true, logs: text() };
  } catch (err) {
    return { ok: false, logs: text(), error: err instanceof Error ? err.message : String(err) };
  } finally {
    await graph.close();
  }
}

/** Seeded changes between the two syncs of an incremental run, through the simulator's control API. */
async function mutate(sim: Simulator, seed: number): Promise<void> {
  const users = [...sim.tenant.users.keys()].sort();
  const groups = [...sim.tenant.groups.keys()].sort();
  const at = (xs: string[], i: number) => xs[(seed * 7919 + i * 104729) % xs.length]!;
  const ops: Record<string, unknown>[] = [
    { op: 'addMember', groupId: at(groups, 1), memberId: at(users, 2) },
    {
      op: 'removeMember',
      groupId: at(groups, 3),
      memberId: sim.tenant.membersOf?.(at(groups, 3))?.[0] ?? at(users, 4),
    },
    { op: 'updateUser', id: at(users, 5), patch: { displayName: `Chaos ${seed}`, jobTitle: 'Renamed' } },
    { op: 'deleteUser', id: at(users, 6) },
    { op: 'setManager', userId: at(users, 7), managerId: at(users, 8) },
    { op: 'updateGroup', id: at(groups, 9), patch: { description: `chaos ${seed}` } },
  ];
  for (const body of ops) {
    const res = await fetch(`${sim.url}/_sim/mutate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // A no-op (the member was not there, the user is gone) is fine; a refused op is not expected.
    if (res.status >= 500) throw new Error(`mutate ${String(body.op)}: ${res.status} ${await res.text()}`);
  }
}

export async function runSyncScenario(
  plan: RunPlan,
  sim: Simulator,
  dir: string,
  now: number,
  baseline: (sim: Simulator) => Promise<string>,
): Promise<RunResult> {
  let from: string | undefined;
  let expectedFile: string;
  if (plan.scenario === 'incremental') {
    from = join(dir, 'parent.snapshot');
    const parent = await trySync(sim, from, now);
    if (!parent.ok) throw new Error(`fault-free parent sync failed: ${parent.error}`);
    await mutate(sim, plan.seed);
    expectedFile = join(dir, 'expected.snapshot');
    const exp = await trySync(sim, expectedFile, now, from);
    if (!exp.ok) throw new Error(`fault-free incremental sync failed: ${exp.error}`);
  } else expectedFile = await baseline(sim);

  const out = join(dir, 'faulted.snapshot');
  const before = sim.counters()['*']?.faults ?? 0;
  sim.setFaults(plan.rules);
  const faulted = await trySync(sim, out, now, from);
  sim.setFaults([]);
  const faults = (sim.counters()['*']?.faults ?? 0) - before;
  const violations: Violation[] = [];
  let logs = faulted.logs;
  if (!faulted.ok) {
    violations.push(...(await wholeOrAbsent(out)));
    // Interrupted + resumed must equal uninterrupted.
    const resumed = await trySync(sim, out, now, from);
    logs += resumed.logs;
    if (!resumed.ok)
      violations.push({ oracle: 'export', detail: `the fault-free resume failed: ${resumed.error}` });
  }
  const expected = await exportOf(expectedFile);
  if (violations.length === 0) violations.push(...compareExports(expected, await exportOf(out)));
  const exported = JSON.stringify(await exportOf(out).catch(() => []));
  violations.push(
    ...secretLeaks(
      [sim.clientSecret],
      [{ name: 'sync logs', text: logs }, { name: 'export', text: exported }, ...(await filesUnder(dir))],
    ),
  );
  for (const v of violations) if (!faulted.ok) v.detail += ` (the faulted sync failed: ${faulted.error})`;
  await rm(out, { force: true });
  return {
    faults,
    records: expected.length,
    violations,
    resumed: !faulted.ok,
    ...(faulted.error ? { failure: faulted.error } : {}),
  };
}

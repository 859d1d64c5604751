/**
 * The seeded fault schedule: everything a run does is drawn from its seed, so
 * `npm run chaos -- --seed N --runs 1` replays run N (the same tenant, scenario, fault rules,
 * fault draws and kill points; requests in flight side by side may meet the draws in another order).
 */
import type { FaultKind, FaultRule } from '../../src/simulator/api.js';
import { seededRandom } from '../../src/simulator/faults.js';
import { TENANT_SEEDS } from './tenant.js';

export type Scenario = 'full' | 'incremental' | 'kill' | 'provision' | 'upload';

export interface RunPlan {
  seed: number;
  scenario: Scenario;
  tenantSeed: number;
  /** Graph and token endpoint faults for the sync (or the provisioning writes). */
  rules: FaultRule[];
  /** kill: which checkpoint write the sync dies at (1-based), and whether before it commits. */
  killAt?: { write: number; beforeCommit: boolean };
  /** upload: the control-plane faults. */
  upload?: { lostAcks: number; downMs: number; killBeforeAck: boolean };
}

/**
 * Which scenario each seed runs, in a cycle of 40 weighted by cost: a full sync under faults
 * takes about a second, a SIGKILL chain or a daemon run ten.
 */
const CYCLE = 40;
const PLACES: Partial<Record<Scenario, readonly number[]>> = {
  incremental: [1, 7, 13, 19, 23, 31, 37],
  kill: [3, 29],
  provision: [5, 15, 25, 35],
  upload: [39],
};

export function scenarioOf(seed: number): Scenario {
  const at = seed % CYCLE;
  for (const [scenario, places] of Object.entries(PLACES))
    if (places.includes(at)) return scenario as Scenario;
  return 'full';
}

const GRAPH = '^/(v1\\.0|beta)/';
const DELTA = '^/(v1\\.0|beta)/[A-Za-z]+/delta$';
const TOKEN = '^/[^/]+/oauth2/v2\\.0/token$';

export function planRun(seed: number): RunPlan {
  const rnd = seededRandom(seed * 2654435761);
  const scenario = scenarioOf(seed);
  const tenantSeed = 1 + (seed % TENANT_SEEDS);
  const p = (max: number) => Math.round(rnd() * max * 1000) / 1000;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const rules: FaultRule[] = [];
  const add = (kind: FaultKind, path: string, probability: number, extra: Partial<FaultRule> = {}) =>
    rules.push({ path, kind, probability, ...extra });

  // A storm: for a stretch, one status on most Graph requests; then a steady drizzle of the rest,
  // at most about one attempt in two failing (the client makes 8 attempts a request).
  const storm = pick(['status429', 'status503', 'status504'] as const);
  add(storm, GRAPH, 0.4 + p(0.2), { count: 5 + Math.floor(rnd() * 40), value: 0 });
  const failing = 0.25 + p(0.3);
  const w = [rnd(), rnd(), rnd(), rnd()];
  const share = (i: number) =>
    Math.round(((failing * w[i]!) / (w[0]! + w[1]! + w[2]! + w[3]!)) * 1000) / 1000;
  add('status429', GRAPH, share(0), { value: 0 });
  add('status503', GRAPH, share(1));
  add('status504', GRAPH, share(2));
  add('reset', GRAPH, share(3));
  add('malformed', GRAPH, p(0.01));
  add('truncated', GRAPH, p(0.01));
  add('empty-page', GRAPH, 0.3 + p(0.4), { method: 'GET' });
  add('repeat-items', DELTA, 0.3 + p(0.7), { method: 'GET' });
  add('phantom-items', DELTA, 0.3 + p(0.7), { method: 'GET' });
  // A delta link that has expired (410 Gone) in an incremental round.
  add('gone410', DELTA, p(0.5), { query: '\\$deltatoken=', count: 1 + Math.floor(rnd() * 3) });
  add('status503', TOKEN, p(0.1));
  add('reset', TOKEN, p(0.05));

  const plan: RunPlan = { seed, scenario, tenantSeed, rules };
  if (scenario === 'kill') {
    plan.killAt = { write: 1 + Math.floor(rnd() * 40), beforeCommit: rnd() < 0.5 };
    // Real backoff sleeps in the child: fewer, cheaper faults.
    plan.rules = rules
      .filter((r) => r.kind !== 'status503' && r.kind !== 'status504' && r.kind !== 'truncated')
      .map((r) => ({ ...r, probability: (r.probability ?? 1) / 3 }));
  }
  if (scenario === 'provision') {
    // Every write's answer may be lost after it was applied; reads meet the usual faults.
    plan.rules = [
      {
        path: GRAPH,
        method: 'POST',
        kind: 'lost-response',
        probability: 0.3 + p(0.5),
        respond: pick(['reset', 'status504'] as const),
      },
      { path: GRAPH, method: 'DELETE', kind: 'lost-response', probability: 0.3 + p(0.5) },
      { path: GRAPH, method: 'PATCH', kind: 'lost-response', probability: 0.3 + p(0.5) },
      { path: '^/adminapi/', method: 'POST', kind: 'lost-response', probability: p(0.5) },
      ...rules.filter((r) => r.kind === 'status429' || r.kind === 'status503' || r.kind === 'reset'),
    ];
  }
  if (scenario === 'upload') {
    plan.rules = [];
    plan.upload = {
      lostAcks: 1 + Math.floor(rnd() * 3),
      downMs: 500 + Math.floor(rnd() * 2500),
      killBeforeAck: rnd() < 0.7,
    };
  }
  return plan;
}

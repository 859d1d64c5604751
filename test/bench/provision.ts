/**
 * Bulk provisioning against the simulator with Graph's write quota (3,000 writes per 150 s per app):
 * 2,000 member grants across 10 groups run as tasks, 20 at a time as the daemon's task runner does
 * (BATON_TASK_CONCURRENCY), through the one provisioning service — then the same number of grants
 * one at a time, where nothing can coalesce: one request per grant.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { loadConfig } from '../../src/config/load.js';
import { openProvisioning } from '../../src/connector/provisioning.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startSimulator } from '../../src/simulator/index.js';
import { simulatorEnv } from '../support/simulator-env.js';

const GRANTS = 2_000;
const GROUPS = 10;
const CONCURRENCY = 20;

export interface ProvisionBench {
  grants: number;
  coalescedRequests: number;
  coalescedMs: number;
  singleRequests: number;
  singleMs: number;
  throttled: number;
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function runProvisionBench(): Promise<ProvisionBench> {
  const sim = await startSimulator({
    preset: 'small',
    seed: 7,
    size: { users: 2 * GRANTS + 500, groups: 60 },
    throttling: true,
    host: '127.0.0.1',
  });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
  const t = sim.tenant;
  const writable = [...t.groups.values()].filter(
    (g) =>
      g.securityEnabled &&
      !g.mailEnabled &&
      !g.groupTypes.includes('Unified') &&
      !g.groupTypes.includes('DynamicMembership') &&
      g.onPremisesSyncEnabled !== true,
  );
  if (writable.length < GROUPS * 2) throw new Error(`only ${writable.length} writable security groups`);
  const users = [...t.users.keys()];
  /** `perGroup` users of each group that are not members yet. */
  const plan = (groups: typeof writable): { group: string; user: string }[] =>
    groups.flatMap((g) => {
      const have = new Set(t.membersOf(g.id));
      return users
        .filter((u) => !have.has(u))
        .slice(0, GRANTS / GROUPS)
        .map((u) => ({ group: g.id, user: u }));
    });
  const dir = mkdtempSync(join(tmpdir(), 'bench-prov-'));
  const config = loadConfig({ ...simulatorEnv(sim), BATON_PROVISIONING: 'true', BATON_LOG_LEVEL: 'silent' });
  const p = openProvisioning(config, { dataDir: dir, logger: silentLogger });
  try {
    let id = 0;
    const run = async (items: { group: string; user: string }[], width: number) => {
      const before = p.graph.stats.requests;
      const start = Date.now();
      await pool(items, width, async ({ group, user }) => {
        const r = await p.service.run(`bench-${++id}`, {
          kind: 'grant',
          entitlementId: `group:${group}:member`,
          principal: { type: 'user', id: user },
        });
        if (r.outcome !== 'applied') throw new Error(`grant ${group}/${user}: ${r.outcome}`);
      });
      return { requests: p.graph.stats.requests - before, ms: Date.now() - start };
    };
    const coalesced = await run(plan(writable.slice(0, GROUPS)), CONCURRENCY);
    const single = await run(plan(writable.slice(GROUPS, 2 * GROUPS)), 1);
    return {
      grants: GRANTS,
      coalescedRequests: coalesced.requests,
      coalescedMs: coalesced.ms,
      singleRequests: single.requests,
      singleMs: single.ms,
      throttled: p.graph.stats.throttled,
    };
  } finally {
    await p.close();
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printProvisionBench(b: ProvisionBench): void {
  console.log(
    `bulk provisioning: ${b.grants} member grants across ${GROUPS} groups, ${CONCURRENCY} tasks at a time: ${b.coalescedRequests} Graph requests (${(b.coalescedRequests / b.grants).toFixed(3)} per grant; goal ≤ 0.1), ${b.coalescedMs} ms; one at a time: ${b.singleRequests} requests, ${b.singleMs} ms (coalesced/single = ${(b.coalescedMs / b.singleMs).toFixed(2)} in time, ${(b.coalescedRequests / b.singleRequests).toFixed(3)} in requests); 429s: ${b.throttled}`,
  );
}

if (process.argv[1]?.endsWith('provision.ts')) printProvisionBench(await runProvisionBench());

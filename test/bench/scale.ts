/**
 * Peak RSS of a full sync at 100k and at 1M users, same tenant shape at both sizes (per user: 2
 * direct memberships, one group per 50 users, one device per 25), so the ratio shows how the
 * sync's memory grows with tenant size and nothing else; then, at each size, an incremental with no
 * change and one after 1 % churn, beside the full sync, so one sees their cost follow the change
 * rather than the tenant. Each size gets its own simulator, and each sync runs in a child process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { startSimulator } from '../../src/simulator/index.js';
import type { TenantSize } from '../../src/simulator/tenant/model.js';
import { syncInChild, type ChildOptions } from './child.js';
import { churnTenant, ratios, versus } from './churn.js';

export function scaleShape(users: number): Partial<TenantSize> {
  return {
    users,
    guests: Math.floor(users / 20),
    groups: Math.floor(users / 50),
    memberships: users * 2,
    devices: Math.floor(users / 25),
  };
}

interface Point {
  users: number;
  still: ReturnType<typeof ratios>;
  churned: ReturnType<typeof ratios>;
  grants: number;
  requests: number;
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  generateMs: number;
}

async function measure(users: number, dir: string, o: ChildOptions): Promise<Point> {
  const t0 = Date.now();
  const sim = await startSimulator({
    preset: 'large',
    seed: 1,
    size: scaleShape(users),
    throttling: false,
    host: '127.0.0.1',
  });
  const generateMs = Date.now() - t0;
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
  const file = (name: string) => join(dir, `scale-${users}-${name}.snap`);
  try {
    const r = await syncInChild(sim, file('full'), undefined, o);
    const still = await syncInChild(sim, file('still'), file('full'), o);
    console.log(`${users} users, incremental with no change: ${versus(still, r)}`);
    churnTenant(sim, 0.01);
    const churned = await syncInChild(sim, file('churned'), file('still'), o);
    console.log(`${users} users, incremental after 1 % churn: ${versus(churned, r)}`);
    const p = {
      users,
      still: ratios(still, r),
      churned: ratios(churned, r),
      grants: r.header.counts.grants,
      requests: r.header.graphRequests,
      ms: r.ms,
      cpuMs: r.cpuMs,
      peakRssMb: r.peakRssMb,
      generateMs,
    };
    console.log(
      `${users} users: full sync ${p.ms} ms (${p.cpuMs} ms CPU), ${p.requests} requests, ${p.grants} grants, peak RSS ${p.peakRssMb} MiB (tenant generated in ${generateMs} ms)`,
    );
    return p;
  } finally {
    await sim.close();
    for (const name of ['full', 'still', 'churned']) rmSync(file(name), { force: true });
  }
}

export async function runScale(sizes: number[], o: ChildOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-scale-'));
  try {
    const points: Point[] = [];
    for (const users of sizes) points.push(await measure(users, dir, o));
    const [a, b] = [points[0]!, points.at(-1)!];
    console.log(
      `peak RSS ${a.peakRssMb} MiB at ${a.users} users, ${b.peakRssMb} MiB at ${b.users} users: ratio ${(b.peakRssMb / a.peakRssMb).toFixed(2)}`,
    );
    console.log(JSON.stringify({ scale: points, rssRatio: b.peakRssMb / a.peakRssMb }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

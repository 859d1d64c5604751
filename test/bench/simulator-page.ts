/**
 * Median time for the simulator to serve one 999-user page of the `small` preset (2,000 users),
 * measured over HTTPS on loopback with keep-alive, from request to fully read body.
 *
 *   npx node --import tsx test/bench/simulator-page.ts [iterations] [preset]
 */
import tls from 'node:tls';
import { ClientSecretCredential } from '@azure/identity';
import { startSimulator } from '../../src/simulator/index.js';

const iterations = Number(process.argv[2] ?? 40);
const preset = (process.argv[3] ?? 'small') as 'demo' | 'small' | 'large';
const t0 = performance.now();
const sim = await startSimulator({ preset, seed: 1, throttling: false });
const startMs = performance.now() - t0;
tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
const cred = new ClientSecretCredential(sim.tenantId, sim.clientId, sim.clientSecret, {
  authorityHost: sim.authorityHost,
  disableInstanceDiscovery: true,
});
const { token } = await cred.getToken('https://graph.microsoft.com/.default');

async function page(url: string): Promise<{ ms: number; count: number; next?: string }> {
  const s = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { value: unknown[]; '@odata.nextLink'?: string };
  return {
    ms: performance.now() - s,
    count: body.value.length,
    ...(body['@odata.nextLink'] ? { next: body['@odata.nextLink'] } : {}),
  };
}

const variants: Record<string, string> = {
  'users $top=999 (default projection)': `${sim.url}/v1.0/users?$top=999`,
  'users $top=999 $select=id,displayName,mail,userPrincipalName,accountEnabled': `${sim.url}/v1.0/users?$top=999&$select=id,displayName,mail,userPrincipalName,accountEnabled`,
};
const extra: Record<string, string> = {
  'groups/delta first page with members': `${sim.url}/v1.0/groups/delta?$select=displayName,members`,
};
for (let i = 0; i < 5; i++) await page(Object.values(variants)[0] as string); // warm up
const report: Record<string, unknown> = {
  preset,
  users: sim.tenant.users.size,
  startMs: Math.round(startMs),
  iterations,
};
for (const [name, url] of Object.entries(variants)) {
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const r = await page(url);
    if (r.count !== 999) throw new Error(`expected 999 users, got ${r.count}`);
    times.push(r.ms);
  }
  times.sort((a, b) => a - b);
  report[name] = {
    medianMs: Number((times[Math.floor(times.length / 2)] as number).toFixed(2)),
    p90Ms: Number((times[Math.floor(times.length * 0.9)] as number).toFixed(2)),
  };
}
for (const [name, url] of Object.entries(extra)) {
  const times: number[] = [];
  for (let i = 0; i < Math.min(iterations, 10); i++) times.push((await page(url)).ms);
  times.sort((a, b) => a - b);
  report[name] = { medianMs: Number((times[Math.floor(times.length / 2)] as number).toFixed(2)) };
}
// Throughput with 20 requests in flight (a connector's typical concurrency against one tenant).
{
  const url = `${sim.url}/v1.0/users?$top=100&$select=id,displayName`;
  const total = iterations * 10;
  let next = 0;
  const s = performance.now();
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      while (next++ < total) await page(url);
    }),
  );
  report['users $top=100 with 20 in flight'] = {
    requestsPerSecond: Math.round(total / ((performance.now() - s) / 1000)),
  };
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
await sim.close();

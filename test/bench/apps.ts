/**
 * Requests of a full sync of the `apps` tenant (few, large groups and many applications), where
 * reading service principals' app-role assignments and owners dominates:
 *
 *   (a) a per-object sync, as the peer connector reads: the big collections in pages of 999, then
 *       a listing per group for its members and its owners, per service principal for its
 *       assignments and per synced app for its owners; the small listings (organization, SKUs,
 *       roles, audit) as this sync makes them. Computed from the tenant, no batching.
 *   (b) this connector's full sync without `$expand` (BATON_GRAPH_EXPAND=never), and
 *   (c) with it, as the connector chooses (auto),
 *
 * measured on the simulator, as HTTP requests (a `$batch` envelope is one) and as the requests
 * Graph meters against its throttling limits (each request inside a `$batch` counts), with the
 * ratios b/a and c/a.
 *
 *   npm run bench -- --apps
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import type { SnapshotHeader } from '../../src/framework/engine/api.js';
import type { EndpointCounters } from '../../src/simulator/api.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import type { TenantStore } from '../../src/simulator/tenant/store-api.js';
import { benchEnv } from './child.js';

const LIST_PAGE = 999;
const GRAPH_KEY = /^[A-Z]+ \/(v1\.0|beta)\//;
/** Endpoints a per-object sync reads its own way; the rest it reads as this sync does. */
const PER_OBJECT = /^[A-Z]+ \/(v1\.0|beta)\/(users|groups|servicePrincipals|devices|applications|\$batch)\b/;

export interface Requests {
  http: number;
  metered: number;
}

export interface AppsBench {
  servicePrincipals: number;
  syncedApps: number;
  perObject: Requests;
  withoutExpand: Requests & { ms: number };
  withExpand: Requests & { ms: number };
}

const pages = (n: number) => Math.max(1, Math.ceil(n / LIST_PAGE));

function requests(counters: Record<string, EndpointCounters>, keep: (key: string) => boolean): Requests {
  let http = 0;
  let metered = 0;
  for (const [key, c] of Object.entries(counters)) {
    if (!GRAPH_KEY.test(key) || !keep(key)) continue;
    http += c.requests - c.batched;
    if (!key.endsWith('/$batch')) metered += c.requests;
  }
  return { http, metered };
}

function syncedApps(t: TenantStore): string[] {
  return [...t.servicePrincipals.values()]
    .filter(
      (sp) =>
        sp.servicePrincipalType === 'Application' &&
        (sp.appOwnerOrganizationId === t.organization.id || t.appRoleAssignedTo(sp.id).length > 0),
    )
    .map((sp) => sp.id);
}

/** The per-object reads of users, groups, service principals, devices and applications. */
function perObjectReads(t: TenantStore): number {
  let n = pages(t.users.size) + pages(t.groups.size) + pages(t.servicePrincipals.size);
  n += pages(t.devices.size) + pages(t.applications.size);
  for (const g of t.groups.keys()) n += pages(t.membersOf(g).length) + pages(t.ownersOf(g).length);
  for (const sp of t.servicePrincipals.keys()) n += pages(t.appRoleAssignedTo(sp).length);
  for (const sp of syncedApps(t)) n += pages(t.ownersOf(sp).length);
  return n;
}

async function fullSync(sim: Simulator, dir: string, expand: 'never' | 'auto') {
  const config = loadConfig({ ...benchEnv(sim), BATON_GRAPH_EXPAND: expand });
  sim.resetCounters();
  const started = Date.now();
  const { header } = await runSync({ config, outFile: join(dir, `${expand}.snap`) });
  return { header, ms: Date.now() - started, counters: sim.counters() };
}

const same = (a: SnapshotHeader, b: SnapshotHeader) => JSON.stringify(a.counts) === JSON.stringify(b.counts);

export async function runAppsBench(): Promise<AppsBench> {
  const t0 = Date.now();
  const sim = await startSimulator({ preset: 'apps', seed: 1, throttling: false, host: '127.0.0.1' });
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
  const dir = mkdtempSync(join(tmpdir(), 'bench-apps-'));
  try {
    const t = sim.tenant;
    const apps = syncedApps(t);
    const atCap = (n: number) => n >= 20;
    let memberships = 0;
    for (const g of t.groups.keys()) memberships += t.membersOf(g).length;
    console.log(
      `apps tenant: ${t.users.size} users, ${t.groups.size} groups (${memberships} memberships), ` +
        `${t.servicePrincipals.size} service principals (${apps.length} synced apps; ` +
        `${[...t.servicePrincipals.keys()].filter((id) => atCap(t.appRoleAssignedTo(id).length)).length} with ≥20 assignments, ` +
        `${apps.filter((id) => atCap(t.ownersOf(id).length)).length} with ≥20 owners), generated in ${Date.now() - t0} ms`,
    );
    const without = await fullSync(sim, dir, 'never');
    const withExpand = await fullSync(sim, dir, 'auto');
    if (!same(without.header, withExpand.header))
      throw new Error('the syncs with and without $expand differ in their counts');
    const shared = requests(withExpand.counters, (k) => !PER_OBJECT.test(k));
    const reads = perObjectReads(t);
    const result: AppsBench = {
      servicePrincipals: t.servicePrincipals.size,
      syncedApps: apps.length,
      perObject: { http: shared.http + reads, metered: shared.metered + reads },
      withoutExpand: { ...requests(without.counters, () => true), ms: without.ms },
      withExpand: { ...requests(withExpand.counters, () => true), ms: withExpand.ms },
    };
    printAppsBench(result);
    return result;
  } finally {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function printAppsBench(r: AppsBench): void {
  const a = r.perObject;
  const ratio = (x: Requests) =>
    `${(x.http / a.http).toFixed(2)} of the HTTP requests, ${(x.metered / a.metered).toFixed(2)} of the metered`;
  const row = (label: string, x: Requests, extra = '') =>
    console.log(
      `${label.padEnd(34)} ${String(x.http).padStart(6)} HTTP requests ${String(x.metered).padStart(6)} metered${extra}`,
    );
  row('(a) per-object sync', a);
  row(
    '(b) full sync without $expand',
    r.withoutExpand,
    `  ${r.withoutExpand.ms} ms; b/a: ${ratio(r.withoutExpand)}`,
  );
  row(
    '(c) full sync with $expand (auto)',
    r.withExpand,
    `  ${r.withExpand.ms} ms; c/a: ${ratio(r.withExpand)}`,
  );
  console.log(JSON.stringify({ apps: r }));
}

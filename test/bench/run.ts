/**
 * Sync benchmark against the simulator: requests of a full sync against the delta-based minimum
 * (graph.md §14), an incremental sync with no change and one after churn against the full one
 * (wall time, CPU time, peak RSS and their ratios, measured in one run), wall time against a bare
 * page fetch of the same collections (with the sync's own requests, and with a narrower `$select`),
 * and peak RSS.
 *
 *   npm run bench -- [--preset large|small|demo] [--users N --groups N --memberships N --devices N]
 *                    [--churn 0.01] [--skip-bare] [--heap-mb N] [--cpu-prof DIR]
 *   npm run bench -- --scale [--scale-users 100000,1000000]
 *   npm run bench -- --apps
 *
 * --skip-bare   skips the bare page fetch of the same collections
 * --full-only   only the full sync and the bare fetch (sync/bare), then the other sections' flags
 * --skip-provision  skips the bulk provisioning figures (2,000 grants across 10 groups, run last)
 * --apps        only the requests of a full sync of a tenant of few, large groups and many apps,
 *               with and without $expand, against a per-object sync (apps.ts; also run last by
 *               default, ~15 s; --skip-apps skips it there)
 * --provision-only  only those
 * --heap-mb N   caps each sync child's V8 heap at N MiB
 * --cpu-prof D  writes a V8 CPU profile of each sync child into directory D
 * --latency-ms N  every Graph request answers N ms late (the simulator's `slow` fault), for the
 *               sync/bare ratio at a real service's round-trip time rather than loopback speed
 * --scale       instead: peak RSS of a full sync at each --scale-users size (default 100k and 1M),
 *               and an incremental with no change and one after 1 % churn beside it,
 *               with the same tenant shape (2 memberships per user, a group per 50 users, a device
 *               per 25), and their ratio. On 2 shared cores the whole run takes ~10 minutes: the
 *               1M-user tenant takes ~1 minute to generate and ~3.5 GiB in this process, its sync
 *               ~6.5 minutes and ~25 GiB of temporary disk (working database, copy, body).
 * BENCH_LOG=1   the sync children log their phases with RSS, heap and CPU so far (stderr).
 * BENCH_NO_EARLY=1  full syncs write their whole output after the collection (no early output), to
 *               compare against.
 *
 * Each sync runs in a child process, so its peak RSS is its own (the simulator lives here).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/load.js';
import { createGraphClient } from '../../src/graph/client.js';
import { DEVICES_DELTA_URL } from '../../src/connector/device/collect.js';
import { servicePrincipalsListUrl } from '../../src/connector/enterprise-application/collect.js';
import { GROUPS_DELTA_URL } from '../../src/connector/group/collect.js';
import { usersDeltaUrl } from '../../src/connector/user/collect.js';
import { startSimulator } from '../../src/simulator/index.js';
import type { PresetName, TenantSize } from '../../src/simulator/tenant/model.js';
import { benchEnv, syncInChild, type ChildOptions } from './child.js';
import { runScale } from './scale.js';
import { churnTenant, ratios, versus } from './churn.js';
import { printProvisionBench, runProvisionBench } from './provision.js';
import { runAppsBench } from './apps.js';

const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'large' },
    users: { type: 'string' },
    groups: { type: 'string' },
    memberships: { type: 'string' },
    devices: { type: 'string' },
    churn: { type: 'string', default: '0.01' },
    'heap-mb': { type: 'string' },
    'skip-bare': { type: 'boolean', default: false },
    'full-only': { type: 'boolean', default: false },
    'skip-provision': { type: 'boolean', default: false },
    'provision-only': { type: 'boolean', default: false },
    apps: { type: 'boolean', default: false },
    'skip-apps': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'latency-ms': { type: 'string' },
    scale: { type: 'boolean', default: false },
    'scale-users': { type: 'string', default: '100000,1000000' },
  },
});
const childOptions: ChildOptions = {
  ...(values['heap-mb'] ? { heapMb: values['heap-mb'] } : {}),
  ...(values['cpu-prof'] ? { cpuProfDir: values['cpu-prof'] } : {}),
};
if (values.apps) {
  await runAppsBench();
  process.exit(0);
}
if (values['provision-only']) {
  printProvisionBench(await runProvisionBench());
  process.exit(0);
}
if (values.scale) {
  await runScale(values['scale-users'].split(',').map(Number), childOptions);
  process.exit(0);
}

const size: Partial<TenantSize> = {};
for (const k of ['users', 'groups', 'memberships', 'devices'] as const)
  if (values[k]) size[k] = Number(values[k]);
const P_DELTA = 200; // simulator (and observed Graph) delta page
const P_EXPAND = 100; // list page with $expand
const P_LIST = 999;

const ceil = (n: number, p: number) => Math.max(1, Math.ceil(n / p));

const t0 = Date.now();
const sim = await startSimulator({
  preset: values.preset as PresetName,
  seed: 1,
  size,
  throttling: false,
  host: '127.0.0.1',
  ...(values['latency-ms']
    ? { faults: [{ path: '^/(v1\\.0|beta)/', kind: 'slow' as const, value: Number(values['latency-ms']) }] }
    : {}),
});
tls.setDefaultCACertificates([...tls.getCACertificates('default'), sim.caCertPem]);
const t = sim.tenant;
console.log(
  `tenant: ${t.users.size} users, ${t.groups.size} groups, ${t.servicePrincipals.size} SPs, ${t.devices.size} devices (generated in ${Date.now() - t0} ms)${values['latency-ms'] ? `; Graph answers ${values['latency-ms']} ms late` : ''}`,
);

const config = loadConfig(benchEnv(sim));

/**
 * Bare page fetch of the same big collections, side by side as the sync reads them: the floor for
 * the sync's wall time. Fetched with the sync's own first requests (its `$select` and `$expand`,
 * so pages of the same size), and for comparison with the narrow `$select` this bench used to
 * fetch, whose pages hold a fifth of a user's properties. Returns the first.
 */
async function bareFetch(fullMs: number): Promise<{ bareMs: number; narrowBareMs: number }> {
  const sets = {
    "the sync's own requests": [
      usersDeltaUrl(config),
      GROUPS_DELTA_URL,
      servicePrincipalsListUrl(true),
      DEVICES_DELTA_URL,
    ],
    'the narrow $select': [
      '/users/delta?$select=id,displayName,userPrincipalName,assignedLicenses,manager',
      '/groups/delta?$select=id,displayName,members,owners',
      '/servicePrincipals?$select=id,displayName,servicePrincipalType,appRoles&$expand=appRoleAssignedTo&$top=999',
      '/devices/delta?$select=id,displayName,trustType',
    ],
  };
  const ms: number[] = [];
  for (const [label, urls] of Object.entries(sets)) {
    const raw = createGraphClient(config);
    const start = Date.now();
    let rawPages = 0;
    const chains = await Promise.all(
      urls.map(async (url) => {
        for await (const _page of raw.pages(url)) rawPages++;
        return ((Date.now() - start) / 1000).toFixed(1);
      }),
    );
    const bareMs = Date.now() - start;
    await raw.close();
    ms.push(bareMs);
    console.log(
      `bare fetch of users/groups/SPs/devices side by side, ${label}: ${rawPages} pages, ${bareMs} ms (sync/bare = ${(fullMs / bareMs).toFixed(2)}; each done at ${chains.join('/')} s)`,
    );
  }
  return { bareMs: ms[0]!, narrowBareMs: ms[1]! };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-'));

try {
  bench: {
    // Minimum by the delta-based formula: one request per page of each collection, SP listing with
    // $expand (100 a page) after one `$deltatoken=latest` request (the next incremental's starting
    // point), full assignment listings only where the expansion hit 20, owners by whichever is
    // fewer: $batch envelopes of 20 or a second listing expanding them (100 a page) with envelopes
    // for the apps it shows at 20 (as are the full assignment listings where the expansion hit 20),
    // and the small role/SKU/organization listings.
    let memberships = 0;
    for (const g of t.groups.keys()) memberships += t.membersOf(g).length + t.ownersOf(g).length;
    const spOver = [...t.servicePrincipals.keys()].filter((id) => t.appRoleAssignedTo(id).length >= 20);
    const synced = [...t.servicePrincipals.values()].filter(
      (s) =>
        s.servicePrincipalType === 'Application' &&
        (t.appRoleAssignedTo(s.id).length > 0 || s.appOwnerOrganizationId === t.organization.id),
    );
    const apps = synced.length;
    const ownersOver = synced.filter((s) => t.ownersOf(s.id).length >= 20).length;
    const minimum =
      1 +
      ceil(t.users.size, P_DELTA) +
      ceil(t.groups.size, P_DELTA) +
      1 +
      ceil(t.servicePrincipals.size, P_EXPAND) +
      (spOver.length ? Math.ceil(spOver.length / 20) : 0) +
      Math.min(ceil(apps, 20), ceil(t.servicePrincipals.size, P_EXPAND) + Math.ceil(ownersOver / 20)) +
      1 +
      // Role listings document no $top: default pages of 100.
      ceil(t.roleAssignments.size, 100) +
      ceil(t.roleAssignmentScheduleInstances.size, 100) +
      ceil(t.roleEligibilityScheduleInstances.size, 100) +
      1 +
      ceil(t.devices.size, P_DELTA) +
      // Credentials: applications/delta pages.
      ceil(t.applications.size, P_DELTA);
    const listBased = 2 * t.groups.size + t.servicePrincipals.size + ceil(t.users.size + memberships, P_LIST);

    const fullRun = await syncInChild(sim, join(dir, 'full.snap'), undefined, childOptions);
    const full = fullRun;
    const fullMs = fullRun.ms;
    console.log(
      `full sync: ${full.header.graphRequests} requests (delta-based minimum ≈ ${minimum}; list-based ≈ ${listBased}), ${fullMs} ms, ${full.header.counts.grants} grants, ${full.header.counts.resources} resources, snapshot ${Math.round(full.header.bodyBytes / 1024)} KiB`,
    );
    console.log(`sync process peak RSS: ${fullRun.peakRssMb} MiB, CPU ${fullRun.cpuMs} ms`);

    const bare = values['skip-bare'] ? undefined : await bareFetch(fullMs);
    if (values['full-only']) {
      console.log(JSON.stringify({ preset: values.preset, fullMs, ...bare, fullCpuMs: fullRun.cpuMs }));
      break bench;
    }

    // An incremental with nothing changed since the full sync: what the bookkeeping alone costs.
    const still = await syncInChild(sim, join(dir, 'still.snap'), join(dir, 'full.snap'), childOptions);
    console.log(
      `incremental with no change: ${still.header.graphRequests} requests; ${versus(still, fullRun)}`,
    );

    // Churn: change `churn` of users and of memberships, then sync incrementally (from the
    // no-change snapshot: a daemon chains each incremental on the one before).
    const { n, groups: churned } = churnTenant(sim, Number(values.churn));
    const inc = await syncInChild(sim, join(dir, 'inc.snap'), join(dir, 'still.snap'), childOptions);
    const incMs = inc.ms;
    // Incremental minimum (graph.md §14): organization, SKUs, role definitions (1 each), a page per
    // 200 changed users and groups, one service-principal and one device delta round, and the audit
    // poll from the full sync's start less the 30-minute latency margin, 1,000 events a page (the
    // churn above is audited as the portal would log it).
    const since = Date.parse(full.header.startedAt) - 30 * 60_000;
    const window = t.directoryAudits.filter((e) => Date.parse(e.activityDateTime) >= since);
    const events = window.length;
    // Entries in the window that name service principals or roles (the tenant's own recent activity
    // as well as the churn) cost their re-reads: assignments and owners 20 principals a $batch,
    // roles 6 a $batch (three filtered listings each).
    const named = (type: string) =>
      new Set(window.flatMap((e) => e.targetResources.filter((x) => x.type === type).map((x) => x.id))).size;
    const touchedGroups = new Set(churned).size;
    const spNamed = named('ServicePrincipal');
    const incMinimum =
      3 +
      ceil(n, P_DELTA) +
      ceil(touchedGroups, P_DELTA) +
      1 +
      1 +
      ceil(events, 1000) +
      (spNamed ? 2 * Math.ceil(spNamed / 20) : 0) +
      Math.ceil(named('Role') / 6);
    console.log(
      `incremental after ${n} user and ${n} membership changes: ${inc.header.graphRequests} requests (minimum ≈ ${incMinimum}; ${events} audit events) vs ${full.header.graphRequests} full = ${((100 * inc.header.graphRequests) / full.header.graphRequests).toFixed(1)} %; ${versus(inc, fullRun)}`,
    );
    console.log(
      JSON.stringify({
        preset: values.preset,
        size,
        users: t.users.size,
        groups: t.groups.size,
        fullRequests: full.header.graphRequests,
        minimum,
        listBased,
        fullMs,
        ...bare,
        incRequests: inc.header.graphRequests,
        incMinimum,
        incMs,
        fullCpuMs: fullRun.cpuMs,
        incCpuMs: inc.cpuMs,
        stillMs: still.ms,
        stillCpuMs: still.cpuMs,
        fullBytes: statSync(fullRun.file).size,
        still: ratios(still, fullRun),
        inc: ratios(inc, fullRun),
        fullPeakRssMb: fullRun.peakRssMb,
        incPeakRssMb: inc.peakRssMb,
        stillPeakRssMb: still.peakRssMb,
      }),
    );
  }
} finally {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
}
if (!values['skip-provision']) printProvisionBench(await runProvisionBench());
if (!values['skip-apps']) await runAppsBench();

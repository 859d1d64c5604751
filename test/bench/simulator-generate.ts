/**
 * Generation time and peak memory of each simulator preset.
 *
 *   npx node --import tsx test/bench/simulator-generate.ts [preset ...] [--seed N]
 *
 * Each preset runs in its own process, so that its peak RSS (`process.resourceUsage().maxRSS`) is
 * its own. Targets: `large` in at most 60 s and 2 GiB.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateTenant, PRESET_NAMES } from '../../src/simulator/tenant/generator.js';
import type { PresetName } from '../../src/simulator/tenant/model.js';

interface Result {
  preset: PresetName;
  seconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  heapUsedMiB: number;
  users: number;
  groups: number;
  memberships: number;
  largestGroup: number;
  servicePrincipals: number;
  appRoleAssignments: number;
  roleAssignments: number;
  devices: number;
}

function measure(preset: PresetName, seed: number): Result {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const t = generateTenant({ preset, seed, now: () => Date.UTC(2026, 0, 15) });
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const cpuSeconds = (used.user + used.system) / 1e6;
  let largestGroup = 0;
  for (const g of t.groups.keys()) largestGroup = Math.max(largestGroup, t.memberCount(g));
  return {
    preset,
    seconds: Math.round(seconds * 100) / 100,
    cpuSeconds: Math.round(cpuSeconds * 100) / 100,
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    heapUsedMiB: Math.round(process.memoryUsage().heapUsed / 1048576),
    users: t.users.size,
    groups: t.groups.size,
    memberships: t.membershipCount,
    largestGroup,
    servicePrincipals: t.servicePrincipals.size,
    appRoleAssignments: t.appRoleAssignments.size,
    roleAssignments: t.roleAssignments.size,
    devices: t.devices.size,
  };
}

function main(): void {
  const args = process.argv.slice(2);
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 1;
  const presets = args.filter(
    (a, i) => PRESET_NAMES.includes(a as PresetName) && args[i - 1] !== '--seed',
  ) as PresetName[];
  if (process.env.SIM_BENCH_CHILD === '1') {
    process.stdout.write(`${JSON.stringify(measure(presets[0] as PresetName, seed))}\n`);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  const rows: Result[] = [];
  for (const preset of presets.length > 0 ? presets : PRESET_NAMES) {
    const out = execFileSync(process.execPath, ['--import', 'tsx', self, preset, '--seed', String(seed)], {
      env: { ...process.env, SIM_BENCH_CHILD: '1' },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    rows.push(JSON.parse(out.trim().split('\n').at(-1) as string) as Result);
  }
  console.table(rows);
}

main();

import { statSync } from 'node:fs';
import type { Simulator } from '../../src/simulator/index.js';
import type { ChildResult } from './child.js';

/**
 * Changes `share` of the tenant's users (a job title each) and as many memberships (a member
 * removed from an assigned group: dynamic groups take their members from a rule). Returns how many
 * of each changed and the groups touched.
 */
export function churnTenant(sim: Simulator, share: number): { n: number; groups: string[] } {
  const t = sim.tenant;
  const users = [...t.users.keys()];
  const assigned = [...t.groups.values()]
    .filter((g) => !g.groupTypes.includes('DynamicMembership'))
    .map((g) => g.id);
  const n = Math.max(1, Math.round(users.length * share));
  for (let i = 0; i < n; i++) t.updateUser(users[(i * 7919) % users.length]!, { jobTitle: `Title ${i}` });
  const groups: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = assigned[(i * 104729) % assigned.length]!;
    groups.push(g);
    const m = t.membersOf(g)[0];
    if (m) t.removeMember(g, m);
  }
  return { n, groups };
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

/**
 * An incremental's wall time, CPU time, upload bytes (its snapshot file) and peak RSS, each beside
 * the full sync's and as a ratio.
 */
export function versus(inc: ChildResult & { file: string }, full: ChildResult & { file: string }): string {
  const incBytes = statSync(inc.file).size;
  const fullBytes = statSync(full.file).size;
  return [
    `wall ${inc.ms} ms vs ${full.ms} ms full = ${pct(inc.ms, full.ms)}`,
    `CPU ${inc.cpuMs} ms vs ${full.cpuMs} ms = ${pct(inc.cpuMs, full.cpuMs)}`,
    `upload ${incBytes} bytes vs ${fullBytes} = ${pct(incBytes, fullBytes)}`,
    `peak RSS ${inc.peakRssMb} MiB vs ${full.peakRssMb} MiB`,
  ].join(', ');
}

/** The ratios `versus` prints, for the JSON summary line. */
export function ratios(inc: ChildResult & { file: string }, full: ChildResult & { file: string }) {
  return {
    wall: inc.ms / full.ms,
    cpu: inc.cpuMs / full.cpuMs,
    bytes: statSync(inc.file).size / statSync(full.file).size,
    peakRssMb: inc.peakRssMb,
  };
}

import { startSimulator, trustSimulatorCa, type Simulator } from '../../src/simulator/index.js';
import { loadTenant } from '../../src/simulator/tenant-source.js';
import type { TenantSize } from '../../src/simulator/tenant/model.js';

/**
 * The tenant every chaos run syncs: the `small` preset's shape cut down (every kind of object,
 * group and grant, a few hundred of them), so that a run takes a fraction of a second and a
 * default chaos run can afford hundreds of them.
 */
export const CHAOS_SIZE: Partial<TenantSize> = {
  users: 120,
  guests: 10,
  groups: 30,
  memberships: 500,
  servicePrincipals: 30,
  managedIdentities: 3,
  applications: 10,
  roleAssignments: 10,
  roleEligibilities: 5,
  devices: 20,
  orgContacts: 5,
  administrativeUnits: 2,
  skus: 4,
  directoryAudits: 40,
};

/** Tenants are generated from one of this many seeds, so a fault-free baseline serves many runs. */
export const TENANT_SEEDS = 4;

/**
 * A simulator over the chaos tenant of `tenantSeed`, its clock frozen at `now` (tokens, delta
 * links and audit times then read the same in every run), its faults drawn from `faultSeed`.
 */
export async function startChaosSimulator(
  tenantSeed: number,
  faultSeed: number,
  now: number,
  /** Where the simulator keeps its CA: one shared directory means one CA to trust for all runs. */
  stateDir: string,
): Promise<Simulator> {
  const clock = () => now;
  const tenant = await loadTenant({ preset: 'small', seed: tenantSeed, size: CHAOS_SIZE }, clock);
  // Throttling stays off: with the clock frozen its bucket would never refill (429s are injected).
  const sim = await startSimulator({ tenant, seed: faultSeed, now: clock, throttling: false, stateDir });
  trustSimulatorCa(sim.caCertPem);
  return sim;
}

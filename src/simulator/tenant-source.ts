import type { SimulatorOptions } from './api.js';
import type { TenantStore } from './tenant/store-api.js';

/** Generates the tenant the simulator serves from a preset, a seed and size overrides. */
export async function loadTenant(options: SimulatorOptions, now: () => number): Promise<TenantStore> {
  void options;
  void now;
  throw new Error('tenant generation is not available in this build: pass `tenant`');
}

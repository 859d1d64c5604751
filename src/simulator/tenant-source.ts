import type { SimulatorOptions } from './api.js';
import { generateTenant } from './tenant/generator.js';
import type { TenantStore } from './tenant/store-api.js';

/** Generates the tenant the simulator serves from a preset (default `demo`), a seed and size overrides. */
export async function loadTenant(options: SimulatorOptions, now: () => number): Promise<TenantStore> {
  return generateTenant({
    preset: options.preset ?? 'demo',
    seed: options.seed ?? 1,
    ...(options.size ? { size: options.size } : {}),
    now,
  });
}

import type { EndpointCounters } from './api.js';

/** Per-endpoint counters (method + normalised path), plus a total under `*`. */
export class Counters {
  private readonly byKey = new Map<string, EndpointCounters>();

  add(key: string, field: keyof EndpointCounters, n = 1): void {
    for (const k of [key, '*']) {
      const c = this.byKey.get(k) ?? { requests: 0, batched: 0, resourceUnits: 0, throttled: 0, faults: 0 };
      c[field] += n;
      this.byKey.set(k, c);
    }
  }

  snapshot(): Record<string, EndpointCounters> {
    const out: Record<string, EndpointCounters> = {};
    for (const [k, v] of this.byKey) out[k] = { ...v };
    if (!out['*']) out['*'] = { requests: 0, batched: 0, resourceUnits: 0, throttled: 0, faults: 0 };
    return out;
  }

  reset(): void {
    this.byKey.clear();
  }
}

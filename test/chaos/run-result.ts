import type { Violation } from './oracles.js';

/** What one chaos run reports to the tally. */
export interface RunResult {
  /** Faults injected: the simulator's fault counter, plus kills and control-plane faults. */
  faults: number;
  /** Export records compared against the fault-free sync (and snapshots, effects checked). */
  records: number;
  violations: Violation[];
  /** The sync (or task) failed under faults and was finished by a fault-free resume. */
  resumed?: boolean;
  /** Why the faulted sync (or task) failed, when it did. */
  failure?: string;
  /** How long the run took (wall clock). */
  ms?: number;
  /** Fault kinds the simulator injected, by kind (from its counters). */
  kinds?: Record<string, number>;
}

/** The fault kinds a run's rules could inject, for attributing a violation. */
export function kindsOf(rules: readonly { kind: string }[]): string {
  return [...new Set(rules.map((r) => r.kind))].sort().join(',');
}

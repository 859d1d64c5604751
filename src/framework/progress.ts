import type { Logger } from '../observability/logger.js';
import type { CollectPhase, PhaseContext } from './collect.js';

/**
 * Progress of a sync's collection phases while they run: a full sync of a large tenant spends
 * minutes in one phase, and without this nothing is said between "started" and "complete". A phase
 * tells its counts; the reporter logs every running phase's count, rate and (with a known total)
 * estimate every `logEveryMs`, and tells an optional listener (a terminal's live line) of every
 * change.
 */

/** What a phase tells about itself. */
export interface PhaseProgress {
  /** Items the phase already held when it started (a resumed phase): not counted in its rate. */
  resume(items: number): void;
  /** How many items the phase expects in all, when the connected system says. */
  expect(total: number): void;
  /** Items read so far, in all (those held at resume included). */
  read(items: number): void;
}

/** One running phase as reported. */
export interface PhaseStatus {
  phase: string;
  items: number;
  total?: number;
  /** Items read per second since the phase started (or resumed) in this run. */
  perSecond: number;
  /** Seconds left at that rate, when the total is known and the phase is moving. */
  etaSeconds?: number;
}

export type ProgressListener = (running: readonly PhaseStatus[]) => void;

/** A repeating timer; `stop` cancels it. Tests pass one they fire by hand. */
export type Every = (ms: number, fn: () => void) => { stop(): void };

const realEvery: Every = (ms, fn) => {
  const t = setInterval(fn, ms);
  // A progress tick must never keep the process alive.
  t.unref();
  return { stop: () => clearInterval(t) };
};

export interface ProgressOptions {
  logger: Logger;
  /** The sync's clock (ms since epoch). */
  now: () => number;
  /** Between two rounds of progress lines; 10 s by default. */
  logEveryMs?: number;
  listener?: ProgressListener;
  /** Fires the log check while no page arrives (a phase held back by throttling still reports). */
  every?: Every;
}

interface Running {
  phase: string;
  startedAt: number;
  base: number;
  items: number;
  total?: number;
  /** Whether the phase has said anything: one that counts nothing is not shown as stuck at 0. */
  told: boolean;
}

export class ProgressReporter {
  private readonly running = new Map<string, Running>();
  private readonly logEveryMs: number;
  private lastLog: number | undefined;
  private timer: { stop(): void } | undefined;

  constructor(private readonly o: ProgressOptions) {
    this.logEveryMs = o.logEveryMs ?? 10_000;
  }

  /** A phase starts: its handle, and a function that ends it (done or failed alike). */
  begin(phase: string): { progress: PhaseProgress; end: () => void } {
    const state: Running = { phase, startedAt: this.o.now(), base: 0, items: 0, told: false };
    this.running.set(phase, state);
    this.lastLog ??= state.startedAt;
    this.timer ??= (this.o.every ?? realEvery)(this.logEveryMs, () => this.maybeLog());
    const progress: PhaseProgress = {
      resume: (items) => {
        state.told = true;
        state.base = items;
        state.items = items;
        state.startedAt = this.o.now();
        this.changed();
      },
      expect: (total) => {
        state.told = true;
        state.total = total;
        this.changed();
      },
      read: (items) => {
        state.told = true;
        state.items = items;
        this.changed();
      },
    };
    const end = () => {
      if (this.running.get(phase) !== state) return;
      this.running.delete(phase);
      if (this.running.size === 0) {
        this.timer?.stop();
        this.timer = undefined;
      }
      this.o.listener?.(this.statuses());
    };
    return { progress, end };
  }

  /** The running phases that report counts, in the order they started. */
  statuses(): PhaseStatus[] {
    const now = this.o.now();
    return [...this.running.values()].filter((s) => s.told).map((s) => status(s, now));
  }

  private changed(): void {
    this.o.listener?.(this.statuses());
    this.maybeLog();
  }

  private maybeLog(): void {
    const now = this.o.now();
    if (this.running.size === 0 || this.lastLog === undefined || now - this.lastLog < this.logEveryMs) return;
    this.lastLog = now;
    for (const s of this.statuses()) this.o.logger.info(s, describeStatus(s));
  }
}

function status(s: Running, now: number): PhaseStatus {
  const seconds = (now - s.startedAt) / 1000;
  const perSecond = seconds > 0 ? Math.round((s.items - s.base) / seconds) : 0;
  const out: PhaseStatus = { phase: s.phase, items: s.items, perSecond };
  if (s.total !== undefined) {
    out.total = s.total;
    // Objects can repeat across pages: a count past the total means "nearly done", not negative.
    if (perSecond > 0) out.etaSeconds = Math.ceil(Math.max(0, s.total - s.items) / perSecond);
  }
  return out;
}

/** `users: 40000 of 100000 (40%), 4000/s, about 15 s left` */
export function describeStatus(s: PhaseStatus): string {
  const parts = [`${s.phase}: ${s.items}`];
  if (s.total !== undefined) {
    const pct = s.total > 0 ? Math.min(100, Math.floor((s.items * 100) / s.total)) : 100;
    parts[0] += ` of ${s.total} (${pct}%)`;
  }
  parts.push(`${s.perSecond}/s`);
  if (s.etaSeconds !== undefined) parts.push(`about ${formatSeconds(s.etaSeconds)} left`);
  return parts.join(', ');
}

/** `45 s`, `12 min`, `2 h 5 min` */
export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * A collection plan whose phases report to `reporter`: each runs with its own `progress` handle in
 * its context, from its start to its end.
 */
export function reportingProgress<C extends PhaseContext>(
  plan: readonly CollectPhase<C>[],
  reporter: ProgressReporter,
): CollectPhase<C>[] {
  return plan.map((p) => ({
    ...p,
    run: async (ctx: C) => {
      const { progress, end } = reporter.begin(p.name);
      try {
        return await p.run({ ...ctx, progress });
      } finally {
        end();
      }
    },
  }));
}

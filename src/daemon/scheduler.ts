import { EventEmitter } from 'node:events';
import type { Cron } from 'croner';
import { cronProblem, cronSchedule, nextCronRun } from '../config/cron.js';
import { realClock, setTimerAt, type Clock, type LongTimer } from './clock.js';
import { silentLogger, type Logger } from '../observability/logger.js';

// The one duration grammar of every setting and flag lives with the other setting parsers.
export { parseDuration } from '../config/parse.js';

/**
 * When syncs run. Exactly one of `intervalMs` / `cron` normally; neither means "no scheduled runs"
 * (only start-up and manual runs).
 * - Interval mode: the next run starts `intervalMs` after the previous one ENDS, so runs never
 *   overlap. With `startAt`, runs are anchored to the slots `startAt + k*intervalMs` (the first slot
 *   after the previous run ended).
 * - Cron mode: ticks come from the expression (5 fields, or 6 with seconds) in `timezone`; a tick
 *   that lands while a run is still going is skipped with an overlap warning (our own gate, so
 *   manual runs share it).
 * - `active: false` pauses scheduled and start-up runs; a manual trigger still runs, because an
 *   operator or a control-plane task asked for it explicitly.
 */
export interface ScheduleSettings {
  intervalMs?: number;
  cron?: string;
  timezone?: string;
  /** No scheduled run before this instant. */
  startAt?: Date;
  active: boolean;
  runOnStart: boolean;
  /** Aborts a run's signal after this long (reason: a TimeoutError). */
  timeoutMs?: number;
}

export type RunTrigger = 'start' | 'schedule' | 'manual';
export type TriggerResult = 'started' | 'busy' | 'paused';

export interface RunRecord {
  trigger: RunTrigger;
  startedAt: Date;
  endedAt?: Date;
  error?: Error;
}

export interface SchedulerEvents {
  skipped: [{ trigger: RunTrigger; reason: 'busy' | 'paused'; at: Date }];
  'run:start': [RunRecord];
  'run:end': [RunRecord];
}

export interface SchedulerOptions {
  schedule: ScheduleSettings;
  run: (trigger: RunTrigger, signal: AbortSignal) => Promise<void>;
  clock?: Clock;
  logger?: Logger;
}

export class SyncScheduler extends EventEmitter<SchedulerEvents> {
  private settings: ScheduleSettings;
  private readonly runFn: SchedulerOptions['run'];
  private readonly clock: Clock;
  private readonly log: Logger;
  private started = false;
  private timer: LongTimer | undefined;
  private next: Date | undefined;
  private cron: Cron | undefined;
  private current: { controller: AbortController; done: Promise<void> } | undefined;
  private last: RunRecord | undefined;

  constructor(opts: SchedulerOptions) {
    super();
    validateSchedule(opts.schedule);
    this.settings = { ...opts.schedule };
    this.runFn = opts.run;
    this.clock = opts.clock ?? realClock;
    this.log = opts.logger ?? silentLogger;
    this.cron = cronFor(this.settings);
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  get lastRun(): RunRecord | undefined {
    return this.last;
  }

  nextRunAt(): Date | undefined {
    return this.next;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (this.settings.runOnStart && this.settings.active) void this.trigger('start');
    else this.reschedule();
  }

  /** Stops scheduling, aborts the running run (if any) and waits for it to return. */
  async stop(): Promise<void> {
    this.started = false;
    this.cancelTimer();
    const running = this.current;
    if (running) {
      running.controller.abort(new DOMException('scheduler stopped', 'AbortError'));
      await running.done;
    }
  }

  /** Starts a run now unless one is going (→ 'busy') or runs are paused/stopped (→ 'paused'). */
  async trigger(reason: RunTrigger): Promise<TriggerResult> {
    const paused = !this.started || (!this.settings.active && reason !== 'manual');
    if (paused || this.current) {
      const why = paused ? 'paused' : 'busy';
      this.emit('skipped', { trigger: reason, reason: why, at: new Date(this.clock.now()) });
      this.log.warn(
        { trigger: reason, reason: why },
        `sync ${reason} run skipped: ${why === 'busy' ? 'a run is still in progress' : 'scheduling is paused'}`,
      );
      return why;
    }
    this.begin(reason);
    return 'started';
  }

  /** Applies new settings (hot reload): validates, then reschedules from now. */
  update(settings: ScheduleSettings): void {
    validateSchedule(settings);
    this.settings = { ...settings };
    this.cron = cronFor(this.settings);
    this.cancelTimer();
    // In interval mode a running sync schedules the next one when it ends.
    if (this.started && !(this.current && this.settings.intervalMs)) this.reschedule();
  }

  /** Resolves when no run is in progress. */
  async idle(): Promise<void> {
    while (this.current) await this.current.done;
  }

  private begin(trigger: RunTrigger): void {
    const controller = new AbortController();
    const record: RunRecord = { trigger, startedAt: new Date(this.clock.now()) };
    const timeout = this.settings.timeoutMs
      ? this.clock.setTimeout(
          () =>
            controller.abort(
              new DOMException(`sync run exceeded ${this.settings.timeoutMs} ms`, 'TimeoutError'),
            ),
          this.settings.timeoutMs,
        )
      : undefined;
    // Cron ticks keep their own cadence while a run is going; interval mode waits for the end.
    if (!this.settings.intervalMs) this.reschedule();
    else this.cancelTimer();
    this.emit('run:start', record);
    const done = (async () => {
      try {
        await this.runFn(trigger, controller.signal);
      } catch (err) {
        record.error = err instanceof Error ? err : new Error(String(err));
        this.log.error({ err: record.error, trigger }, 'sync run failed');
      } finally {
        if (timeout) this.clock.clearTimeout(timeout);
        record.endedAt = new Date(this.clock.now());
        this.last = record;
        this.current = undefined;
        if (this.started && this.settings.intervalMs) this.reschedule();
        this.emit('run:end', record);
      }
    })();
    this.current = { controller, done };
  }

  private reschedule(): void {
    this.cancelTimer();
    this.next = this.started && this.settings.active ? this.computeNext() : undefined;
    if (!this.next) return;
    // A 30-day interval or a monthly cron is further away than one Node timer can wait.
    this.timer = setTimerAt(this.clock, this.next.getTime(), () => {
      this.timer = undefined;
      // A skipped cron tick (run still going) must still arm the following tick.
      void this.trigger('schedule').then((result) => {
        if (result !== 'started' && this.started) this.reschedule();
      });
    });
  }

  private computeNext(): Date | undefined {
    const now = this.clock.now();
    const { intervalMs, startAt } = this.settings;
    // Strictly after now (a tick must not re-fire itself), but `startAt` itself may be a match.
    const from = startAt && startAt.getTime() > now ? startAt.getTime() - 1 : now;
    if (this.cron) return nextCronRun(this.cron, new Date(from));
    if (!intervalMs) return undefined;
    if (startAt && startAt.getTime() >= now) return startAt;
    if (startAt)
      return new Date(startAt.getTime() + Math.ceil((now - startAt.getTime()) / intervalMs) * intervalMs);
    return new Date(now + intervalMs);
  }

  private cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.next = undefined;
  }
}

/** Throws an Error naming the field and what is expected. */
export function validateSchedule(s: ScheduleSettings): void {
  const problems: string[] = [];
  if (s.intervalMs !== undefined && !(Number.isFinite(s.intervalMs) && s.intervalMs >= 1000)) {
    problems.push(`intervalMs: expected a duration of at least 1 s, got ${s.intervalMs}`);
  }
  if (s.intervalMs !== undefined && s.cron !== undefined)
    problems.push('intervalMs and cron are both set; set only one of them');
  if (s.cron !== undefined) {
    try {
      cronSchedule(s.cron);
    } catch (err) {
      problems.push(`cron: invalid expression "${s.cron}" (${cronProblem(err)})`);
    }
  }
  if (s.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: s.timezone });
    } catch {
      problems.push(`timezone: expected an IANA time zone such as "Europe/Paris", got "${s.timezone}"`);
    }
  }
  if (s.startAt !== undefined && Number.isNaN(s.startAt.getTime()))
    problems.push('startAt: expected a valid date');
  if (s.timeoutMs !== undefined && !(Number.isFinite(s.timeoutMs) && s.timeoutMs > 0))
    problems.push(`timeoutMs: expected a positive duration, got ${s.timeoutMs}`);
  if (problems.length) throw new Error(`invalid schedule: ${problems.join('; ')}`);
}

function cronFor(s: ScheduleSettings): Cron | undefined {
  return s.cron === undefined ? undefined : cronSchedule(s.cron, s.timezone);
}

import { Cron } from 'croner';

/**
 * The cron grammar of `BATON_SYNC_CRON`, in one place: the settings check and the scheduler parse
 * and match an expression with the same library and options, so an expression the check accepts
 * is one the scheduler runs.
 */

/**
 * A parsed expression that computes its runs (it never runs anything itself). 5 fields, or 6 with
 * seconds first. Day of month and day of week must both match when both are restricted
 * (`0 0 1 * MON`: a 1st that is a Monday), as the scheduler has always read them. Throws on an
 * expression that does not parse, with croner's message naming the field.
 */
export function cronSchedule(expression: string, timezone?: string): Cron {
  return new Cron(expression, {
    paused: true,
    mode: '5-or-6-parts',
    domAndDow: true,
    ...(timezone !== undefined ? { timezone } : {}),
  });
}

/**
 * The first run strictly after `from`, or undefined when there is none (31 February). Across a
 * daylight-saving change croner follows Vixie cron: a fixed time (`30 2 * * *`) that the change
 * skips runs right after the gap, and once when it occurs twice; other expressions keep their
 * local cadence (skipping the gap, running on both occurrences).
 */
export function nextCronRun(schedule: Cron, from: Date): Date | undefined {
  return schedule.nextRun(from) ?? undefined;
}

/** croner's message without its class-name prefix. */
export function cronProblem(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
}

import assert from 'node:assert/strict';
import {
  SyncScheduler,
  parseDuration,
  type RunTrigger,
  type ScheduleSettings,
} from '../../src/daemon/scheduler.js';
import { cronSchedule, nextCronRun } from '../../src/config/cron.js';
import { ManualClock, flushMicrotasks } from '../support/manual-clock.js';

const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);

/** A run function whose runs the test finishes explicitly. */
function controllableRuns() {
  const runs: { trigger: RunTrigger; signal: AbortSignal; finish: (err?: Error) => void; at: number }[] = [];
  let clock: ManualClock;
  return {
    runs,
    bind(c: ManualClock) {
      clock = c;
    },
    run: (trigger: RunTrigger, signal: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        const finish = (err?: Error) => (err ? reject(err) : resolve());
        signal.addEventListener('abort', () => reject(signal.reason as Error));
        runs.push({ trigger, signal, finish, at: clock.now() });
      }),
  };
}

function setup(schedule: Partial<ScheduleSettings>) {
  const clock = new ManualClock(T0);
  const r = controllableRuns();
  r.bind(clock);
  const s = new SyncScheduler({
    schedule: { active: true, runOnStart: false, ...schedule },
    run: r.run,
    clock,
  });
  return { clock, runs: r.runs, s };
}

describe('SyncScheduler', () => {
  it('interval mode: next run starts intervalMs after the previous one ends', async () => {
    const { clock, runs, s } = setup({ intervalMs: 60_000, runOnStart: true });
    s.start();
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.trigger, 'start');
    assert.equal(s.nextRunAt(), undefined, 'no next run while one is in progress');
    await clock.advanceAsync(90_000); // a long run: no second run can start meanwhile
    assert.equal(runs.length, 1);
    runs[0]!.finish();
    await flushMicrotasks();
    assert.equal(s.nextRunAt()?.getTime(), T0 + 90_000 + 60_000);
    await clock.advanceAsync(59_999);
    assert.equal(runs.length, 1);
    await clock.advanceAsync(1);
    assert.equal(runs.length, 2);
    assert.equal(runs[1]!.trigger, 'schedule');
    assert.equal(runs[1]!.at, T0 + 150_000);
    await s.stop();
  });

  it('manual triggers share the no-overlap gate and report busy', async () => {
    const { runs, s } = setup({ intervalMs: 60_000 });
    const skipped: string[] = [];
    s.on('skipped', (e) => skipped.push(`${e.trigger}:${e.reason}`));
    s.start();
    assert.equal(await s.trigger('manual'), 'started');
    assert.equal(s.busy, true);
    assert.equal(await s.trigger('manual'), 'busy');
    assert.deepEqual(skipped, ['manual:busy']);
    runs[0]!.finish();
    await s.idle();
    assert.equal(s.busy, false);
    assert.equal(await s.trigger('manual'), 'started');
    await s.stop();
  });

  it('paused: no scheduled or start runs, manual still runs; stopped reports paused', async () => {
    const { clock, runs, s } = setup({ intervalMs: 60_000, active: false, runOnStart: true });
    assert.equal(await s.trigger('manual'), 'paused', 'not started yet');
    s.start();
    assert.equal(runs.length, 0);
    assert.equal(s.nextRunAt(), undefined);
    await clock.advanceAsync(600_000);
    assert.equal(runs.length, 0);
    assert.equal(await s.trigger('schedule'), 'paused');
    assert.equal(await s.trigger('manual'), 'started');
    runs[0]!.finish();
    await s.idle();
    s.update({ intervalMs: 60_000, active: true, runOnStart: true });
    assert.equal(s.nextRunAt()?.getTime(), clock.now() + 60_000);
    await s.stop();
    assert.equal(await s.trigger('manual'), 'paused');
  });

  it('stop() aborts the running run and waits for it', async () => {
    const { runs, s } = setup({ intervalMs: 60_000, runOnStart: true });
    const ended: (Error | undefined)[] = [];
    s.on('run:end', (r) => ended.push(r.error));
    s.start();
    await s.stop();
    assert.equal(runs[0]!.signal.aborted, true);
    assert.equal(ended.length, 1);
    assert.equal(ended[0]?.name, 'AbortError');
    assert.equal(s.busy, false);
  });

  it('a failing run is recorded and scheduling continues', async () => {
    const { clock, runs, s } = setup({ intervalMs: 10_000, runOnStart: true });
    s.start();
    runs[0]!.finish(new Error('graph down'));
    await s.idle();
    assert.equal(s.lastRun?.error?.message, 'graph down');
    await clock.advanceAsync(10_000);
    assert.equal(runs.length, 2);
    await s.stop();
  });

  it('timeoutMs aborts a run that takes too long', async () => {
    const { clock, runs, s } = setup({ intervalMs: 60_000, runOnStart: true, timeoutMs: 5_000 });
    s.start();
    await clock.advanceAsync(5_000);
    assert.equal(runs[0]!.signal.aborted, true);
    assert.equal((runs[0]!.signal.reason as Error).name, 'TimeoutError');
    await s.idle();
    await s.stop();
  });

  it('startAt anchors interval slots', async () => {
    const startAt = new Date(T0 + 3_600_000);
    const { clock, runs, s } = setup({ intervalMs: 3_600_000, startAt });
    s.start();
    assert.equal(s.nextRunAt()?.getTime(), startAt.getTime());
    await clock.advanceAsync(3_600_000);
    assert.equal(runs.length, 1);
    await clock.advanceAsync(600_000);
    runs[0]!.finish();
    await s.idle();
    assert.equal(s.nextRunAt()?.getTime(), startAt.getTime() + 3_600_000, 'next slot after the run ended');
    await s.stop();
  });

  it('cron mode: fires on the expression, skips overlapping ticks with a warning', async () => {
    const { clock, runs, s } = setup({ cron: '*/15 * * * *' });
    const skipped: string[] = [];
    s.on('skipped', (e) => skipped.push(e.reason));
    s.start();
    assert.equal(s.nextRunAt()?.toISOString(), '2026-01-01T00:15:00.000Z');
    await clock.advanceAsync(15 * 60_000);
    assert.equal(runs.length, 1);
    assert.equal(
      s.nextRunAt()?.toISOString(),
      '2026-01-01T00:30:00.000Z',
      'cron keeps its cadence while running',
    );
    await clock.advanceAsync(15 * 60_000);
    assert.deepEqual(skipped, ['busy']);
    assert.equal(runs.length, 1);
    runs[0]!.finish();
    await s.idle();
    await clock.advanceAsync(15 * 60_000);
    assert.equal(runs.length, 2);
    assert.equal(runs[1]!.at, Date.parse('2026-01-01T00:45:00Z'));
    await s.stop();
  });

  it('hot update switches from interval to cron', async () => {
    const { s } = setup({ intervalMs: 60_000 });
    s.start();
    assert.equal(s.nextRunAt()?.getTime(), T0 + 60_000);
    s.update({ cron: '0 3 * * *', timezone: 'Europe/Paris', active: true, runOnStart: false });
    assert.equal(s.nextRunAt()?.toISOString(), '2026-01-01T02:00:00.000Z');
    await s.stop();
  });

  it('switching from cron to interval during a run leaves no stale cron tick', async () => {
    const { clock, runs, s } = setup({ cron: '*/5 * * * *' });
    const skipped: string[] = [];
    s.on('skipped', (e) => skipped.push(e.reason));
    s.start();
    await clock.advanceAsync(5 * 60_000);
    assert.equal(runs.length, 1);
    s.update({ intervalMs: 3_600_000, active: true, runOnStart: false });
    assert.equal(s.nextRunAt(), undefined, 'next run is decided when this one ends');
    await clock.advanceAsync(30 * 60_000);
    assert.deepEqual(skipped, [], 'no cron tick fired after the switch');
    runs[0]!.finish();
    await s.idle();
    assert.equal(s.nextRunAt()?.getTime(), clock.now() + 3_600_000);
    await s.stop();
  });

  // Node fires a timer longer than 2^31 - 1 ms (~24.8 days) after 1 ms; the manual clock does too.
  it('interval mode: a 30-day interval waits 30 days, not back to back', async () => {
    const day = 86_400_000;
    const { clock, runs, s } = setup({ intervalMs: 30 * day, runOnStart: true });
    s.start();
    runs[0]!.finish();
    await s.idle();
    assert.equal(s.nextRunAt()?.getTime(), T0 + 30 * day);
    await clock.advanceAsync(25 * day);
    assert.equal(runs.length, 1, 'no second run before the interval has passed');
    await clock.advanceAsync(5 * day - 1);
    assert.equal(runs.length, 1);
    await clock.advanceAsync(1);
    assert.equal(runs.length, 2);
    assert.equal(runs[1]!.at, T0 + 30 * day);
    await s.stop();
  });

  it('cron mode: a tick more than 24.8 days away (a monthly expression) fires on its day', async () => {
    const { clock, runs, s } = setup({ cron: '0 0 1 * *', timezone: 'UTC' });
    s.start();
    const feb1 = Date.UTC(2026, 1, 1);
    assert.equal(s.nextRunAt()?.getTime(), feb1);
    await clock.advanceAsync(feb1 - T0 - 1);
    assert.equal(runs.length, 0);
    await clock.advanceAsync(1);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.at, feb1);
    await s.stop();
  });

  it('stopping during a long wait leaves no timer behind', async () => {
    const { clock, s } = setup({ intervalMs: 90 * 86_400_000 });
    s.start();
    await clock.advanceAsync(40 * 86_400_000);
    assert.equal(clock.pending, 1, 'one hop of the chain is armed');
    await s.stop();
    assert.equal(clock.pending, 0);
  });

  it('rejects invalid settings naming the field', () => {
    const run = async () => undefined;
    assert.throws(
      () => new SyncScheduler({ schedule: { cron: '61 * * * *', active: true, runOnStart: false }, run }),
      /cron: invalid expression "61/,
    );
    assert.throws(
      () =>
        new SyncScheduler({
          schedule: { cron: '* * * * *', timezone: 'Mars/Olympus', active: true, runOnStart: false },
          run,
        }),
      /timezone: expected an IANA/,
    );
    assert.throws(
      () => new SyncScheduler({ schedule: { intervalMs: 5, active: true, runOnStart: false }, run }),
      /intervalMs: expected a duration of at least 1 s/,
    );
    assert.throws(
      () =>
        new SyncScheduler({
          schedule: { intervalMs: 60_000, cron: '* * * * *', active: true, runOnStart: false },
          run,
        }),
      /both set/,
    );
  });
});

describe('nextCronRun', () => {
  const next = (expr: string, from: string, tz?: string) =>
    nextCronRun(cronSchedule(expr, tz), new Date(from))?.toISOString();

  it('computes from an explicit instant (not the wall clock), honouring time zones', () => {
    assert.equal(next('30 2 * * *', '2026-03-06T12:00:00Z', 'America/New_York'), '2026-03-07T07:30:00.000Z');
    assert.equal(next('*/20 * * * * *', '2026-01-01T00:00:05.500Z'), '2026-01-01T00:00:20.000Z');
    assert.equal(next('0 9 * * 1-5', '2026-01-02T03:00:00Z', 'Asia/Tokyo'), '2026-01-05T00:00:00.000Z');
    assert.equal(
      next('0 0 1 * *', '2026-01-01T00:00:00Z', 'UTC'),
      '2026-02-01T00:00:00.000Z',
      'strictly after',
    );
  });

  it('a fixed time a daylight-saving change skips runs right after the gap, one that repeats runs once', () => {
    // 2026-03-08 is the US spring-forward day: 02:30 does not exist in New York.
    assert.equal(next('30 2 * * *', '2026-03-07T12:00:00Z', 'America/New_York'), '2026-03-08T07:00:00.000Z');
    // 2026-10-25: Paris falls back from 03:00 CEST to 02:00 CET; 02:30 runs at its first occurrence.
    assert.equal(next('30 2 * * *', '2026-10-24T12:00:00Z', 'Europe/Paris'), '2026-10-25T00:30:00.000Z');
    assert.equal(next('30 2 * * *', '2026-10-25T00:30:00Z', 'Europe/Paris'), '2026-10-26T01:30:00.000Z');
  });

  it('day of month and day of week both restricted: both must match', () => {
    assert.equal(next('0 0 1 * MON', '2026-01-01T00:00:00Z', 'UTC'), '2026-06-01T00:00:00.000Z');
  });

  it('an expression without a run answers undefined, a rare one waits for its day', () => {
    assert.equal(next('0 0 31 2 *', '2026-01-01T00:00:00Z'), undefined);
    assert.equal(next('0 0 29 2 *', '2026-01-01T00:00:00Z', 'UTC'), '2028-02-29T00:00:00.000Z');
  });
});

describe('parseDuration', () => {
  const ok: [string, number][] = [
    ['1h', 3_600_000],
    ['90m', 5_400_000],
    ['30s', 30_000],
    ['1d', 86_400_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['PT1H', 3_600_000],
    ['P1DT12H', 129_600_000],
    ['PT0.5S', 500],
    ['P1W', 604_800_000],
  ];
  for (const [text, ms] of ok) it(`parses ${text}`, () => assert.equal(parseDuration(text), ms));
  for (const bad of ['', '10', '-5m', '5 minutes', 'P1M', 'P1Y', 'PT', '0s', '1x', '0.0001s'])
    it(`rejects "${bad}"`, () =>
      assert.throws(
        () => parseDuration(bad, 'BATON_SYNC_INTERVAL'),
        /^Error: BATON_SYNC_INTERVAL: expected a duration/,
      ));
});

import assert from 'node:assert/strict';
import {
  describeStatus,
  ProgressReporter,
  reportingProgress,
  type Every,
  type PhaseStatus,
} from '../../src/framework/progress.js';
import type { CollectPhase, PhaseContext } from '../../src/framework/collect.js';
import { createLogger } from '../../src/observability/logger.js';

/** A logger whose lines the test reads, a clock it moves and a timer it fires. */
function harness() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ destination: { write: (l: string) => void lines.push(JSON.parse(l)) } });
  let t = Date.parse('2026-01-01T00:00:00Z');
  const ticks: (() => void)[] = [];
  let stopped = 0;
  const every: Every = (_ms, fn) => {
    ticks.push(fn);
    return { stop: () => void stopped++ };
  };
  const seen: PhaseStatus[][] = [];
  const reporter = new ProgressReporter({
    logger,
    now: () => t,
    every,
    listener: (running) => seen.push(running.map((s) => ({ ...s }))),
  });
  const progressLines = () =>
    lines.filter((l) => typeof l.phase === 'string' && 'perSecond' in l).map((l) => l.msg);
  return {
    reporter,
    lines,
    progressLines,
    seen,
    advance: (ms: number) => (t += ms),
    tick: () => ticks.forEach((f) => f()),
    stopped: () => stopped,
  };
}

describe('progress reporter', () => {
  it('logs counts, rate and estimate at most every 10 s, for every running phase', () => {
    const h = harness();
    const users = h.reporter.begin('users');
    const groups = h.reporter.begin('groups');
    users.progress.expect(1000);
    h.advance(5_000);
    users.progress.read(200);
    assert.deepEqual(h.progressLines(), [], 'nothing before 10 s');
    h.advance(5_000);
    groups.progress.read(50);
    assert.deepEqual(h.progressLines(), [
      'users: 200 of 1000 (20%), 20/s, about 40 s left',
      'groups: 50, 5/s',
    ]);
    h.advance(9_000);
    users.progress.read(900);
    assert.equal(h.progressLines().length, 2, 'the next round waits 10 s');
    h.advance(1_000);
    users.progress.read(1000);
    assert.deepEqual(h.progressLines().slice(2), [
      'users: 1000 of 1000 (100%), 50/s, about 0 s left',
      'groups: 50, 3/s',
    ]);
    const line = h.lines.find((l) => l.msg === 'users: 200 of 1000 (20%), 20/s, about 40 s left')!;
    assert.deepEqual(
      {
        phase: line.phase,
        items: line.items,
        total: line.total,
        perSecond: line.perSecond,
        eta: line.etaSeconds,
      },
      { phase: 'users', items: 200, total: 1000, perSecond: 20, eta: 40 },
    );
  });

  it('a phase held back (no page for a while) still reports on the timer', () => {
    const h = harness();
    const { progress } = h.reporter.begin('devices');
    progress.read(100);
    h.advance(30_000);
    h.tick();
    assert.deepEqual(h.progressLines(), ['devices: 100, 3/s']);
  });

  it("a resumed phase's rate counts only what this run read", () => {
    const h = harness();
    const { progress } = h.reporter.begin('users');
    progress.resume(5_000);
    progress.expect(10_000);
    h.advance(10_000);
    progress.read(6_000);
    assert.deepEqual(h.progressLines(), ['users: 6000 of 10000 (60%), 100/s, about 40 s left']);
  });

  it('tells the listener of every change and of a phase that ends, not of phases that count nothing', () => {
    const h = harness();
    const a = h.reporter.begin('a');
    const b = h.reporter.begin('b');
    const silent = h.reporter.begin('silent');
    a.progress.read(1);
    b.progress.read(0);
    a.end();
    assert.deepEqual(
      h.seen.at(-1)!.map((s) => s.phase),
      ['b'],
    );
    assert.equal(h.stopped(), 0);
    b.end();
    assert.deepEqual(h.seen.at(-1), []);
    assert.equal(h.stopped(), 0, 'a phase still runs');
    silent.end();
    assert.equal(h.stopped(), 1, 'the timer stops with the last phase');
  });

  it('reportingProgress hands each phase its own handle and ends it when the phase fails', async () => {
    const h = harness();
    const plan: CollectPhase[] = [
      {
        name: 'ok',
        run: async (ctx: PhaseContext) => {
          ctx.progress!.read(3);
          assert.deepEqual(
            h.reporter.statuses().map((s) => [s.phase, s.items]),
            [['ok', 3]],
          );
          return 3;
        },
      },
      { name: 'bad', run: () => Promise.reject(new Error('boom')) },
    ];
    const [ok, bad] = reportingProgress(plan, h.reporter);
    const ctx = {} as PhaseContext;
    assert.equal(await ok!.run(ctx), 3);
    await assert.rejects(bad!.run(ctx), /boom/);
    assert.deepEqual(h.reporter.statuses(), []);
  });

  it('describes a phase in words', () => {
    assert.equal(
      describeStatus({ phase: 'users', items: 120, total: 100, perSecond: 7, etaSeconds: 0 }),
      'users: 120 of 100 (100%), 7/s, about 0 s left',
    );
    assert.equal(
      describeStatus({ phase: 'groups', items: 10, total: 50_000, perSecond: 6, etaSeconds: 8332 }),
      'groups: 10 of 50000 (0%), 6/s, about 2 h 19 min left',
    );
  });
});

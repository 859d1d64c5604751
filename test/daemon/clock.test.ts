import assert from 'node:assert/strict';
import fc from 'fast-check';
import { realClock } from '../../src/daemon/clock.js';
import { parseDuration } from '../../src/daemon/scheduler.js';
import { ManualClock } from '../support/manual-clock.js';

describe('clocks', () => {
  it('realClock.sleep resolves, and rejects promptly with the abort reason', async () => {
    await realClock.sleep(1);
    const ac = new AbortController();
    const p = realClock.sleep(60_000, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    await assert.rejects(realClock.sleep(10, AbortSignal.abort()), { name: 'AbortError' });
  });

  it('ManualClock fires due timers in order, ties in creation order, cleared ones never', () => {
    const c = new ManualClock(0);
    const fired: string[] = [];
    c.setTimeout(() => fired.push('b@20'), 20);
    c.setTimeout(() => fired.push('a@10'), 10);
    c.setTimeout(() => fired.push('c@10'), 10);
    const gone = c.setTimeout(() => fired.push('never'), 15);
    c.clearTimeout(gone);
    c.advance(15);
    assert.deepEqual(fired, ['a@10', 'c@10']);
    assert.equal(c.now(), 15);
    c.advance(5);
    assert.deepEqual(fired, ['a@10', 'c@10', 'b@20']);
    assert.equal(c.pending, 0);
  });

  it('ManualClock.advanceAsync runs timers that async callbacks schedule within the window', async () => {
    const c = new ManualClock(0);
    const ticks: number[] = [];
    void (async () => {
      for (let i = 0; i < 3; i++) {
        await c.sleep(100);
        ticks.push(c.now());
      }
    })();
    await c.advanceAsync(250);
    assert.deepEqual(ticks, [100, 200]);
    await c.advanceAsync(50);
    assert.deepEqual(ticks, [100, 200, 300]);
  });
});

describe('parseDuration (properties)', () => {
  it('sums compound unit durations and agrees with the ISO form', () => {
    fc.assert(
      fc.property(fc.nat(30), fc.nat(23), fc.nat(59), fc.nat(59), (d, h, m, s) => {
        fc.pre(d + h + m + s > 0);
        const ms = ((d * 24 + h) * 60 + m) * 60_000 + s * 1000;
        const compact = `${d ? `${d}d` : ''}${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
        assert.equal(parseDuration(compact), ms);
        assert.equal(parseDuration(`P${d}DT${h}H${m}M${s}S`), ms);
      }),
    );
  });

  it('never returns a non-positive or non-integer value', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (text) => {
        try {
          const ms = parseDuration(text);
          assert.ok(Number.isInteger(ms) && ms > 0);
        } catch (err) {
          assert.match((err as Error).message, /^duration: expected a duration/);
        }
      }),
    );
  });
});

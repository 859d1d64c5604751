import { EventEmitter } from 'node:events';
import { MAX_TIMER_MS, sleepWith, type Clock, type TimerHandle } from '../../src/daemon/clock.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A clock that only moves when the test says so. Timers fire in due order (ties in creation order)
 * as time is advanced, and overflow past MAX_TIMER_MS as Node's do. `whenPending(n)` lets a test wait until code under test has gone to sleep,
 * instead of guessing with real delays.
 */
export class ManualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly timers = new Map<number, Timer>();
  private readonly events = new EventEmitter();

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
    this.events.setMaxListeners(0);
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    // As Node does: a delay past MAX_TIMER_MS (~24.8 days) fires after 1 ms.
    const delay = ms > MAX_TIMER_MS ? 1 : Math.max(0, ms);
    const timer = { id: ++this.seq, due: this.current + delay, fn };
    this.timers.set(timer.id, timer);
    this.events.emit('change');
    return timer.id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle): void {
    if (this.timers.delete(handle as unknown as number)) this.events.emit('change');
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepWith(this, ms, signal);
  }

  /** Number of timers not yet fired or cleared. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the earliest pending timer is due, if any. */
  nextDue(): number | undefined {
    return this.earliest()?.due;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order (synchronously). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let t = this.earliest(target); t; t = this.earliest(target)) this.fire(t);
    this.current = target;
  }

  /**
   * Like `advance`, but lets promise continuations run after each timer, so timers scheduled by an
   * async callback (e.g. a loop that awaits then sleeps again) also fire within the window.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (let t = this.earliest(target); t; t = this.earliest(target)) {
      this.fire(t);
      await flushMicrotasks();
    }
    this.current = target;
  }

  /** Moves time without firing any timer, as a blocked event loop would experience it. */
  jump(ms: number): void {
    this.current += ms;
  }

  /** Jumps to the earliest pending timer and fires it (and any others due at that instant). */
  async advanceToNext(): Promise<number | undefined> {
    const due = this.nextDue();
    if (due === undefined) return undefined;
    await this.advanceAsync(due - this.current);
    return due;
  }

  /** Resolves once at least `count` timers are pending (code under test is waiting on the clock). */
  whenPending(count = 1): Promise<void> {
    if (this.timers.size >= count) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.timers.size < count) return;
        this.events.off('change', check);
        resolve();
      };
      this.events.on('change', check);
    });
  }

  private earliest(limit = Infinity): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) {
      if (t.due <= limit && (!best || t.due < best.due || (t.due === best.due && t.id < best.id))) best = t;
    }
    return best;
  }

  private fire(t: Timer): void {
    this.timers.delete(t.id);
    this.current = Math.max(this.current, t.due);
    t.fn();
    this.events.emit('change');
  }
}

/** Lets queued promise continuations (several hops deep) run. */
export async function flushMicrotasks(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/**
 * Time as a dependency: everything in the daemon that waits (scheduler, leader election, config
 * polling, shutdown bounds) takes a `Clock`, so tests drive time explicitly and never sleep.
 */

/** An opaque timer handle; only meaningful to the clock that created it. */
export interface TimerHandle {
  readonly __timerHandle?: never;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  /** Resolves after `ms`; rejects with `signal.reason` as soon as `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The longest delay a Node timer honours: 2^31 − 1 ms, about 24.8 days. A longer one fires after
 * 1 ms instead (with a TimeoutOverflowWarning), so a wait of 30 days would end at once.
 * https://nodejs.org/api/timers.html#settimeoutcallback-delay-args
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** A wait of any length, made of timers no longer than `MAX_TIMER_MS`. */
export interface LongTimer {
  cancel(): void;
}

/**
 * Calls `fn` at `dueAt` (clock time), however far away: past `MAX_TIMER_MS` it sleeps in hops,
 * re-reading the clock at each one so that the last hop ends on the due time.
 */
export function setTimerAt(clock: Clock, dueAt: number, fn: () => void): LongTimer {
  let handle: TimerHandle | undefined;
  const hop = (): void => {
    const left = dueAt - clock.now();
    handle = left > MAX_TIMER_MS ? clock.setTimeout(hop, MAX_TIMER_MS) : clock.setTimeout(fn, left);
  };
  hop();
  return {
    cancel: () => {
      if (handle !== undefined) clock.clearTimeout(handle);
      handle = undefined;
    },
  };
}

/** Builds `sleep` on top of a clock's own timers (shared by the real and the manual clock). */
export function sleepWith(
  clock: Pick<Clock, 'setTimeout' | 'clearTimeout'>,
  ms: number,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(abortReason(signal!));
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, Math.max(0, ms)) as unknown as TimerHandle,
  clearTimeout: (handle) => globalThis.clearTimeout(handle as unknown as NodeJS.Timeout),
  sleep(ms, signal) {
    return sleepWith(realClock, ms, signal);
  },
};

/** Exponential backoff with full jitter: a random delay in [base/2, base], base doubling to `maxMs`. */
export function backoffDelay(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (random() * base) / 2);
}

/**
 * A sleep that ends early when woken (new work arrived) or when the signal aborts (shutdown).
 * Resolves either way; callers re-check their state.
 */
export class Waker {
  private wakers = new Set<() => void>();
  private pending = false;

  wake(): void {
    this.pending = true;
    for (const w of [...this.wakers]) w();
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending || signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakers.delete(done);
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      this.wakers.add(done);
    });
  }
}

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

/**
 * The simulator's clock. Token lifetimes, delta-link expiry and the throttling bucket all read it,
 * so a test can move time forward instead of waiting.
 */
export class SimClock {
  private offset = 0;

  constructor(
    private readonly base: () => number = Date.now,
    private readonly injected = false,
  ) {}

  now(): number {
    return this.base() + this.offset;
  }

  /** Moves time forward; refused when the caller injected its own clock (it owns time then). */
  advance(ms: number): void {
    if (this.injected)
      throw new Error(
        'advanceClock: the simulator was started with an injected `now`; move that clock instead',
      );
    if (!Number.isFinite(ms) || ms < 0)
      throw new Error(`advanceClock: ms must be a non-negative number, got ${ms}`);
    this.offset += ms;
  }
}

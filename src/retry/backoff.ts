/**
 * The one backoff schedule of the product: the Graph and Exchange clients, the control-plane
 * agent's Hello, polling and upload loops all wait by it between attempts.
 */

export interface BackoffPolicy {
  /** The ceiling after the first failure. */
  initialMs: number;
  /** The ceiling never grows past this. */
  maxMs: number;
}

/** 1 s doubling to 60 s: Microsoft's guidance for Graph, and the default everywhere else. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 60_000 };

/**
 * Capped exponential backoff with full jitter: after the `failures`-th failure in a row (1 for the
 * first), a uniform wait in [0, min(maxMs, initialMs·2^(failures-1))]. Full jitter spreads retries
 * of many clients that failed together best of the usual schemes.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function backoffDelay(
  failures: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  // The exponent is bounded so that a long outage cannot overflow to Infinity.
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

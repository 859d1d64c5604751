import { setFlagsFromString } from 'node:v8';

/**
 * Keeps V8's young generation at its initial size for the life of the process. A sync allocates
 * at a high rate objects that live for one page or one batch (parsed Graph pages, resources,
 * grants); V8 answers by growing the young generation towards its maximum and promoting what
 * survives, so the heap it holds grows far past what is live: on a 100k-user tenant the live heap
 * stays near 10 MiB while the heap total reached 300 MiB. Without growth, scavenges run more often
 * over a small space, at no measurable CPU cost (bench: same emit CPU, peak RSS a quarter lower).
 * V8 reads this flag whenever it considers growing the space, so setting it at startup works.
 * https://nodejs.org/api/v8.html#v8setflagsfromstringflags
 */
export function boundYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

import { fetch, type Dispatcher } from 'undici';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { NetworkFailure } from './call-options.js';

/**
 * Last link of the middleware chain: sends the request with undici's fetch through our dispatcher
 * (proxy or direct) with a per-attempt timeout. Failures without a response become NetworkFailure
 * so the retry middleware can tell them from credential errors.
 */
export class FetchHandler implements Middleware {
  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly timeoutMs: number,
  ) {}

  async execute(context: Context): Promise<void> {
    const options = (context.options ?? {}) as RequestInit & { signal?: AbortSignal };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    try {
      const response = await fetch(String(context.request), {
        method: options.method ?? 'GET',
        headers: options.headers as Record<string, string> | undefined,
        body: (options.body as string | undefined) ?? null,
        signal,
        dispatcher: this.dispatcher,
      });
      context.response = response as unknown as Response;
    } catch (err) {
      // A caller's abort is final; everything else (including our timeout) may be retried.
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      throw new NetworkFailure(networkCode(err, timeout.aborted), err);
    }
  }
}

function networkCode(err: unknown, timedOut: boolean): string {
  if (timedOut) return 'ETIMEDOUT';
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return (err as Error)?.name ?? 'ERROR';
}

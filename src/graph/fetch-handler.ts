import { fetch, Response, type Dispatcher } from 'undici';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { CallOptions, NetworkFailure } from './call-options.js';

/** Statuses whose response has no body by definition (a Response refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Last link of the middleware chain: sends the request with undici's fetch through our dispatcher
 * (proxy or direct) with a per-attempt timeout, and reads the whole body within the attempt.
 * Failures without a complete response — none at all, or a body cut off mid-stream — become
 * NetworkFailure so the retry middleware can tell them from credential errors and resend what is
 * safe to resend. A successful JSON answer to a call that may be resent is parsed here too, so an
 * unparsable one (cut short by a proxy that still closed it cleanly) is resent as well.
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
      const call = context.middlewareControl?.getMiddlewareOptions(CallOptions) as CallOptions | undefined;
      if (call) call.parsed = undefined;
      const method = options.method ?? 'GET';
      const response = await fetch(String(context.request), {
        method,
        headers: options.headers as Record<string, string> | undefined,
        body: (options.body as string | undefined) ?? null,
        signal,
        dispatcher: this.dispatcher,
      });
      const bodyless = NULL_BODY.has(response.status) || method === 'HEAD';
      const body = bodyless ? null : Buffer.from(await response.arrayBuffer());
      if (body && call?.idempotent && response.ok && isJson(response.headers.get('content-type'))) {
        const text = body.toString('utf8');
        try {
          call.parsed = { body: text.trim() === '' ? undefined : (JSON.parse(text) as unknown) };
        } catch (err) {
          throw new NetworkFailure('EBADBODY', err);
        }
      }
      context.response = new Response(body, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      }) as unknown as globalThis.Response;
    } catch (err) {
      // A caller's abort is final; everything else (including our timeout) may be retried.
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      throw new NetworkFailure(networkCode(err, timeout.aborted), err);
    }
  }
}

function isJson(contentType: string | null): boolean {
  return contentType !== null && /\bjson\b/i.test(contentType);
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

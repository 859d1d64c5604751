import { setTimeout as delay } from 'node:timers/promises';
import type { TokenCredential } from '@azure/identity';
import { fetch, type Dispatcher } from 'undici';
import type { ConnectorConfig } from '../config/types.js';
import { exchangeScope } from '../graph/credentials.js';
import { parseRetryAfter } from '../graph/retry-policy.js';
import { backoffDelay } from '../retry/backoff.js';

/**
 * The Exchange Online admin API: `POST {exchange}/adminapi/beta/{tenantId}/InvokeCommand`, the REST
 * endpoint behind Exchange Online PowerShell V3. Undocumented; the shape is the one public EXO
 * tooling uses (graph.md §11). Distribution lists and mail-enabled security groups are read-only in
 * Graph, so their members and owners are changed here.
 */
export interface ExchangeClient {
  invoke<T = Record<string, unknown>>(
    cmdlet: string,
    parameters: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<T[]>;
  readonly stats: { requests: number };
}

/** A failed cmdlet, with its PowerShell exception type (e.g. `MemberAlreadyExistsException`). */
export class ExchangeError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly exception: string | undefined,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ExchangeError';
  }
}

/** The well-known system mailbox app-only callers anchor on. */
const SYSTEM_MAILBOX = 'SystemMailbox{bb558c35-97f1-4cb9-8ff7-d53741dc928c}';
const MAX_ATTEMPTS = 5;

export interface ExchangeClientOptions {
  credential: TokenCredential;
  dispatcher: Dispatcher;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  requestTimeoutMs?: number;
}

export function createExchangeClient(
  config: Pick<ConnectorConfig, 'exchangeBaseUrl' | 'auth'>,
  o: ExchangeClientOptions,
): ExchangeClient {
  const scope = exchangeScope(config);
  const tenantId = config.auth.tenantId;
  const url = `${config.exchangeBaseUrl.replace(/\/+$/, '')}/adminapi/beta/${encodeURIComponent(tenantId)}/InvokeCommand`;
  const sleep =
    o.sleep ?? ((ms: number, signal?: AbortSignal) => delay(ms, undefined, signal ? { signal } : undefined));
  const now = o.now ?? Date.now;
  const stats = { requests: 0 };

  async function post(target: string, body: string, cmdlet: string, signal?: AbortSignal): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      const token = await o.credential.getToken(scope, signal ? { abortSignal: signal } : {});
      if (!token) throw new ExchangeError(`exchange: no token for ${scope}`, 401, undefined, false);
      const timeout = AbortSignal.timeout(o.requestTimeoutMs ?? 100_000);
      stats.requests++;
      let res;
      try {
        res = await fetch(target, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token.token}`,
            'Content-Type': 'application/json',
            Accept: 'application/json',
            Prefer: 'odata.maxpagesize=1000',
            'X-CmdletName': cmdlet,
            'X-ResponseFormat': 'json',
            'X-AnchorMailbox': `APP:${SYSTEM_MAILBOX}@${tenantId}`,
          },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          dispatcher: o.dispatcher,
        });
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        // No answer: the cmdlet may have run. The caller re-reads or relies on the cmdlet's own
        // "already a member" answer; this client does not resend blindly.
        throw new ExchangeError(
          `exchange: ${cmdlet}: no response (${(err as Error).message})`,
          0,
          undefined,
          true,
        );
      }
      const text = await res.text();
      if (res.ok) return text ? JSON.parse(text) : {};
      // 429 and 503 mean "not processed": safe to send again after the server's Retry-After.
      if ((res.status === 429 || res.status === 503) && attempt < MAX_ATTEMPTS) {
        const wait = parseRetryAfter(res.headers.get('retry-after'), now()) ?? backoffDelay(attempt);
        await sleep(wait, signal);
        continue;
      }
      throw exchangeFailure(cmdlet, res.status, text);
    }
  }

  return {
    stats,
    async invoke<T>(cmdlet: string, parameters: Record<string, unknown>, signal?: AbortSignal): Promise<T[]> {
      const body = JSON.stringify({ CmdletInput: { CmdletName: cmdlet, Parameters: parameters } });
      const out: T[] = [];
      let target: string | undefined = url;
      // Get-* cmdlets page with @odata.nextLink, which is re-POSTed with the same body.
      for (let pages = 0; target && pages < 10_000; pages++) {
        const page = (await post(target, body, cmdlet, signal)) as {
          value?: T[];
          '@odata.nextLink'?: string;
        };
        out.push(...(page.value ?? []));
        const next: string | undefined = page['@odata.nextLink'];
        if (next && new URL(next).origin !== new URL(url).origin) {
          throw new ExchangeError(
            `exchange: ${cmdlet}: refusing a next link to another origin`,
            0,
            undefined,
            false,
          );
        }
        target = next;
      }
      return out;
    },
  };
}

/**
 * The exception type and message of an EXO error body: `error.details[0].message`, then
 * `error.innererror.internalException`, then `error.message` (the order CIPP reads them in). The
 * message is `|Namespace.ExceptionType|text`.
 */
export function exchangeFailure(cmdlet: string, status: number, text: string): ExchangeError {
  let exception: string | undefined;
  let detail: string;
  try {
    const e = (JSON.parse(text) as { error?: Record<string, unknown> }).error ?? {};
    const inner = e.innererror as
      { internalException?: { message?: string; type?: string }; message?: string } | undefined;
    const typeName =
      inner?.internalException?.type ??
      (inner as Record<string, unknown> | undefined)?.[
        '@Microsoft.Exchange.Admin.OData.Core.Error.ExceptionType'
      ];
    const full = String(
      (e.details as { message?: string }[] | undefined)?.[0]?.message ??
        inner?.internalException?.message ??
        e.message ??
        '',
    );
    const m = /\|([\w.]+)\|(.*)$/s.exec(full);
    exception = (typeof typeName === 'string' ? typeName : m?.[1])?.split('.').pop();
    detail = m?.[2] ?? inner?.internalException?.message ?? String(e.message ?? '');
  } catch {
    detail = `HTTP ${status}`;
  }
  const retryable = status === 429 || status >= 500;
  return new ExchangeError(
    `exchange: ${cmdlet}: ${exception ?? `HTTP ${status}`}${detail ? `: ${detail}` : ''}`,
    status,
    exception,
    retryable,
  );
}

import { randomUUID } from 'node:crypto';

/**
 * A request as the simulator's handlers see it: already read, header names lower-cased. Handlers
 * return a `SimResponse` instead of writing to a socket, so the same Graph handler serves a plain
 * request and an inner request of a JSON batch.
 */
export interface SimRequest {
  method: string;
  /** Decoded path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  requestId: string;
  clientRequestId: string;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON-serialised unless it is already a string or Buffer. */
  body?: unknown;
}

export function newRequestId(): string {
  return randomUUID();
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return {
    status,
    headers: {
      'content-type':
        'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
      ...headers,
    },
    body,
  };
}

export function noContent(headers: Record<string, string> = {}): SimResponse {
  return { status: 204, headers, body: undefined };
}

/**
 * Graph's error body: `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 * https://learn.microsoft.com/graph/errors
 */
export function graphError(
  req: Pick<SimRequest, 'requestId' | 'clientRequestId'>,
  now: number,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  details?: readonly { code: string; target: string }[],
): SimResponse {
  return json(
    status,
    {
      error: {
        code,
        message,
        ...(details ? { details } : {}),
        innerError: {
          date: new Date(now).toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': req.requestId,
          'client-request-id': req.clientRequestId,
        },
      },
    },
    headers,
  );
}

/** Thrown by Graph handlers to answer with a Graph error; the router turns it into a response. */
export class GraphHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** `error.details`, e.g. `[{"code":"InvalidValue","target":"mailNickname"}]`. */
    readonly details?: readonly { code: string; target: string }[],
  ) {
    super(message);
    this.name = 'GraphHttpError';
  }
}

export function parseJsonBody(req: SimRequest): unknown {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    throw new GraphHttpError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}

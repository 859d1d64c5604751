import type { IncomingMessage, ServerResponse } from 'node:http';
import { newRequestId, type SimRequest, type SimResponse } from './message.js';
import { route, type RouterParts } from './router.js';

const MAX_BODY = 16 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function bodyOf(r: SimResponse): string | Buffer | undefined {
  return r.body === undefined
    ? undefined
    : typeof r.body === 'string' || Buffer.isBuffer(r.body)
      ? r.body
      : JSON.stringify(r.body);
}

/**
 * Writes the head (with the whole body's Content-Length) and the first half of the body, then
 * drops the connection: the client sees a response cut off mid-stream.
 */
function writeTruncated(req: IncomingMessage, res: ServerResponse, r: SimResponse): void {
  const body = Buffer.from(bodyOf(r) ?? '');
  res.writeHead(r.status, { ...r.headers, 'content-length': body.length });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => req.socket.destroy());
}

export function write(res: ServerResponse, r: SimResponse): void {
  const body = bodyOf(r);
  res.writeHead(r.status, {
    ...r.headers,
    ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}),
  });
  res.end(body);
}

/** The node:https request listener: reads the request, routes it, writes (or drops) the answer. */
export function createListener(parts: RouterParts, onError: (err: unknown) => void) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const headers = lowerHeaders(req);
      let path: string;
      try {
        path = decodeURIComponent(url.pathname);
      } catch {
        req.resume();
        write(res, {
          status: 400,
          headers: { 'content-type': 'application/json' },
          body: { error: { code: 'BadRequest', message: 'The request URL is not validly percent-encoded.' } },
        });
        return;
      }
      const sim: SimRequest = {
        method: (req.method ?? 'GET').toUpperCase(),
        path,
        query: url.searchParams,
        headers,
        body: await readBody(req),
        requestId: newRequestId(),
        clientRequestId: headers['client-request-id'] ?? newRequestId(),
      };
      const outcome = await route(parts, sim);
      if (outcome.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (outcome.kind === 'truncated') {
        writeTruncated(req, res, outcome.res);
        return;
      }
      if (outcome.kind === 'respond' && outcome.delayMs)
        await new Promise((r) => setTimeout(r, outcome.delayMs));
      if (res.destroyed) return;
      write(res, outcome.res);
    } catch (err) {
      onError(err);
      if (!res.headersSent)
        write(res, {
          status: 500,
          headers: { 'content-type': 'application/json' },
          body: {
            error: { code: 'InternalServerError', message: 'The simulator failed to serve this request.' },
          },
        });
      else res.destroy();
    }
  };
}

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { testTls } from './test-tls.js';

/** A request as the scripted server saw it. */
export interface SeenRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  json?: unknown;
}

/** One expected request and its canned answer. */
export interface Expectation {
  method: string;
  /** Exact path+query, or a pattern over it. */
  url: string | RegExp;
  status?: number;
  headers?: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  /** JSON body computed from the request and the server's origin (for links back to the server). */
  bodyFn?: (req: SeenRequest, origin: string) => unknown;
  /** Raw body text (not JSON-encoded). */
  rawBody?: string;
  /** Hold the answer until this resolves (to observe concurrency). */
  hold?: Promise<void>;
  /** Drop the connection instead of answering (a reset). */
  reset?: boolean;
}

/**
 * A loopback HTTPS server that answers from a script: each incoming request consumes the first
 * unconsumed expectation with the same method and matching URL. Anything unexpected is answered
 * 418 (never retried) and reported by `assertDone()`, as is any expectation left unconsumed.
 */
export class ScriptedServer {
  readonly seen: SeenRequest[] = [];
  readonly unexpected: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private readonly script: (Expectation & { used?: boolean })[] = [];
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<ScriptedServer> {
    const { certPem, keyPem } = await testTls();
    const server = createServer({ cert: certPem, key: keyPem });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const scripted = new ScriptedServer(server, `https://127.0.0.1:${port}`);
    server.on('connection', (s: Socket) => {
      scripted.sockets.add(s);
      s.on('close', () => scripted.sockets.delete(s));
    });
    server.on('request', (req, res) => void scripted.handle(req, res));
    return scripted;
  }

  /** `127.0.0.1:port` — what BATON_GRAPH_DOMAIN would be. */
  get host(): string {
    return new URL(this.origin).host;
  }

  expect(...items: Expectation[]): this {
    this.script.push(...items);
    return this;
  }

  assertDone(): void {
    const left = this.script.filter((e) => !e.used).map((e) => `${e.method} ${String(e.url)}`);
    const problems = [
      ...this.unexpected.map((u) => `unexpected ${u}`),
      ...left.map((l) => `not requested: ${l}`),
    ];
    if (problems.length) throw new Error(`scripted server:\n  ${problems.join('\n  ')}`);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      let body = '';
      for await (const chunk of req) body += String(chunk);
      const seen: SeenRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      try {
        if (body) seen.json = JSON.parse(body);
      } catch {
        // form bodies (token requests) stay text
      }
      this.seen.push(seen);
      const match = this.script.find(
        (e) =>
          !e.used &&
          e.method === seen.method &&
          (typeof e.url === 'string' ? e.url === seen.url : e.url.test(seen.url)),
      );
      if (!match) {
        this.unexpected.push(`${seen.method} ${seen.url}`);
        res
          .writeHead(418, { 'content-type': 'application/json' })
          .end('{"error":{"code":"UnexpectedRequest"}}');
        return;
      }
      match.used = true;
      if (match.hold) await match.hold;
      if (match.reset) {
        req.socket.destroy();
        return;
      }
      let json: unknown;
      try {
        json = match.bodyFn ? match.bodyFn(seen, this.origin) : match.body;
      } catch (err) {
        // A failed check inside bodyFn: report it from assertDone(), answer something unmistakable.
        this.unexpected.push(`${seen.method} ${seen.url} failed a check: ${(err as Error).message}`);
        res
          .writeHead(417, { 'content-type': 'application/json' })
          .end('{"error":{"code":"ScriptCheckFailed"}}');
        return;
      }
      const payload = match.rawBody ?? (json === undefined ? '' : JSON.stringify(json));
      res.writeHead(match.status ?? 200, {
        ...(payload && match.rawBody === undefined ? { 'content-type': 'application/json' } : {}),
        ...match.headers,
      });
      res.end(payload);
    } finally {
      this.inFlight--;
    }
  }
}

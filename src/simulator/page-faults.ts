import { json, type SimRequest, type SimResponse } from './http/message.js';

/** Pages remembered for `repeat-items` (a sample of each, keyed by the link that follows it). */
const REMEMBERED_PAGES = 512;
const SAMPLE = 2;
const EMPTY_TOKEN = /^simEmpty\.(\d+)$/;

type Page = Record<string, unknown> & { value: Record<string, unknown>[] };

/** The decoded query as fault rules match it: `name=value` pairs joined by `&`. */
export function decodedQuery(query: URLSearchParams): string {
  return [...query].map(([k, v]) => `${k}=${v}`).join('&');
}

function isPage(res: SimResponse): res is SimResponse & { body: Page } {
  const b = res.body as Page | undefined;
  return res.status === 200 && typeof b === 'object' && b !== null && Array.isArray(b.value);
}

/**
 * The faults that reshape a collection page rather than fail it. Each keeps the listing's meaning:
 * a client that follows every link and applies items idempotently ends with the same state.
 */
export class PageFaults {
  /** Empty pages handed out: token → the query of the real page they stand in front of. */
  private readonly empties = new Map<number, string>();
  private nextEmpty = 0;
  /** A sample of served pages, by the path and query of the page that follows each. */
  private readonly previous = new Map<string, Record<string, unknown>[]>();

  constructor(private readonly random: () => number) {}

  /**
   * The request an empty page's `@odata.nextLink` stands for (its original query), undefined when
   * it is not such a link; throws for an unknown one (a simulator restarted since).
   */
  restore(req: SimRequest): SimRequest | undefined {
    const m = EMPTY_TOKEN.exec(req.query.get('$skiptoken') ?? '');
    if (!m) return undefined;
    const query = this.empties.get(Number(m[1]));
    if (query === undefined) throw new Error(`unknown empty-page token ${m[0]}`);
    return { ...req, query: new URLSearchParams(query) };
  }

  /**
   * "If Microsoft Graph returns a @odata.nextLink URL, there are more pages of data to retrieve in
   * the session, even if the current response contains an empty result."
   * https://learn.microsoft.com/graph/delta-query-overview#use-delta-query-to-track-changes-in-a-resource-collection
   */
  emptyPage(req: SimRequest, origin: string): SimResponse {
    const n = this.nextEmpty++;
    this.empties.set(n, req.query.toString());
    return json(200, {
      '@odata.context': `${origin}${req.path.replace(/^(\/(?:v1\.0|beta)).*/, '$1')}/$metadata`,
      '@odata.nextLink': `${origin}${req.path}?$skiptoken=simEmpty.${n}`,
      value: [],
    });
  }

  /** Notes a sample of a served page under the link that follows it, for `repeat-items`. */
  remember(res: SimResponse): void {
    if (!isPage(res) || res.body.value.length === 0) return;
    const next = res.body['@odata.nextLink'];
    if (typeof next !== 'string') return;
    const url = new URL(next);
    this.previous.set(`${url.pathname}?${decodedQuery(url.searchParams)}`, res.body.value.slice(-SAMPLE));
    if (this.previous.size > REMEMBERED_PAGES) this.previous.delete(this.previous.keys().next().value!);
  }

  /**
   * A delta response may return an object more than once: "the same group may appear more than
   * once", its members split across the appearances; each copy is the object's current state.
   * https://learn.microsoft.com/graph/delta-query-groups#track-changes-to-groups
   * Adds one item of this page again and, when the page before is known, one of that page's.
   */
  repeatItems(req: SimRequest, res: SimResponse): SimResponse {
    if (!isPage(res) || res.body.value.length === 0) return res;
    const items = res.body.value;
    const again = [structuredClone(items[Math.floor(this.random() * items.length)]!)];
    const before = this.previous.get(`${req.path}?${decodedQuery(req.query)}`);
    if (before?.length) again.unshift(structuredClone(before[Math.floor(this.random() * before.length)]!));
    return { ...res, body: { ...res.body, value: [...again.slice(0, 1), ...items, ...again.slice(1)] } };
  }

  /**
   * An object created and deleted between two rounds comes back as `@removed` though the client
   * never saw it, and a removed member may be one the client never held: both must change nothing.
   * https://learn.microsoft.com/graph/delta-query-overview#resource-representation-in-the-delta-query-response
   */
  phantomItems(res: SimResponse): SimResponse {
    if (!isPage(res)) return res;
    const value = res.body.value.map((item) => {
      const members = item['members@delta'];
      if (!Array.isArray(members) || this.random() >= 0.5) return item;
      const removed = {
        '@odata.type': '#microsoft.graph.user',
        id: this.guid(),
        '@removed': { reason: 'deleted' },
      };
      return { ...item, 'members@delta': [...(members as unknown[]), removed] };
    });
    value.push({ id: this.guid(), '@removed': { reason: 'deleted' } });
    return { ...res, body: { ...res.body, value } };
  }

  private guid(): string {
    let hex = '';
    while (hex.length < 32)
      hex += Math.floor(this.random() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
}

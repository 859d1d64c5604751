import type { SimContext } from '../context.js';
import { GraphHttpError, json, type SimResponse } from '../http/message.js';
import { evaluate } from './filter.js';
import { matchesSearch, type QueryOptions } from './query.js';
import type { ResourceType } from './resource-types.js';

export type GraphVersion = 'v1.0' | 'beta';

/** Enough of a request for serving a collection: its version, path and query. */
export interface CollectionRequest {
  version: GraphVersion;
  path: string;
  query: URLSearchParams;
}

export interface ListSpec<T> {
  /** The declared type of the collection (validation) … */
  type: ResourceType;
  /** … and the type of each item, when the collection mixes kinds (members, owners). */
  typeOf?: (item: T) => ResourceType;
  items: readonly T[];
  /** After `$metadata#`, e.g. `users` or `directoryObjects`. */
  contextPath: string;
  /** Documented default and maximum `$top`: 100 / 999 for directory collections. */
  defaultTop?: number;
  maxTop?: number;
  /** Collections Graph does not page (directoryRoles and their members). */
  unpaged?: boolean;
  /** Resolves an `$expand` for one item. */
  expand?: (item: T, name: string) => unknown;
  /** Extra properties on every item (e.g. `@odata.type`). */
  annotate?: (item: T) => Record<string, unknown>;
}

/** Limit on expanded directoryObject relations: 20 items, no nextLink. https://learn.microsoft.com/graph/query-parameters#expand */
export const EXPAND_ITEM_LIMIT = 20;
/** `$expand` on a list caps the page at 100 (known issue 13635 on users). */
export const EXPAND_PAGE_CAP = 100;
/** A `/users` request naming signInActivity gets pages of at most 120. https://learn.microsoft.com/graph/api/resources/signinactivity */
export const SIGN_IN_ACTIVITY_PAGE_CAP = 120;

interface SkipState {
  o: number;
}

export function encodeSkipToken(s: SkipState): string {
  return `RFNwdAIA${Buffer.from(JSON.stringify(s)).toString('base64url')}`;
}

export function decodeSkipToken(token: string): SkipState {
  try {
    if (!token.startsWith('RFNwdAIA')) throw new Error('prefix');
    const s = JSON.parse(Buffer.from(token.slice(8), 'base64url').toString('utf8')) as SkipState;
    if (!Number.isInteger(s.o) || s.o < 0) throw new Error('offset');
    return s;
  } catch {
    throw new GraphHttpError(
      400,
      'Directory_ExpiredPageToken',
      'The specified page token value has expired and can no longer be included in your request.',
    );
  }
}

/** Projects a record to `$select` (id always included) or to the type's default properties. */
export function project(
  rec: object,
  type: ResourceType,
  select: readonly string[] | undefined,
): Record<string, unknown> {
  const r = rec as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (select) {
    out.id = r.id;
    for (const p of select) if (p in r && r[p] !== undefined && type.properties.has(p)) out[p] = r[p];
    return out;
  }
  const names = type.defaultSelect ?? [...type.properties].filter((p) => !type.selectOnly?.has(p));
  for (const p of names) if (p in r && r[p] !== undefined) out[p] = r[p];
  return out;
}

export function contextUrl(
  ctx: SimContext,
  version: GraphVersion,
  path: string,
  select?: readonly string[],
): string {
  return `${ctx.origin}/${version}/$metadata#${path}${select ? `(${select.join(',')})` : ''}`;
}

function sortItems<T>(items: readonly T[], by: { property: string; desc: boolean }): T[] {
  const key = (x: T): string => String((x as Record<string, unknown>)[by.property] ?? '').toLowerCase();
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return by.desc ? sorted.reverse() : sorted;
}

/**
 * Serves one page of a collection with Graph's paging rules: `@odata.nextLink` carrying an opaque
 * `$skiptoken` and every original option, `@odata.count` on the first page only.
 * https://learn.microsoft.com/graph/paging
 */
export function listPage<T extends object>(
  ctx: SimContext,
  req: CollectionRequest,
  q: QueryOptions,
  spec: ListSpec<T>,
): SimResponse {
  const maxTop = spec.maxTop ?? 999;
  if (q.top !== undefined && q.top > maxTop && !spec.unpaged) {
    throw new GraphHttpError(
      400,
      'Request_UnsupportedQuery',
      `Invalid page size specified: '${q.top}'. Must be between 1 and ${maxTop} inclusive.`,
    );
  }
  let items: readonly T[] = spec.items;
  if (q.filter) {
    const root = q.filter.root;
    items = items.filter((x) => evaluate(root, x));
  }
  if (q.search) {
    const search = q.search;
    items = items.filter((x) => matchesSearch(x, search));
  }
  if (q.orderBy) items = sortItems(items, q.orderBy);
  let pageSize = spec.unpaged ? items.length : (q.top ?? spec.defaultTop ?? 100);
  if (q.expand.length > 0) pageSize = Math.min(pageSize, EXPAND_PAGE_CAP);
  const namesSignIn = q.select?.includes('signInActivity') || q.filter?.properties.has('signInActivity');
  if (namesSignIn) pageSize = Math.min(pageSize, SIGN_IN_ACTIVITY_PAGE_CAP);
  const offset = q.skipToken ? decodeSkipToken(q.skipToken).o : 0;
  const slice = items.slice(offset, offset + pageSize);
  const value = slice.map((item) => {
    const itemType = spec.typeOf?.(item) ?? spec.type;
    const out = { ...(spec.annotate?.(item) ?? {}), ...project(item, itemType, q.select) };
    for (const e of q.expand) out[e.name] = expandValue(spec.expand?.(item, e.name), e.select);
    return out;
  });
  const body: Record<string, unknown> = {
    '@odata.context': contextUrl(ctx, req.version, spec.contextPath, q.select),
  };
  if (q.count && offset === 0) body['@odata.count'] = items.length;
  if (offset + pageSize < items.length)
    body['@odata.nextLink'] = nextLink(ctx, req, encodeSkipToken({ o: offset + pageSize }));
  body.value = value;
  return json(200, body);
}

function expandValue(v: unknown, select: readonly string[] | undefined): unknown {
  const pick = (o: unknown): unknown => {
    if (!select || o === null || typeof o !== 'object') return o;
    const r = o as Record<string, unknown>;
    const out: Record<string, unknown> = { id: r.id };
    if (r['@odata.type'] !== undefined) out['@odata.type'] = r['@odata.type'];
    for (const p of select) if (r[p] !== undefined) out[p] = r[p];
    return out;
  };
  if (Array.isArray(v)) return v.slice(0, EXPAND_ITEM_LIMIT).map(pick);
  return v === undefined ? null : pick(v);
}

export function nextLink(
  ctx: SimContext,
  req: CollectionRequest,
  skipToken: string,
  param = '$skiptoken',
): string {
  const params = new URLSearchParams(req.query);
  params.delete('$skiptoken');
  params.delete('$deltatoken');
  params.set(param, skipToken);
  return `${ctx.origin}/${req.version}${req.path}?${params.toString().replace(/%24/g, '$').replace(/%2C/g, ',')}`;
}

/** A single entity, projected. */
export function entity(
  ctx: SimContext,
  req: CollectionRequest,
  q: QueryOptions,
  type: ResourceType,
  rec: object,
  contextPath: string,
  extra: Record<string, unknown> = {},
): SimResponse {
  const proj = q.select ? project(rec, type, q.select) : project(rec, type, undefined);
  return json(200, {
    '@odata.context': contextUrl(ctx, req.version, `${contextPath}/$entity`, q.select),
    ...extra,
    ...proj,
  });
}

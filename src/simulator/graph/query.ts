import { GraphHttpError } from '../http/message.js';
import { parseFilter, type ParsedFilter } from './filter.js';
import { DIRECTORY_OBJECT_TYPES, type ResourceType } from './resource-types.js';

/**
 * Directory objects expand one relationship per request: "Only one relationship can be expanded in
 * a single request" (learn.microsoft.com/graph/query-parameters#expand-parameter; today's page
 * says "for some APIs"), and for users Microsoft said the limit "is not expected to change",
 * quoting the refusal reproduced here (github.com/microsoftgraph/microsoft-graph-docs/issues/96).
 */
const DIRECTORY_TYPES = new Set(Object.values(DIRECTORY_OBJECT_TYPES));

/** The OData system query options of one request, validated against the resource type. */
export interface QueryOptions {
  select?: string[];
  top?: number;
  count: boolean;
  filter?: ParsedFilter;
  expand: { name: string; select?: string[] }[];
  orderBy?: { property: string; desc: boolean };
  /** `$search="prop:text" OR "prop:text"` clauses (OR-ed; AND binds within a group). */
  search?: { property: string; text: string }[][];
  skipToken?: string;
  /** `ConsistencyLevel: eventual` was sent. */
  eventual: boolean;
}

export function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

export function unknownProperty(type: ResourceType, name: string): GraphHttpError {
  return new GraphHttpError(
    400,
    'BadRequest',
    `Could not find a property named '${name}' on type 'microsoft.graph.${type.name}'.`,
  );
}

/** Reads `$select`; `allowNavigation` lets delta select relationships (`members`, `manager`). */
export function parseSelect(
  raw: string | null,
  type: ResourceType,
  allowNavigation = false,
): string[] | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (type.properties.has(n) || (allowNavigation && type.navigation.has(n))) continue;
    throw unknownProperty(type, n);
  }
  return names;
}

/**
 * Parses and validates the options of a collection or entity request.
 * https://learn.microsoft.com/graph/query-parameters and
 * https://learn.microsoft.com/graph/aad-advanced-queries (advanced-query rules).
 */
export function parseQuery(
  q: URLSearchParams,
  headers: Record<string, string>,
  type: ResourceType,
  opts: { allowNavigationSelect?: boolean } = {},
): QueryOptions {
  const eventual = (headers.consistencylevel ?? '').toLowerCase() === 'eventual';
  const select = parseSelect(q.get('$select'), type, opts.allowNavigationSelect);
  const topRaw = q.get('$top');
  let top: number | undefined;
  if (topRaw !== null) {
    top = Number(topRaw);
    if (!Number.isInteger(top) || top < 1)
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Invalid value '${topRaw}' for $top query option found. The $top query option requires a non-negative integer value.`,
      );
  }
  const countRaw = q.get('$count');
  if (countRaw !== null && countRaw !== 'true' && countRaw !== 'false')
    throw new GraphHttpError(400, 'BadRequest', `'${countRaw}' is not a valid count option.`);
  const count = countRaw === 'true';
  const filterRaw = q.get('$filter');
  const filter = filterRaw !== null && filterRaw.trim() !== '' ? parseFilter(filterRaw) : undefined;
  for (const p of filter?.properties ?? []) {
    if (!type.properties.has(p) && !(type.name === 'directoryObject')) throw unknownProperty(type, p);
  }
  const expand = splitTopLevel(q.get('$expand') ?? '').map((e) => {
    const m = /^(\w+)(?:\((.*)\))?$/.exec(e);
    if (!m)
      throw new GraphHttpError(
        400,
        'BadRequest',
        `Parsing OData Select and Expand failed: syntax error at '${e}'.`,
      );
    const name = m[1] as string;
    if (!type.navigation.has(name)) throw unknownProperty(type, name);
    const inner = new URLSearchParams((m[2] ?? '').split(';').join('&'));
    const sel = inner.get('$select');
    return { name, ...(sel ? { select: sel.split(',').map((s) => s.trim()) } : {}) };
  });
  if (expand.length > 1 && DIRECTORY_TYPES.has(type))
    throw new GraphHttpError(
      400,
      'BadRequest',
      'The result of parsing $expand contained at least 2 items, but the maximum allowed is 1.',
    );
  const orderRaw = q.get('$orderby');
  let orderBy: QueryOptions['orderBy'];
  if (orderRaw) {
    const [property = '', dir = 'asc'] = orderRaw.trim().split(/\s+/);
    if (!type.properties.has(property)) throw unknownProperty(type, property);
    orderBy = { property, desc: dir.toLowerCase() === 'desc' };
  }
  let search: QueryOptions['search'];
  if (q.has('$search')) {
    search = parseSearch(q.get('$search') ?? '', type);
    if (!eventual)
      throw new GraphHttpError(
        400,
        'Request_BadRequest',
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      );
  }
  // Advanced queries: `ne`, `not`, `endsWith`, `$count=true` and `$filter`+`$orderby` need both the
  // ConsistencyLevel header and `$count=true`.
  const needsAdvanced = (filter?.advanced ?? false) || (filter !== undefined && orderBy !== undefined);
  if (needsAdvanced && !(eventual && count)) {
    throw new GraphHttpError(
      400,
      'Request_UnsupportedQuery',
      'Unsupported or invalid query filter clause specified for property or operator. Advanced query capabilities need the ConsistencyLevel header set to eventual and $count=true.',
    );
  }
  if (count && !eventual)
    throw new GraphHttpError(400, 'Request_BadRequest', '$count is not currently supported.');
  return {
    ...(select ? { select } : {}),
    ...(top !== undefined ? { top } : {}),
    count,
    ...(filter ? { filter } : {}),
    expand,
    ...(orderBy ? { orderBy } : {}),
    ...(search ? { search } : {}),
    ...(q.get('$skiptoken') ? { skipToken: q.get('$skiptoken') as string } : {}),
    eventual,
  };
}

/**
 * `$search="displayName:room" OR "mail:room"`: tokenized, case-insensitive matching of words that
 * start with the text. https://learn.microsoft.com/graph/search-query-parameter#using-search-on-directory-object-collections
 */
function parseSearch(raw: string, type: ResourceType): { property: string; text: string }[][] {
  const groups = raw.split(/\s+OR\s+/).map((g) =>
    g.split(/\s+AND\s+/).map((clause) => {
      const m = /^"([A-Za-z]+):([^"]*)"$/.exec(clause.trim());
      if (!m)
        throw new GraphHttpError(
          400,
          'Request_UnsupportedQuery',
          `Syntax error in $search: '${clause}'. Expected "property:text".`,
        );
      if (!type.properties.has(m[1] as string)) throw unknownProperty(type, m[1] as string);
      return { property: m[1] as string, text: (m[2] as string).toLowerCase() };
    }),
  );
  return groups;
}

/** Whether a record matches a parsed `$search`. */
export function matchesSearch(rec: object, search: { property: string; text: string }[][]): boolean {
  const r = rec as Record<string, unknown>;
  return search.some((group) =>
    group.every(({ property, text }) => {
      const v = r[property];
      if (typeof v !== 'string') return false;
      const lower = v.toLowerCase();
      return lower.startsWith(text) || lower.split(/[\s._@-]+/).some((w) => w.startsWith(text));
    }),
  );
}

import { GraphHttpError, type SimResponse } from '../http/message.js';
import { evaluate } from './filter.js';
import { matchesSearch, parseQuery } from './query.js';
import type { ResourceType } from './resource-types.js';
import type { GraphRequest } from './route.js';

/**
 * The `$count` segment (`/users/$count?$filter=…`): an advanced query, so it needs
 * `ConsistencyLevel: eventual`; answers a plain-text number, honouring `$filter` and `$search`.
 * https://learn.microsoft.com/graph/aad-advanced-queries#support-for-filter-by-properties-of-microsoft-entra-id-directory-objects
 */
export function countSegment(req: GraphRequest, type: ResourceType, items: readonly object[]): SimResponse {
  if ((req.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    throw new GraphHttpError(400, 'Request_BadRequest', 'Count is not currently supported.');
  }
  // parseQuery's advanced-query rule wants $count=true; the segment itself is the count.
  const query = new URLSearchParams(req.query);
  query.set('$count', 'true');
  const q = parseQuery(query, req.headers, type);
  let n = 0;
  for (const x of items) {
    if (q.filter && !evaluate(q.filter.root, x)) continue;
    if (q.search && !matchesSearch(x, q.search)) continue;
    n++;
  }
  return { status: 200, headers: { 'content-type': 'text/plain;charset=utf-8' }, body: String(n) };
}

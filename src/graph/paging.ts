import type { GraphPage } from './types.js';
import { protocolBug } from './classify.js';

interface CollectionBody {
  value?: unknown;
  '@odata.nextLink'?: unknown;
  '@odata.deltaLink'?: unknown;
  '@odata.count'?: unknown;
}

/**
 * Yields every page of a collection, following `@odata.nextLink` verbatim until it is absent.
 * A link seen before (the same page again, or a cycle A→B→A) is a broken invariant, not the end:
 * stopping there would pass a partial listing off as complete.
 * https://learn.microsoft.com/en-us/graph/paging
 */
export async function* followPages<T>(
  firstUrl: string,
  fetchPage: (url: string) => Promise<unknown>,
): AsyncGenerator<GraphPage<T>> {
  const seen = new Set<string>();
  let url: string | undefined = firstUrl;
  while (url !== undefined) {
    if (seen.has(url)) throw protocolBug('GET', url, 'page link repeated; the listing would never end');
    seen.add(url);
    const body = (await fetchPage(url)) as CollectionBody | undefined;
    if (!body || !Array.isArray(body.value))
      throw protocolBug('GET', url, 'collection response without a value array');
    const next = body['@odata.nextLink'];
    const delta = body['@odata.deltaLink'];
    const count = body['@odata.count'];
    if (next !== undefined && typeof next !== 'string')
      throw protocolBug('GET', url, '@odata.nextLink is not a string');
    yield {
      value: body.value as T[],
      ...(typeof next === 'string' ? { nextLink: next } : {}),
      ...(typeof delta === 'string' ? { deltaLink: delta } : {}),
      ...(typeof count === 'number' ? { count } : {}),
    };
    url = typeof next === 'string' ? next : undefined;
  }
}

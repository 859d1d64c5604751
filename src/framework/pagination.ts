import { ConnectorBugError } from './errors.js';
import type { Page } from './types.js';

/**
 * Walks a paged listing to its end, yielding each page. A token seen twice means the listing
 * would never end (or would loop over the same data): that is a connector bug, and the listing
 * fails instead of being cut short and read as complete.
 */
export async function* drainPages<T>(
  what: string,
  fetch: (token: string | undefined) => Promise<Page<T>>,
  signal?: AbortSignal,
): AsyncGenerator<T[]> {
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    signal?.throwIfAborted();
    const page = await fetch(token);
    yield page.items;
    token = page.nextPageToken;
    if (token !== undefined) {
      if (seen.has(token)) {
        throw new ConnectorBugError(
          `${what}: page token repeated (${token.slice(0, 80)}); the listing would not end`,
        );
      }
      seen.add(token);
    }
  } while (token !== undefined);
}

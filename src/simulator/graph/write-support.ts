import { GraphHttpError, parseJsonBody, type SimRequest } from '../http/message.js';
import type { Guid } from '../tenant/model.js';

/** Helpers shared by the Graph write routes. */
export const badRequest = (message: string) => new GraphHttpError(400, 'Request_BadRequest', message);
export const SYNCED =
  'Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.';

/** Runs a store mutation; a refusal by the store's rules becomes Graph's 400. */
export function apply<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof GraphHttpError) throw err;
    throw badRequest(err instanceof Error ? err.message : String(err));
  }
}

export function body(req: Pick<SimRequest, 'body'>): Record<string, unknown> {
  const b = parseJsonBody(req as never);
  if (b === null || typeof b !== 'object' || Array.isArray(b))
    throw new GraphHttpError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  return b as Record<string, unknown>;
}

/** The object id at the end of an `@odata.id` reference (`…/directoryObjects/{id}` or `…/users/{id}`). */
export function refId(b: Record<string, unknown>): Guid {
  const ref = b['@odata.id'];
  const m = typeof ref === 'string' ? /\/([0-9a-fA-F-]{36})$/.exec(ref) : null;
  if (!m)
    throw new GraphHttpError(
      400,
      'BadRequest',
      "Invalid object identifier in '@odata.id': expected a URL ending with an object id.",
    );
  return m[1] as Guid;
}

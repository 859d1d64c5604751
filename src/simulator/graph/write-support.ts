import { GraphHttpError, parseJsonBody, type SimRequest } from '../http/message.js';
import type { SimContext } from '../context.js';
import type { Guid } from '../tenant/model.js';
import { groupFlavour } from '../tenant/rules.js';
import { heldPermissions } from '../identity/bearer.js';
import { notFound } from './directory.js';
import { grants, PERMS } from './permissions.js';
import type { GraphRequest } from './route.js';

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

/**
 * Group-link writes and their quirks: mail-enabled security and distribution groups are read-only
 * in Graph (400 in practice, not the documented 403), synced groups refuse writes, a duplicate add
 * is a 400 "already exist". https://learn.microsoft.com/graph/api/group-post-members
 */
export function checkWritableGroup(ctx: SimContext, groupId: Guid, req?: GraphRequest) {
  const g = ctx.store.groups.get(groupId);
  if (!g) throw notFound(groupId);
  // "The calling user must be assigned the RoleManagement.ReadWrite.Directory permission to set
  // the isAssignableToRole property or update the membership of such groups."
  // https://learn.microsoft.com/graph/api/group-post-groups
  if (req && g.isAssignableToRole === true && !grants(heldPermissions(req.claims), PERMS.rolesWrite))
    throw new GraphHttpError(
      403,
      'Authorization_RequestDenied',
      'Insufficient privileges to complete the operation.',
    );
  const flavour = groupFlavour(g);
  if (flavour === 'distribution' || flavour === 'mailEnabledSecurity')
    throw badRequest('Cannot Update a mail-enabled security groups and or distribution list.');
  if (g.onPremisesSyncEnabled === true) throw badRequest(SYNCED);
  return g;
}

import type { SimContext } from '../context.js';
import { GraphHttpError } from '../http/message.js';
import type { DirectoryObjectKind, Guid } from '../tenant/model.js';

/** A directory object of any kind, as stored, with its kind. */
export interface DirObject {
  id: Guid;
  kind: DirectoryObjectKind;
  rec: object;
}

export function lookup(ctx: SimContext, id: Guid): DirObject | undefined {
  const kind = ctx.store.kindOf(id);
  if (!kind) return undefined;
  const s = ctx.store;
  const rec =
    kind === 'user'
      ? s.users.get(id)
      : kind === 'group'
        ? s.groups.get(id)
        : kind === 'servicePrincipal'
          ? s.servicePrincipals.get(id)
          : kind === 'device'
            ? s.devices.get(id)
            : kind === 'orgContact'
              ? s.orgContacts.get(id)
              : kind === 'application'
                ? s.applications.get(id)
                : s.administrativeUnits.get(id);
  return rec ? { id, kind, rec } : undefined;
}

export function objects(ctx: SimContext, ids: readonly Guid[]): DirObject[] {
  return ids.map((id) => lookup(ctx, id)).filter((o): o is DirObject => o !== undefined);
}

export const odataType = (kind: DirectoryObjectKind): string => `#microsoft.graph.${kind}`;

/** A directory object as a mixed collection returns it: `@odata.type` + all its properties. */
export function asDirectoryObject(o: DirObject): Record<string, unknown> {
  return { '@odata.type': odataType(o.kind), ...(o.rec as Record<string, unknown>) };
}

/**
 * Resolves `{id | userPrincipalName}` as `/users/{key}` does.
 * https://learn.microsoft.com/graph/api/user-get
 */
export function findUser(ctx: SimContext, key: string) {
  const direct = ctx.store.users.get(key);
  if (direct) return direct;
  const lower = key.toLowerCase();
  for (const u of ctx.store.users.values()) if (u.userPrincipalName.toLowerCase() === lower) return u;
  return undefined;
}

export function notFound(id: string): GraphHttpError {
  return new GraphHttpError(
    404,
    'Request_ResourceNotFound',
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}

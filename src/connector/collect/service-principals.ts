import { plainProperties, type CollectContext, type CollectPhase } from './context.js';
import { runPagedPhase } from './paged.js';

export const SP_SELECT = [
  'id',
  'appId',
  'appDisplayName',
  'displayName',
  'description',
  'accountEnabled',
  'appOwnerOrganizationId',
  'appRoles',
  'homepage',
  'info',
  'servicePrincipalType',
  'tags',
  'createdDateTime',
  // For the credential resources (SAML signing certificates live on the service principal).
  'passwordCredentials',
  'keyCredentials',
  // Profile fields of managed identities (resource ids) and enterprise apps (SAML/OIDC).
  'alternativeNames',
  'preferredSingleSignOnMode',
];

/** `$expand` on a directory relationship returns at most 20 items and no nextLink. */
export const EXPAND_CAP = 20;

type Item = Record<string, unknown>;
interface Assignment {
  appRoleId: string;
  principalId: string;
  principalType: string;
}

/** Graph's `principalType` (`User`, `Group`, `ServicePrincipal`) as a directory object kind. */
function principalKind(t: string): string {
  return t === 'ServicePrincipal' ? 'servicePrincipal' : t.toLowerCase();
}

export function storeAssignments(ctx: CollectContext, spId: string, list: Assignment[]): void {
  for (const a of list) {
    ctx.db.source.link({
      kind: 'servicePrincipal',
      ownerId: spId,
      rel: `assignment:${a.appRoleId}`,
      targetId: a.principalId,
      targetKind: principalKind(a.principalType),
    });
  }
}

/**
 * Every service principal with its app-role assignments expanded. The expansion is capped at 20
 * items without a nextLink, so a principal that came back with 20 is marked for a full listing of
 * `/servicePrincipals/{id}/appRoleAssignedTo` (the next phase); the rest need no further request.
 * https://learn.microsoft.com/graph/query-parameters#expand-parameter
 */
export const servicePrincipalsPhase: CollectPhase = {
  name: 'servicePrincipals',
  run(ctx: CollectContext) {
    return runPagedPhase<Item>(ctx, {
      phase: 'servicePrincipals',
      startUrl: `/servicePrincipals?$select=${SP_SELECT.join(',')}&$expand=appRoleAssignedTo&$top=999`,
      onPage: (items) => {
        for (const item of items) {
          const id = item.id as string;
          const sp = plainProperties(item);
          delete sp.appRoleAssignedTo;
          ctx.db.source.put('servicePrincipal', id, sp);
          const assigned = Array.isArray(item.appRoleAssignedTo)
            ? (item.appRoleAssignedTo as Assignment[])
            : [];
          storeAssignments(ctx, id, assigned);
          if (assigned.length >= EXPAND_CAP) ctx.db.source.put('spOverflow', id, {});
        }
      },
    });
  },
};

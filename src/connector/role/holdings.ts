import { GraphError } from '../../graph/errors.js';
import type { GraphClient } from '../../graph/types.js';

/** `assigned` (active) or `eligible`, the two entitlements of a role. */
export type RoleSlug = 'assigned' | 'eligible';

/** One direct holding of a role by a principal: where, and (for `roleAssignments`) its id. */
export interface Holding {
  id: string;
  principalId: string;
  directoryScopeId: string;
}

const BASE = '/roleManagement/directory';

/** PIM's listing for a slug: the schedule instances of active assignments or of eligibilities. */
function instancesPath(slug: RoleSlug): string {
  return `${BASE}/${slug === 'assigned' ? 'roleAssignmentScheduleInstances' : 'roleEligibilityScheduleInstances'}`;
}

/** Graph's answer in a tenant without Entra ID P2 to anything PIM. graph.md §5 */
export function isPimUnlicensed(err: unknown): boolean {
  return err instanceof GraphError && err.details.code === 'AadPremiumLicenseRequired';
}

async function collect(
  graph: GraphClient,
  path: string,
  signal: AbortSignal | undefined,
  keep: (o: Record<string, unknown>) => boolean = () => true,
): Promise<Holding[]> {
  const out: Holding[] = [];
  for await (const page of graph.pages<Record<string, unknown>>(path, signal ? { signal } : {}))
    for (const o of page.value)
      if (keep(o))
        out.push({
          id: o.id as string,
          principalId: o.principalId as string,
          directoryScopeId: (o.directoryScopeId as string | undefined) ?? '/',
        });
  return out;
}

const filterOf = (roleId: string, principalId?: string) =>
  `$filter=roleDefinitionId eq '${roleId}'${principalId ? ` and principalId eq '${principalId}'` : ''}`;

/**
 * What PIM holds for a role (and principal): direct instances only — those a role-assignable
 * group's members inherit (memberType Group) are the group's holding, not theirs.
 */
export function pimHoldings(
  graph: GraphClient,
  slug: RoleSlug,
  roleId: string,
  principalId?: string,
  signal?: AbortSignal,
): Promise<Holding[]> {
  return collect(
    graph,
    `${instancesPath(slug)}?${filterOf(roleId, principalId)}&$select=id,principalId,directoryScopeId,memberType`,
    signal,
    (o) => o.memberType === undefined || o.memberType === 'Direct',
  );
}

/** Active assignments as `roleAssignments` lists them (the only listing without Entra ID P2). */
export function directHoldings(
  graph: GraphClient,
  roleId: string,
  principalId?: string,
  signal?: AbortSignal,
): Promise<Holding[]> {
  return collect(
    graph,
    `${BASE}/roleAssignments?${filterOf(roleId, principalId)}&$select=id,principalId,directoryScopeId`,
    signal,
  );
}

/** Whether the tenant has PIM: its cheapest listing answers, or says AadPremiumLicenseRequired. */
export async function probePim(graph: GraphClient, signal?: AbortSignal): Promise<boolean> {
  try {
    await graph.get(`${instancesPath('eligible')}?$top=1&$select=id`, signal ? { signal } : {});
    return true;
  } catch (err) {
    if (isPimUnlicensed(err)) return false;
    throw err;
  }
}

/** How many principals hold the entitlement now, as the next sync will count them. */
export async function countHolders(
  graph: GraphClient,
  slug: RoleSlug,
  roleId: string,
  pim: boolean,
  signal?: AbortSignal,
): Promise<number> {
  const ids = new Set<string>();
  if (slug === 'assigned')
    for (const h of await directHoldings(graph, roleId, undefined, signal)) ids.add(h.principalId);
  if (pim) for (const h of await pimHoldings(graph, slug, roleId, undefined, signal)) ids.add(h.principalId);
  return ids.size;
}

import type {
  EntitlementRef,
  ImplementationResult,
  OperationOptions,
  ResourceProvisioner,
} from '../../framework/capabilities.js';
import { grantId } from '../../framework/ids.js';
import { GraphError } from '../../graph/errors.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { Grant, Principal } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import {
  answerLost,
  isAlreadyGone,
  isAlreadyThere,
  provisioningError,
  Writes,
  type ProvisionDeps,
} from '../shared/writes.js';
import {
  countHolders,
  directHoldings,
  isPimUnlicensed,
  pimHoldings,
  probePim,
  type RoleSlug,
} from './holdings.js';
import { assignRequest, removeRequest, requestPath, type RoleTarget } from './pim-request.js';

type Outcome = 'applied' | 'already_applied';

/** A tenant's licences change rarely; a bulk grant should not probe PIM once per grant. */
const PIM_TTL_MS = 10 * 60_000;
const TENANT = '/';
const ROLE_ASSIGNMENTS = '/roleManagement/directory/roleAssignments';
const PRINCIPAL_TYPES = ['user', 'group', 'enterprise_application', 'managed_identity'];

function slugOf(e: EntitlementRef): RoleSlug {
  if (e.slug === 'assigned' || e.slug === 'eligible') return e.slug;
  throw new ProvisioningError(
    'INVALID_ARGUMENT',
    `entitlement ${e.id}: a directory role offers assigned and eligible, not "${e.slug}"`,
  );
}

const needsPim = (what: string) =>
  new ProvisioningError(
    'FAILED_PRECONDITION',
    `${what} needs Privileged Identity Management, which needs Microsoft Entra ID P2 (or ID Governance); this tenant has neither (AadPremiumLicenseRequired)`,
  );

/** A lost answer or Graph's own words ("A conflicting object …") are settled by reading. */
const settledByReading = (err: unknown) =>
  answerLost(err) || isAlreadyThere(err) || (err instanceof GraphError && err.kind === 'bad_request');

/**
 * Directory roles (`role:<definition id>:assigned|eligible`) at tenant scope. Active assignments and
 * eligibilities go through PIM schedule requests; a tenant without Entra ID P2 has no PIM, so an
 * active assignment falls back to `roleAssignments` and an eligibility cannot be made at all.
 */
export function createRoleProvisioner(deps: ProvisionDeps): ResourceProvisioner {
  let pim: { at: number; licensed: Promise<boolean> } | undefined;

  function pimLicensed(signal?: AbortSignal): Promise<boolean> {
    if (pim && deps.now() - pim.at < PIM_TTL_MS) return pim.licensed;
    const licensed = probePim(deps.graph, signal).catch((err: unknown) => {
      pim = undefined;
      throw err;
    });
    pim = { at: deps.now(), licensed };
    return licensed;
  }
  const unlicensed = () => {
    pim = { at: deps.now(), licensed: Promise.resolve(false) };
  };

  /** Roles go to users, service principals and role-assignable groups (graph.md §5). */
  async function checkPrincipal(p: Principal, signal?: AbortSignal): Promise<void> {
    if (!PRINCIPAL_TYPES.includes(p.type))
      throw new ProvisioningError(
        'INVALID_ARGUMENT',
        `principal ${p.type}:${p.id}: directory roles go to users, role-assignable groups and service principals, not ${p.type}`,
      );
    if (p.type !== 'group') return;
    const g = await deps.graph
      .get<{ displayName?: string; isAssignableToRole?: boolean | null }>(
        `/groups/${encodeURIComponent(p.id)}?$select=id,displayName,isAssignableToRole`,
        signal ? { signal } : {},
      )
      .catch((err: unknown) => {
        throw provisioningError(`group ${p.id}`, err);
      });
    if (g.isAssignableToRole !== true)
      throw new ProvisioningError(
        'INVALID_ARGUMENT',
        `principal group:${p.id} (${g.displayName ?? ''}) is not role-assignable: a directory role goes only to a group created with isAssignableToRole, which cannot be set later`,
      );
  }

  async function heldVia(o: OperationOptions, slug: RoleSlug | 'direct', t: RoleTarget): Promise<boolean> {
    const held =
      slug === 'direct'
        ? await directHoldings(deps.graph, t.roleDefinitionId, t.principalId, o.signal)
        : await pimHoldings(deps.graph, slug, t.roleDefinitionId, t.principalId, o.signal);
    return held.some((h) => h.directoryScopeId === t.directoryScopeId);
  }

  async function pimAssign(w: Writes, o: OperationOptions, slug: RoleSlug, t: RoleTarget, why: string) {
    try {
      await w.graph('POST', requestPath(slug), assignRequest(t, deps.now(), o.durationMs, why));
      return 'applied';
    } catch (err) {
      // RoleAssignmentExists: done — and on a replay, done by the first attempt.
      if (isAlreadyThere(err)) return o.replay ? 'applied' : 'already_applied';
      if (answerLost(err) && (await heldVia(o, slug, t))) return 'applied';
      throw err;
    }
  }

  async function pimRemove(w: Writes, o: OperationOptions, slug: RoleSlug, t: RoleTarget, why: string) {
    // The grant stands for every scope the principal holds the role at; none found still asks PIM,
    // which answers RoleAssignmentDoesNotExist for what is gone.
    const held = await pimHoldings(deps.graph, slug, t.roleDefinitionId, t.principalId, o.signal);
    const scopes = held.length ? [...new Set(held.map((h) => h.directoryScopeId))] : [TENANT];
    let outcome: Outcome = 'already_applied';
    for (const directoryScopeId of scopes) {
      const at = { ...t, directoryScopeId };
      try {
        await w.graph('POST', requestPath(slug), removeRequest(at, why));
        outcome = 'applied';
      } catch (err) {
        if (isAlreadyGone(err)) continue;
        if (answerLost(err) && !(await heldVia(o, slug, at))) outcome = 'applied';
        else throw err;
      }
    }
    return o.replay ? 'applied' : outcome;
  }

  async function directAssign(w: Writes, o: OperationOptions, slug: RoleSlug, t: RoleTarget) {
    if (slug === 'eligible') throw needsPim('an eligible role assignment');
    if (o.durationMs !== undefined) throw needsPim('a time-bound role assignment');
    try {
      await w.graph('POST', ROLE_ASSIGNMENTS, {
        '@odata.type': '#microsoft.graph.unifiedRoleAssignment',
        ...t,
      });
      return 'applied';
    } catch (err) {
      // roleAssignments says "A conflicting object …" for a duplicate, in words only: read to be sure.
      if (settledByReading(err) && (await heldVia(o, 'direct', t)))
        return answerLost(err) || o.replay ? 'applied' : 'already_applied';
      throw err;
    }
  }

  async function directRemove(w: Writes, o: OperationOptions, slug: RoleSlug, t: RoleTarget) {
    if (slug === 'eligible') throw needsPim('an eligible role assignment');
    const held = await directHoldings(deps.graph, t.roleDefinitionId, t.principalId, o.signal);
    let outcome: Outcome = 'already_applied';
    for (const h of held) {
      try {
        await w.graph('DELETE', `${ROLE_ASSIGNMENTS}/${encodeURIComponent(h.id)}`);
        outcome = 'applied';
      } catch (err) {
        if (isAlreadyGone(err)) continue;
        if (answerLost(err) && !(await heldVia(o, 'direct', { ...t, directoryScopeId: h.directoryScopeId })))
          outcome = 'applied';
        else throw err;
      }
    }
    return o.replay ? 'applied' : outcome;
  }

  /** PIM first; a tenant found (or told by this very request) to lack it takes the direct way. */
  async function change(e: EntitlementRef, p: Principal, o: OperationOptions, add: boolean) {
    const slug = slugOf(e);
    const what = `${add ? 'grant of' : 'revoke of'} ${e.id} ${add ? 'to' : 'from'} ${p.type}:${p.id}`;
    try {
      if (add && o.durationMs !== undefined && !(o.durationMs >= 1000))
        throw new ProvisioningError(
          'INVALID_ARGUMENT',
          `duration ${o.durationMs} ms: a time-bound role assignment lasts at least a second`,
        );
      if (add) await checkPrincipal(p, o.signal);
      const w = new Writes(deps, o);
      const t: RoleTarget = {
        roleDefinitionId: e.resource.resource,
        principalId: p.id,
        directoryScopeId: TENANT,
      };
      const why = `baton-entra ${what}`;
      let outcome: Outcome | undefined;
      if (await pimLicensed(o.signal)) {
        try {
          outcome = add ? await pimAssign(w, o, slug, t, why) : await pimRemove(w, o, slug, t, why);
        } catch (err) {
          if (!isPimUnlicensed(err)) throw err;
          unlicensed();
        }
      }
      outcome ??= add ? await directAssign(w, o, slug, t) : await directRemove(w, o, slug, t);
      return done(outcome, e, p);
    } catch (err) {
      throw provisioningError(what, err);
    }
  }

  return {
    resourceType: RESOURCE_TYPES.role,
    grant: (e, p, o) => change(e, p, o, true),
    revoke: (grant, o) => change(grant.entitlement, grant.principal, o, false),
    async holders(e, signal) {
      const slug = slugOf(e);
      try {
        return await countHolders(deps.graph, slug, e.resource.resource, await pimLicensed(signal), signal);
      } catch (err) {
        if (!isPimUnlicensed(err)) throw err;
        unlicensed();
        return countHolders(deps.graph, slug, e.resource.resource, false, signal);
      }
    },
  };
}

function done(outcome: Outcome, e: EntitlementRef, p: Principal): ImplementationResult {
  const g: Grant = { id: grantId(e.id, p), entitlement: e.id, principal: p };
  // As the sync shows a group's grant: its members hold the role through it.
  if (p.type === 'group') g.expandable = [`group:${p.id}:member`];
  return { outcome, grants: [g] };
}

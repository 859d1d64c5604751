import type {
  EntitlementRef,
  ImplementationResult,
  OperationOptions,
  ResourceProvisioner,
} from '../../framework/capabilities.js';
import { grantId } from '../../framework/ids.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { Principal } from '../../framework/types.js';
import { GraphError } from '../../graph/errors.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import {
  answerLost,
  isAlreadyGone,
  isAlreadyThere,
  provisioningError,
  Writes,
  type ProvisionDeps,
} from '../shared/writes.js';
import { DEFAULT_ACCESS_ROLE } from './resource.js';
import { ScimTrigger } from './scim.js';

interface AppRole {
  id: string;
  value?: string | null;
  displayName?: string | null;
  allowedMemberTypes?: string[];
  isEnabled?: boolean;
}
interface SpFacts {
  id: string;
  displayName?: string;
  appRoles?: AppRole[];
}
interface Assignment {
  id: string;
  appRoleId: string;
  principalId: string;
}

/** App roles change rarely; a bulk grant should not read the same application for every principal. */
const FACTS_TTL_MS = 60_000;

type Target = { kind: 'owner' } | { kind: 'assignment'; appRoleId: string };

function targetOf(e: EntitlementRef): Target {
  if (e.slug === 'owner') return { kind: 'owner' };
  const m = /^assignment:([0-9a-fA-F-]{36})$/.exec(e.slug);
  if (m) return { kind: 'assignment', appRoleId: m[1]!.toLowerCase() };
  throw new ProvisioningError(
    'INVALID_ARGUMENT',
    `entitlement ${e.id}: an application offers owner and assignment:<appRoleId>, not "${e.slug}"`,
  );
}

/** Whom Graph assigns app roles to: users and groups take `User` roles, service principals `Application` roles. */
function memberTypeOf(p: Principal): 'User' | 'Application' {
  if (p.type === 'user' || p.type === 'group') return 'User';
  if (p.type === 'enterprise_application' || p.type === 'managed_identity') return 'Application';
  throw new ProvisioningError(
    'INVALID_ARGUMENT',
    `principal ${p.type}:${p.id}: app roles are assigned to users, groups and service principals`,
  );
}

/**
 * The role must be one of the application's, enabled, and open to the principal's kind; default
 * access (the all-zero id) is every application's.
 * https://learn.microsoft.com/graph/api/resources/approle
 */
function checkRole(sp: SpFacts, appRoleId: string, p: Principal): void {
  const member = memberTypeOf(p);
  if (appRoleId === DEFAULT_ACCESS_ROLE) return;
  const role = (sp.appRoles ?? []).find((r) => r.id.toLowerCase() === appRoleId);
  const app = `application ${sp.id} (${sp.displayName ?? ''})`;
  if (!role) throw new ProvisioningError('INVALID_ARGUMENT', `app role ${appRoleId} is not a role of ${app}`);
  const name = `app role ${role.value ?? role.displayName ?? role.id} (${role.id}) of ${app}`;
  if (role.isEnabled === false) throw new ProvisioningError('INVALID_ARGUMENT', `${name} is disabled`);
  if (!(role.allowedMemberTypes ?? []).includes(member)) {
    const takes = (role.allowedMemberTypes ?? []).map((t) =>
      t === 'User' ? 'users and groups' : 'applications',
    );
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `${name} cannot be assigned to ${p.type}:${p.id}: it is for ${takes.join(' and ') || 'no one'} (allowedMemberTypes)`,
    );
  }
}

/** Owners are users and service principals. https://learn.microsoft.com/graph/api/serviceprincipal-post-owners */
function checkOwner(p: Principal): void {
  if (p.type !== 'user' && p.type !== 'enterprise_application' && p.type !== 'managed_identity')
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `principal ${p.type}:${p.id}: application owners are users or service principals`,
    );
}

/**
 * App-role assignments (`enterprise_application:<id>:assignment:<appRoleId>`) and owners
 * (`…:owner`) of enterprise applications, through the service principal's `appRoleAssignedTo` and
 * `owners/$ref`. Managed identities have no entitlements of their own (the snapshot lists none):
 * they take app roles and ownership as principals, so their provisioner refuses.
 */
export function createAppProvisioners(deps: ProvisionDeps): ResourceProvisioner[] {
  const facts = new Map<string, { at: number; sp: Promise<SpFacts> }>();
  const scim = new ScimTrigger(deps);
  const opts = (signal?: AbortSignal) => (signal ? { signal } : {});

  function spFacts(id: string, signal?: AbortSignal): Promise<SpFacts> {
    const hit = facts.get(id);
    if (hit && deps.now() - hit.at < FACTS_TTL_MS) return hit.sp;
    const sp = deps.graph
      .get<SpFacts>(
        `/servicePrincipals/${encodeURIComponent(id)}?$select=id,displayName,appRoles`,
        opts(signal),
      )
      .catch((err: unknown) => {
        facts.delete(id);
        throw provisioningError(`application ${id}`, err);
      });
    facts.set(id, { at: deps.now(), sp });
    return sp;
  }

  /**
   * The principal's assignments of the application, read with a filter; should Graph refuse the
   * filter on this relationship, the whole list is read instead.
   */
  async function assignmentsOf(spId: string, pid: string, signal?: AbortSignal): Promise<Assignment[]> {
    const base = `/servicePrincipals/${encodeURIComponent(spId)}/appRoleAssignedTo`;
    const collect = async (path: string) => {
      const out: Assignment[] = [];
      for await (const page of deps.graph.pages<Assignment>(path, opts(signal))) out.push(...page.value);
      return out.filter((a) => a.principalId.toLowerCase() === pid.toLowerCase());
    };
    try {
      return await collect(`${base}?$filter=principalId eq '${pid}'&$select=id,appRoleId,principalId`);
    } catch (err) {
      if (!(err instanceof GraphError) || err.kind !== 'bad_request') throw err;
      return collect(`${base}?$select=id,appRoleId,principalId&$top=999`);
    }
  }

  async function isOwner(spId: string, pid: string, signal?: AbortSignal): Promise<boolean> {
    for await (const page of deps.graph.pages<{ id: string }>(
      `/servicePrincipals/${encodeURIComponent(spId)}/owners?$select=id`,
      opts(signal),
    ))
      if (page.value.some((o) => o.id === pid)) return true;
    return false;
  }

  /** An add that already holds, or a removal of what is gone, is done — after our own lost answer, by us. */
  const settled = (o: OperationOptions) => (o.replay ? 'applied' : 'already_applied');

  async function assign(
    spId: string,
    appRoleId: string,
    p: Principal,
    o: OperationOptions,
  ): Promise<'applied' | 'already_applied'> {
    const held = async () =>
      (await assignmentsOf(spId, p.id, o.signal)).some((a) => a.appRoleId.toLowerCase() === appRoleId);
    try {
      await new Writes(deps, o).graph('POST', `/servicePrincipals/${spId}/appRoleAssignedTo`, {
        principalId: p.id,
        resourceId: spId,
        appRoleId,
      });
      return 'applied';
    } catch (err) {
      if (isAlreadyThere(err)) return settled(o);
      if (answerLost(err) && (await held())) return 'applied';
      throw err;
    }
  }

  async function unassign(
    spId: string,
    appRoleId: string,
    p: Principal,
    o: OperationOptions,
  ): Promise<'applied' | 'already_applied'> {
    const find = async () =>
      (await assignmentsOf(spId, p.id, o.signal)).find((a) => a.appRoleId.toLowerCase() === appRoleId);
    const a = await find();
    if (!a) return settled(o);
    try {
      await new Writes(deps, o).graph('DELETE', `/servicePrincipals/${spId}/appRoleAssignedTo/${a.id}`);
      return 'applied';
    } catch (err) {
      // It was there a moment ago: gone now is this removal's doing (the client re-sends a DELETE
      // whose answer was lost) or a concurrent one's; either way this revoke did not find it done.
      if (isAlreadyGone(err)) return 'applied';
      if (answerLost(err) && !(await find())) return 'applied';
      throw err;
    }
  }

  async function owner(
    spId: string,
    p: Principal,
    o: OperationOptions,
    add: boolean,
  ): Promise<'applied' | 'already_applied'> {
    const w = new Writes(deps, o);
    try {
      if (add)
        await w.graph('POST', `/servicePrincipals/${spId}/owners/$ref`, {
          '@odata.id': w.directoryObject(p.id),
        });
      else await w.graph('DELETE', `/servicePrincipals/${spId}/owners/${p.id}/$ref`);
      return 'applied';
    } catch (err) {
      if (add ? isAlreadyThere(err) : isAlreadyGone(err)) return settled(o);
      if (answerLost(err) && (await isOwner(spId, p.id, o.signal)) === add) return 'applied';
      throw err;
    }
  }

  async function change(
    e: EntitlementRef,
    p: Principal,
    o: OperationOptions,
    add: boolean,
  ): Promise<ImplementationResult> {
    const target = targetOf(e);
    const spId = e.resource.resource;
    const what = `${add ? 'grant of' : 'revoke of'} ${e.id} ${add ? 'to' : 'from'} ${p.type}:${p.id}`;
    try {
      let outcome: 'applied' | 'already_applied';
      if (target.kind === 'owner') {
        if (add) checkOwner(p);
        outcome = await owner(spId, p, o, add);
      } else if (add) {
        checkRole(await spFacts(spId, o.signal), target.appRoleId, p);
        outcome = await assign(spId, target.appRoleId, p, o);
      } else {
        outcome = await unassign(spId, target.appRoleId, p, o);
      }
      const result: ImplementationResult = {
        outcome,
        grants: [{ id: grantId(e.id, p), entitlement: e.id, principal: p }],
      };
      if (add && target.kind === 'assignment' && outcome === 'applied' && scim.enabled)
        result.detail = { scim: await scim.afterGrant(spId, p, o) };
      return result;
    } catch (err) {
      throw provisioningError(what, err);
    }
  }

  async function holders(e: EntitlementRef, signal?: AbortSignal): Promise<number> {
    const target = targetOf(e);
    const sp = encodeURIComponent(e.resource.resource);
    let n = 0;
    if (target.kind === 'owner') {
      for await (const page of deps.graph.pages<{ id: string }>(
        `/servicePrincipals/${sp}/owners?$select=id`,
        opts(signal),
      ))
        n += page.value.length;
      return n;
    }
    for await (const page of deps.graph.pages<Assignment>(
      `/servicePrincipals/${sp}/appRoleAssignedTo?$select=id,appRoleId&$top=999`,
      opts(signal),
    ))
      n += page.value.filter((a) => a.appRoleId.toLowerCase() === target.appRoleId).length;
    return n;
  }

  const noEntitlements = (e: EntitlementRef): never => {
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `entitlement ${e.id}: a managed identity has no entitlements; it is granted app roles and ownership as a principal of an enterprise_application entitlement`,
    );
  };

  return [
    {
      resourceType: RESOURCE_TYPES.enterprise_application,
      grant: (e, p, o) => change(e, p, o, true),
      revoke: (grant, o) => change(grant.entitlement, grant.principal, o, false),
      holders,
    },
    {
      resourceType: RESOURCE_TYPES.managed_identity,
      grant: async (e) => noEntitlements(e),
      revoke: async (grant) => noEntitlements(grant.entitlement),
    },
  ];
}

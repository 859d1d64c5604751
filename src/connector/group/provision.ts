import type {
  EntitlementRef,
  ImplementationResult,
  OperationOptions,
  ResourceProvisioner,
} from '../../framework/capabilities.js';
import { grantId } from '../../framework/ids.js';
import { ProvisioningError } from '../../framework/provisioning/requests.js';
import type { Principal } from '../../framework/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import {
  answerLost,
  isAlreadyGone,
  isAlreadyThere,
  provisioningError,
  Writes,
  type ProvisionDeps,
} from '../shared/writes.js';
import { MemberAddQueue } from './member-queue.js';

/** What deciding how to change a group needs to know about it. */
export interface GroupFacts {
  id: string;
  displayName?: string;
  groupTypes?: string[];
  mailEnabled?: boolean;
  securityEnabled?: boolean;
  onPremisesSyncEnabled?: boolean | null;
  isAssignableToRole?: boolean | null;
}

const FACTS_SELECT =
  'id,displayName,groupTypes,mailEnabled,securityEnabled,onPremisesSyncEnabled,isAssignableToRole';
/** Group kinds change rarely; a bulk grant should not read the same group two thousand times. */
const FACTS_TTL_MS = 5 * 60_000;

/** Where a group's membership is written. https://learn.microsoft.com/graph/api/resources/groups-overview */
export type GroupChannel = 'graph' | 'exchange';

/**
 * Which API changes a group, or why nothing may: mail-enabled security groups and distribution
 * lists are read-only in Graph (graph.md §6) and go through Exchange; dynamic groups compute their
 * members from a rule; on-premises-synced groups are mastered in Active Directory.
 */
export function channelFor(g: GroupFacts): GroupChannel {
  const types = g.groupTypes ?? [];
  if (types.includes('DynamicMembership')) {
    throw new ProvisioningError(
      'FAILED_PRECONDITION',
      `group ${g.id} (${g.displayName ?? ''}) has dynamic membership: its members come from its membership rule and cannot be added or removed by hand`,
    );
  }
  if (g.onPremisesSyncEnabled === true) {
    throw new ProvisioningError(
      'FAILED_PRECONDITION',
      `group ${g.id} (${g.displayName ?? ''}) is synchronised from on-premises Active Directory: change it there`,
    );
  }
  if (types.includes('Unified')) return 'graph';
  return g.mailEnabled === true ? 'exchange' : 'graph';
}

/** Which principals a group takes, as Graph allows them (graph.md §6). */
export function checkPrincipal(g: GroupFacts, slug: 'member' | 'owner', p: Principal): void {
  const unified = (g.groupTypes ?? []).includes('Unified');
  const refuse = (why: string): never => {
    throw new ProvisioningError('INVALID_ARGUMENT', `principal ${p.type}:${p.id}: ${why}`);
  };
  if (slug === 'owner') {
    if (p.type !== 'user' && p.type !== 'enterprise_application' && p.type !== 'managed_identity')
      refuse(`group owners are users or service principals, not ${p.type}`);
    if (channelFor(g) === 'exchange' && p.type !== 'user')
      refuse('owners (ManagedBy) of an Exchange group are mailbox users');
    return;
  }
  const memberTypes = ['user', 'group', 'enterprise_application', 'managed_identity', 'device'];
  if (!memberTypes.includes(p.type)) refuse(`a group's members are ${memberTypes.join(', ')}`);
  if (unified && p.type !== 'user') refuse('Microsoft 365 groups take users only');
  if (g.isAssignableToRole === true && p.type === 'group')
    refuse('a role-assignable group cannot contain other groups');
  if (channelFor(g) === 'exchange' && p.type !== 'user' && p.type !== 'group')
    refuse('an Exchange distribution list or mail-enabled security group takes users and groups');
}

/**
 * Group membership and ownership (`group:<id>:member|owner`). Security and Microsoft 365 groups
 * through Graph `$ref` — concurrent member grants to one group coalesce into `PATCH` with
 * `members@odata.bind` — and distribution lists and mail-enabled security groups through Exchange.
 */
export function createGroupProvisioner(deps: ProvisionDeps): ResourceProvisioner {
  // The promise is kept, so that concurrent grants to one group share one read.
  const facts = new Map<string, { at: number; g: Promise<GroupFacts> }>();
  const queue = new MemberAddQueue(deps);

  function groupFacts(id: string, signal?: AbortSignal): Promise<GroupFacts> {
    const hit = facts.get(id);
    if (hit && deps.now() - hit.at < FACTS_TTL_MS) return hit.g;
    const g = deps.graph
      .get<GroupFacts>(`/groups/${encodeURIComponent(id)}?$select=${FACTS_SELECT}`, {
        ...(signal ? { signal } : {}),
      })
      .catch((err: unknown) => {
        facts.delete(id);
        throw provisioningError(`group ${id}`, err);
      });
    facts.set(id, { at: deps.now(), g });
    return g;
  }

  /** After a lost answer: is the principal there now? Graph's advanced query reads it directly. */
  async function isLinked(
    gid: string,
    rel: 'members' | 'owners',
    pid: string,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const page = await deps.graph.get<{ value: { id: string }[] }>(
      `/groups/${gid}/${rel}?$filter=id eq '${pid}'&$select=id&$count=true`,
      { headers: { ConsistencyLevel: 'eventual' }, ...(signal ? { signal } : {}) },
    );
    return page.value.some((o) => o.id === pid);
  }

  function slugOf(e: EntitlementRef): 'member' | 'owner' {
    if (e.slug === 'member' || e.slug === 'owner') return e.slug;
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `entitlement ${e.id}: a group offers member and owner, not "${e.slug}"`,
    );
  }

  function done(
    outcome: 'applied' | 'already_applied',
    e: EntitlementRef,
    p: Principal,
  ): ImplementationResult {
    return { outcome, grants: [{ id: grantId(e.id, p), entitlement: e.id, principal: p }] };
  }

  async function viaExchange(
    w: Writes,
    g: GroupFacts,
    slug: 'member' | 'owner',
    p: Principal,
    add: boolean,
  ): Promise<'applied' | 'already_applied'> {
    try {
      if (slug === 'member') {
        await w.exchange(add ? 'Add-DistributionGroupMember' : 'Remove-DistributionGroupMember', {
          Identity: g.id,
          Member: p.id,
          BypassSecurityGroupManagerCheck: true,
          ...(add ? {} : { Confirm: false }),
        });
      } else {
        await w.exchange('Set-DistributionGroup', {
          Identity: g.id,
          ManagedBy: { '@odata.type': '#Exchange.GenericHashTable', [add ? 'Add' : 'Remove']: [p.id] },
          BypassSecurityGroupManagerCheck: true,
        });
      }
      return 'applied';
    } catch (err) {
      if (add ? isAlreadyThere(err) : isAlreadyGone(err)) return 'already_applied';
      throw err;
    }
  }

  async function viaGraph(
    w: Writes,
    o: OperationOptions,
    g: GroupFacts,
    slug: 'member' | 'owner',
    p: Principal,
    add: boolean,
  ): Promise<'applied' | 'already_applied'> {
    const rel = slug === 'member' ? 'members' : 'owners';
    try {
      if (add && slug === 'member' && !o.dryRun) return await queue.add(g.id, p.id, w, o);
      if (add) await w.graph('POST', `/groups/${g.id}/${rel}/$ref`, { '@odata.id': w.directoryObject(p.id) });
      else await w.graph('DELETE', `/groups/${g.id}/${rel}/${p.id}/$ref`);
      return 'applied';
    } catch (err) {
      // An add that already holds, a remove of what is gone, is done — and after our own lost answer,
      // it is the write we sent.
      if (add ? isAlreadyThere(err) : isAlreadyGone(err)) return o.replay ? 'applied' : 'already_applied';
      if (answerLost(err) && (await isLinked(g.id, rel, p.id, o.signal)) === add) return 'applied';
      throw err;
    }
  }

  async function change(
    e: EntitlementRef,
    p: Principal,
    o: OperationOptions,
    add: boolean,
  ): Promise<ImplementationResult> {
    const slug = slugOf(e);
    const g = await groupFacts(e.resource.resource, o.signal);
    try {
      if (add) checkPrincipal(g, slug, p);
      const w = new Writes(deps, o);
      const outcome =
        channelFor(g) === 'exchange'
          ? await viaExchange(w, g, slug, p, add)
          : await viaGraph(w, o, g, slug, p, add);
      return done(outcome, e, p);
    } catch (err) {
      throw provisioningError(
        `${add ? 'grant of' : 'revoke of'} ${e.id} ${add ? 'to' : 'from'} ${p.type}:${p.id}`,
        err,
      );
    }
  }

  return {
    resourceType: RESOURCE_TYPES.group,
    grant: (e, p, o) => change(e, p, o, true),
    revoke: (grant, o) => change(grant.entitlement, grant.principal, o, false),
    async holders(e, signal) {
      const gid = encodeURIComponent(e.resource.resource);
      const o = signal ? { signal } : {};
      if (slugOf(e) === 'owner') {
        // Owners are few (Graph caps them at 100); counting the page is cheaper than an advanced query.
        let n = 0;
        for await (const page of deps.graph.pages<{ id: string }>(`/groups/${gid}/owners?$select=id`, o))
          n += page.value.length;
        return n;
      }
      const n = await deps.graph.get<number | string>(`/groups/${gid}/members/$count`, {
        headers: { ConsistencyLevel: 'eventual' },
        ...o,
      });
      const count = Number(n);
      return Number.isFinite(count) ? count : undefined;
    },
  };
}

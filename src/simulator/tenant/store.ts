/**
 * The in-memory tenant: records in insertion-ordered Maps, relationships in two-way indexes, and a
 * change log every directory mutation appends to, so the server can answer delta queries.
 *
 * Relationship changes are logged on the object that owns the navigation property, as Graph's
 * delta reports them: `members` on the group, `owners` on the owned object, `manager` on the user,
 * role membership on the `directoryRole` named by its role definition id. Links that Graph has no
 * delta for (app-role assignments) are logged as an update whose changed property is the
 * navigation property's name, which a `$select` never contains and so never surfaces.
 */
import type { AuditCategory } from './audit-entry.js';
import { ChangeLog } from './change-log.js';
import { isGuid } from './ids.js';
import type { ChangeRecord, Guid, OrganizationRecord } from './model.js';
import { OWNABLE_KINDS, OWNER_KINDS, memberRefusal } from './rules.js';
import type { TenantStore } from './store-api.js';
import { TenantGrants } from './store-grants.js';

export interface TenantInit {
  tenantId: Guid;
  initialDomain: string;
  organization: OrganizationRecord;
  /** Milliseconds since the epoch; `Date.now` by default. */
  now?: () => number;
}

/** Users whose passwords are known, for ROPC tests and the `simulate` command's output. */
export interface DemoCredentials {
  users: { userPrincipalName: string; password: string; mfaRequired: boolean; id: Guid }[];
  confidentialClient: { clientId: Guid; clientSecret: string };
  publicClient: { clientId: Guid };
}

export class Tenant extends TenantGrants implements TenantStore {
  readonly tenantId: Guid;
  readonly initialDomain: string;
  organization: OrganizationRecord;
  /** Set by the generator: sign-in facts tests and `simulate` print. */
  demoCredentials: DemoCredentials | undefined;

  constructor(init: TenantInit) {
    const clock = init.now ?? Date.now;
    super(new ChangeLog(clock), clock);
    if (!isGuid(init.tenantId))
      throw new Error(`tenantId must be a GUID, got ${JSON.stringify(init.tenantId)}`);
    this.tenantId = init.tenantId;
    this.initialDomain = init.initialDomain;
    this.organization = init.organization;
  }

  /**
   * Runs `build` as the tenant's initial load: its mutations are validated like any other but not
   * logged, so a fresh tenant starts at sequence 0 and delta's initial round is the full listing.
   */
  load<T>(build: () => T): T {
    this.log.suspended++;
    try {
      return build();
    } finally {
      this.log.suspended--;
    }
  }

  changesSince(afterSeq: number): readonly ChangeRecord[] {
    return this.log.since(afterSeq);
  }

  get currentSeq(): number {
    return this.log.currentSeq;
  }

  now(): number {
    return this.clock();
  }

  // --- memberships and owners --------------------------------------------------------------------

  membersOf(groupId: Guid): readonly Guid[] {
    return this.members.targetsOf(groupId);
  }

  memberOf(objectId: Guid): readonly Guid[] {
    return this.members.sourcesOf(objectId);
  }

  /** Direct member count without building the list. */
  memberCount(groupId: Guid): number {
    return this.members.countTargets(groupId);
  }

  /** Total direct memberships in the tenant. */
  get membershipCount(): number {
    return this.members.size;
  }

  ownersOf(objectId: Guid): readonly Guid[] {
    return this.owners.targetsOf(objectId);
  }

  /** Objects (groups, service principals, applications) an id owns. */
  ownedObjectsOf(ownerId: Guid): readonly Guid[] {
    return this.owners.sourcesOf(ownerId);
  }

  addMember(groupId: Guid, memberId: Guid): boolean {
    return this.audited(
      'Add member to group',
      'GroupManagement',
      [groupId, memberId],
      () => {
        const group = this.requireGroup(groupId);
        const kind = this.requireKind(memberId, 'member');
        if (memberId === groupId) throw new Error(`group ${groupId} cannot be a member of itself`);
        const refusal = memberRefusal(group, kind, kind === 'group' ? this.groups.get(memberId) : undefined);
        // Dynamic groups are filled by their rule, which only the initial load evaluates.
        if (refusal && !(this.log.suspended > 0 && group.groupTypes.includes('DynamicMembership')))
          throw new Error(refusal);
        if (kind === 'group' && this.reaches(memberId, groupId)) {
          throw new Error(`adding group ${memberId} to group ${groupId} would create a nesting cycle`);
        }
        if (!this.members.add(groupId, memberId)) return false;
        if (kind === 'group') this.nesting.add(groupId, memberId);
        this.logRelation('group', groupId, 'members', memberId, kind, false);
        return true;
      },
      (r) => r,
    );
  }

  removeMember(groupId: Guid, memberId: Guid): boolean {
    return this.audited(
      'Remove member from group',
      'GroupManagement',
      [groupId, memberId],
      () => {
        const group = this.requireGroup(groupId);
        if (group.groupTypes.includes('DynamicMembership') && this.log.suspended === 0) {
          throw new Error(memberRefusal(group, 'user'));
        }
        const kind = this.kindOf(memberId) ?? 'user';
        if (!this.members.remove(groupId, memberId)) return false;
        this.nesting.remove(groupId, memberId);
        this.logRelation('group', groupId, 'members', memberId, kind, true);
        return true;
      },
      (r) => r,
    );
  }

  /** Entra names owner changes by the owned object's kind. */
  private ownerActivity(objectId: Guid, add: boolean): string {
    const kind = this.kindOf(objectId);
    const noun =
      kind === 'servicePrincipal' ? 'service principal' : kind === 'application' ? 'application' : 'group';
    return add ? `Add owner to ${noun}` : `Remove owner from ${noun}`;
  }

  private ownerCategory(objectId: Guid): AuditCategory {
    return this.kindOf(objectId) === 'group' ? 'GroupManagement' : 'ApplicationManagement';
  }

  addOwner(objectId: Guid, ownerId: Guid): boolean {
    return this.audited(
      this.ownerActivity(objectId, true),
      this.ownerCategory(objectId),
      [objectId, ownerId],
      () => {
        const objectKind = this.requireKind(objectId, 'object');
        if (!OWNABLE_KINDS.includes(objectKind))
          throw new Error(`a ${objectKind} (${objectId}) cannot have owners`);
        const ownerKind = this.requireKind(ownerId, 'owner');
        if (!OWNER_KINDS.includes(ownerKind))
          throw new Error(`a ${ownerKind} (${ownerId}) cannot be an owner`);
        if (!this.owners.add(objectId, ownerId)) return false;
        this.logRelation(
          objectKind as ChangeRecord['objectKind'],
          objectId,
          'owners',
          ownerId,
          ownerKind,
          false,
        );
        return true;
      },
      (r) => r,
    );
  }

  removeOwner(objectId: Guid, ownerId: Guid): boolean {
    return this.audited(
      this.ownerActivity(objectId, false),
      this.ownerCategory(objectId),
      [objectId, ownerId],
      () => {
        const objectKind = this.requireKind(objectId, 'object');
        if (!this.owners.remove(objectId, ownerId)) return false;
        this.logRelation(
          objectKind as ChangeRecord['objectKind'],
          objectId,
          'owners',
          ownerId,
          this.kindOf(ownerId) ?? 'user',
          true,
        );
        return true;
      },
      (r) => r,
    );
  }

  /** True when `to` is `from` or nested (transitively) inside it. */
  private reaches(from: Guid, to: Guid): boolean {
    const seen = new Set<Guid>([from]);
    const stack = [from];
    while (stack.length > 0) {
      const g = stack.pop() as Guid;
      if (g === to) return true;
      for (const m of this.nesting.targetsOf(g)) {
        if (!seen.has(m)) {
          seen.add(m);
          stack.push(m);
        }
      }
    }
    return false;
  }

  // --- manager -----------------------------------------------------------------------------------

  managerOf(userId: Guid): Guid | undefined {
    return this.managers.get(userId);
  }

  directReportsOf(userId: Guid): readonly Guid[] {
    return this.reports.targetsOf(userId);
  }

  setManager(userId: Guid, managerId: Guid | null): void {
    return this.audited('Update user', 'UserManagement', [userId], () => {
      this.requireUser(userId);
      const old = this.managers.get(userId);
      if (managerId !== null) {
        this.requireUser(managerId);
        if (managerId === userId) throw new Error(`user ${userId} cannot be their own manager`);
        if (old === managerId) return;
      }
      if (old !== undefined) {
        this.managers.delete(userId);
        this.reports.remove(old, userId);
        if (managerId === null) this.logRelation('user', userId, 'manager', old, 'user', true);
      }
      if (managerId !== null) {
        this.managers.set(userId, managerId);
        this.reports.add(managerId, userId);
        this.logRelation('user', userId, 'manager', managerId, 'user', false);
      }
    });
  }
}

/**
 * The tenant's state and the helpers every mutation shares: lookups that throw a clear error for
 * an unknown id, and change-log appends. The mutations themselves live in store-objects.ts
 * (directory objects) and store.ts (relationships and assignments).
 */
import { randomUUID } from 'node:crypto';
import { auditEntry, auditTarget, PORTAL_INITIATOR, type AuditCategory } from './audit-entry.js';
import type { ChangeLog, ChangeInput } from './change-log.js';
import type {
  AdministrativeUnitRecord,
  AppRoleAssignmentRecord,
  ApplicationRecord,
  ChangeRecord,
  ClientRegistration,
  DeviceRecord,
  DirectoryAuditRecord,
  DirectoryObjectKind,
  GroupRecord,
  Guid,
  OrgContactRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  RoleScheduleInstanceRecord,
  ServicePrincipalRecord,
  SubscribedSkuRecord,
  SynchronizationJobRecord,
  UserCredentials,
  UserRecord,
} from './model.js';
import { Relation } from './relation.js';

/** What removing a principal took away, kept with a soft-deleted user for its restore. */
export interface RemovedAssignments {
  grants: AppRoleAssignmentRecord[];
  roles: RoleAssignmentRecord[];
  active: RoleScheduleInstanceRecord[];
  eligible: RoleScheduleInstanceRecord[];
}

export type DeletedUser = UserRecord & { deletedDateTime: string };

export abstract class TenantBase {
  readonly users = new Map<Guid, UserRecord>();
  readonly userCredentials = new Map<Guid, UserCredentials>();
  readonly deletedUsers = new Map<Guid, DeletedUser>();
  readonly groups = new Map<Guid, GroupRecord>();
  readonly servicePrincipals = new Map<Guid, ServicePrincipalRecord>();
  readonly applications = new Map<Guid, ApplicationRecord>();
  readonly devices = new Map<Guid, DeviceRecord>();
  readonly orgContacts = new Map<Guid, OrgContactRecord>();
  readonly administrativeUnits = new Map<Guid, AdministrativeUnitRecord>();
  readonly roleDefinitions = new Map<Guid, RoleDefinitionRecord>();
  readonly roleAssignments = new Map<string, RoleAssignmentRecord>();
  readonly roleAssignmentScheduleInstances = new Map<string, RoleScheduleInstanceRecord>();
  readonly roleEligibilityScheduleInstances = new Map<string, RoleScheduleInstanceRecord>();
  readonly subscribedSkus: SubscribedSkuRecord[] = [];
  readonly directoryAudits: DirectoryAuditRecord[] = [];
  readonly appRoleAssignments = new Map<string, AppRoleAssignmentRecord>();
  readonly synchronizationJobs = new Map<Guid, SynchronizationJobRecord[]>();
  readonly clients = new Map<Guid, ClientRegistration>();

  /** group → member (any kind). */
  protected readonly members = new Relation();
  /** group → nested group: the group-only part of `members`, for cycle checks without scanning users. */
  protected readonly nesting = new Relation();
  /** owned object → owner. */
  protected readonly owners = new Relation();
  /** administrative unit → member (users, groups, devices). */
  protected readonly unitMembers = new Relation();
  /** user → manager, and manager → direct reports. */
  protected readonly managers = new Map<Guid, Guid>();
  protected readonly reports = new Relation();
  /** resource service principal → app-role assignment ids, and principal → ids. */
  protected readonly grantsByResource = new Relation();
  protected readonly grantsByPrincipal = new Relation();
  /** principal → active role assignment ids. */
  protected readonly roleAssignmentsByPrincipal = new Relation();
  /** lower-cased userPrincipalName → user id, over active and soft-deleted users. */
  protected readonly upnIndex = new Map<string, Guid>();

  protected constructor(
    protected readonly log: ChangeLog,
    protected readonly clock: () => number,
  ) {}

  /** Which kind of directory object an id names (soft-deleted users excluded), or undefined. */
  kindOf(id: Guid): DirectoryObjectKind | undefined {
    if (this.users.has(id)) return 'user';
    if (this.groups.has(id)) return 'group';
    if (this.servicePrincipals.has(id)) return 'servicePrincipal';
    if (this.devices.has(id)) return 'device';
    if (this.orgContacts.has(id)) return 'orgContact';
    if (this.applications.has(id)) return 'application';
    if (this.administrativeUnits.has(id)) return 'administrativeUnit';
    return undefined;
  }

  protected requireKind(id: Guid, role: string): DirectoryObjectKind {
    const kind = this.kindOf(id);
    if (kind === undefined)
      throw new Error(`${role} ${JSON.stringify(id)} is not a directory object in this tenant`);
    return kind;
  }

  protected requireUser(id: Guid): UserRecord {
    const u = this.users.get(id);
    if (!u) throw new Error(`user ${JSON.stringify(id)} does not exist`);
    return u;
  }

  protected requireGroup(id: Guid): GroupRecord {
    const g = this.groups.get(id);
    if (!g) throw new Error(`group ${JSON.stringify(id)} does not exist`);
    return g;
  }

  protected requireServicePrincipal(id: Guid): ServicePrincipalRecord {
    const sp = this.servicePrincipals.get(id);
    if (!sp) throw new Error(`servicePrincipal ${JSON.stringify(id)} does not exist`);
    return sp;
  }

  /** A new object's id must be a GUID that no object (live or soft-deleted) already has. */
  protected requireFreshId(id: Guid, what: string): void {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
      throw new Error(`${what}.id must be a GUID, got ${JSON.stringify(id)}`);
    }
    if (this.kindOf(id) !== undefined || this.deletedUsers.has(id)) {
      throw new Error(`${what}.id ${id} is already used by another object`);
    }
  }

  protected logRelation(
    objectKind: ChangeRecord['objectKind'],
    id: Guid,
    name: 'members' | 'owners' | 'manager',
    targetId: Guid,
    targetKind: DirectoryObjectKind,
    removed: boolean,
  ): void {
    if (this.log.suspended > 0) return;
    this.log.append({ objectKind, id, kind: 'updated', relation: { name, targetId, targetKind, removed } });
  }

  protected record(change: ChangeInput): void {
    this.log.append(change);
  }

  /** Stores `old` with `patch` applied under `id` and logs the properties that changed, if any. */
  protected storePatched<T extends object>(
    objectKind: ChangeInput['objectKind'],
    map: Map<Guid, T>,
    id: Guid,
    old: T,
    patch: Partial<T>,
  ): void {
    const changedProperties = TenantBase.changed(old, patch);
    map.set(id, { ...old, ...patch });
    if (changedProperties.length > 0) this.record({ objectKind, id, kind: 'updated', changedProperties });
  }

  /**
   * Depth of mutations whose audit entry is written by someone else: a Graph route or
   * `/_sim/mutate` (with their own initiator), or the outer mutation of a cascade.
   */
  private auditQuiet = 0;

  /**
   * Runs mutations whose caller records the audit entries itself. An asynchronous `fn` keeps the
   * store quiet until it settles.
   */
  auditedByCaller<T>(fn: () => T): T {
    this.auditQuiet++;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.auditQuiet--;
      throw err;
    }
    if (result instanceof Promise) {
      return result.finally(() => this.auditQuiet--) as T;
    }
    this.auditQuiet--;
    return result;
  }

  /**
   * Runs a mutation made on the store directly (a test, a benchmark: an administrator in the
   * portal) and, if it changed something, writes the audit entry Entra would, so the audit log
   * holds every change the tenant goes through. The initial load is not audited.
   * https://learn.microsoft.com/entra/identity/monitoring-health/reference-audit-activities
   */
  protected audited<T>(
    activity: string,
    category: AuditCategory,
    ids: Guid[],
    fn: () => T,
    changed: (result: T) => boolean = () => true,
  ): T {
    if (this.log.suspended > 0 || this.auditQuiet > 0) return fn();
    // Looked up before (a deleted object is still named) and after (a created one is).
    const before = ids.map((id) => auditTarget(this, id));
    this.auditQuiet++;
    let result: T;
    try {
      result = fn();
    } finally {
      this.auditQuiet--;
    }
    if (changed(result)) {
      const targets = ids.map((id, i) => {
        const after = auditTarget(this, id);
        return after.type === 'Other' ? before[i]! : after;
      });
      this.directoryAudits.push(
        auditEntry(this.clock(), PORTAL_INITIATOR, randomUUID(), activity, category, targets),
      );
    }
    return result;
  }

  /** Listing arrays of app-role assignments by `r:<resource>` / `p:<principal>`, dropped on change. */
  private readonly grantLists = new Map<string, readonly AppRoleAssignmentRecord[]>();

  protected grantList(key: 'r' | 'p', id: Guid): readonly AppRoleAssignmentRecord[] {
    const cacheKey = `${key}:${id}`;
    const hit = this.grantLists.get(cacheKey);
    if (hit) return hit;
    const ids = (key === 'r' ? this.grantsByResource : this.grantsByPrincipal).targetsOf(id);
    const list = Object.freeze(ids.map((g) => this.appRoleAssignments.get(g) as AppRoleAssignmentRecord));
    this.grantLists.set(cacheKey, list);
    return list;
  }

  protected insertGrant(a: AppRoleAssignmentRecord): void {
    this.grantLists.delete(`r:${a.resourceId}`);
    this.grantLists.delete(`p:${a.principalId}`);
    this.appRoleAssignments.set(a.id, a);
    this.grantsByResource.add(a.resourceId, a.id);
    this.grantsByPrincipal.add(a.principalId, a.id);
  }

  protected deleteGrant(id: string): AppRoleAssignmentRecord | undefined {
    const a = this.appRoleAssignments.get(id);
    if (!a) return undefined;
    this.grantLists.delete(`r:${a.resourceId}`);
    this.grantLists.delete(`p:${a.principalId}`);
    this.appRoleAssignments.delete(id);
    this.grantsByResource.remove(a.resourceId, id);
    this.grantsByPrincipal.remove(a.principalId, id);
    return a;
  }

  protected insertRoleAssignment(a: RoleAssignmentRecord): void {
    this.roleAssignments.set(a.id, a);
    this.roleAssignmentsByPrincipal.add(a.principalId, a.id);
    this.logRelation(
      'directoryRole',
      a.roleDefinitionId,
      'members',
      a.principalId,
      this.kindOf(a.principalId) ?? 'user',
      false,
    );
  }

  protected deleteRoleAssignment(id: string): RoleAssignmentRecord | undefined {
    const a = this.roleAssignments.get(id);
    if (!a) return undefined;
    this.roleAssignments.delete(id);
    this.roleAssignmentsByPrincipal.remove(a.principalId, id);
    this.logRelation(
      'directoryRole',
      a.roleDefinitionId,
      'members',
      a.principalId,
      this.kindOf(a.principalId) ?? 'user',
      true,
    );
    return a;
  }

  /** Removes every app-role and directory-role assignment a principal holds or (as resource) grants. */
  protected dropAssignmentsOf(principalId: Guid): RemovedAssignments {
    const ids = [
      ...this.grantsByPrincipal.targetsOf(principalId),
      ...this.grantsByResource.targetsOf(principalId),
    ];
    const grants = ids
      .map((id) => this.deleteGrant(id))
      .filter((a): a is AppRoleAssignmentRecord => a !== undefined);
    const roles = [...this.roleAssignmentsByPrincipal.targetsOf(principalId)]
      .map((id) => this.deleteRoleAssignment(id))
      .filter((a): a is RoleAssignmentRecord => a !== undefined);
    const take = (map: Map<string, RoleScheduleInstanceRecord>): RoleScheduleInstanceRecord[] => {
      const out = [...map.values()].filter((inst) => inst.principalId === principalId);
      for (const inst of out) map.delete(inst.id);
      return out;
    };
    return {
      grants,
      roles,
      active: take(this.roleAssignmentScheduleInstances),
      eligible: take(this.roleEligibilityScheduleInstances),
    };
  }

  /** Names of the properties whose values a patch changes (for `changedProperties`). */
  protected static changed<T extends object>(old: T, patch: Partial<T>): string[] {
    const out: string[] = [];
    for (const key of Object.keys(patch) as (keyof T)[]) {
      if (JSON.stringify(old[key]) !== JSON.stringify(patch[key])) out.push(String(key));
    }
    return out;
  }

  protected static rejectIdChange(what: string, id: Guid, patch: { id?: unknown }): void {
    if (patch.id !== undefined && patch.id !== id) throw new Error(`${what} ${id}: id cannot be changed`);
  }
}

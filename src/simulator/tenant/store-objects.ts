/**
 * Creating, updating and deleting directory objects. Deletes take the object's links with it and
 * log a relation removal on every group it was in, as Graph's group delta reports them.
 */
import { isoSeconds } from './ids.js';
import type {
  AdministrativeUnitRecord,
  ApplicationRecord,
  DeviceRecord,
  GroupRecord,
  Guid,
  OrgContactRecord,
  ServicePrincipalRecord,
  UserCredentials,
  UserRecord,
} from './model.js';
import { TenantBase, type RemovedAssignments } from './store-base.js';

/** The links a soft-deleted user had, put back by a restore. */
interface SuspendedLinks {
  groups: Guid[];
  owned: Guid[];
  units: Guid[];
  manager: Guid | undefined;
  reports: Guid[];
  assignments: RemovedAssignments;
}

const DUPLICATE_UPN = 'Another object with the same value for property userPrincipalName already exists.';

export abstract class TenantObjects extends TenantBase {
  private readonly suspended = new Map<Guid, SuspendedLinks>();

  // --- users -------------------------------------------------------------------------------------

  createUser(user: UserRecord, credentials?: UserCredentials): void {
    return this.audited('Add user', 'UserManagement', [user.id], () => {
      this.requireFreshId(user.id, 'user');
      const upn = user.userPrincipalName.toLowerCase();
      if (this.upnIndex.has(upn)) throw new Error(DUPLICATE_UPN);
      this.users.set(user.id, user);
      this.upnIndex.set(upn, user.id);
      if (credentials) this.userCredentials.set(user.id, credentials);
      this.record({ objectKind: 'user', id: user.id, kind: 'created' });
    });
  }

  /** The user (active or soft-deleted) with this UPN, case-insensitively. */
  userIdByPrincipalName(upn: string): Guid | undefined {
    return this.upnIndex.get(upn.toLowerCase());
  }

  updateUser(id: Guid, patch: Partial<UserRecord>): void {
    return this.audited('Update user', 'UserManagement', [id], () => {
      const old = this.requireUser(id);
      TenantBase.rejectIdChange('user', id, patch);
      if (patch.userPrincipalName !== undefined) {
        const next = patch.userPrincipalName.toLowerCase();
        const holder = this.upnIndex.get(next);
        if (holder !== undefined && holder !== id) throw new Error(DUPLICATE_UPN);
        this.upnIndex.delete(old.userPrincipalName.toLowerCase());
        this.upnIndex.set(next, id);
      }
      this.storePatched('user', this.users, id, old, patch);
    });
  }

  setUserCredentials(id: Guid, credentials: UserCredentials): void {
    this.requireUser(id);
    this.userCredentials.set(id, credentials);
  }

  /**
   * Soft delete (30 days restorable): https://learn.microsoft.com/graph/api/user-delete
   * The user's links are kept aside and come back with a restore.
   */
  deleteUser(id: Guid): void {
    return this.audited('Delete user', 'UserManagement', [id], () => {
      const user = this.requireUser(id);
      const groups = [...this.members.sourcesOf(id)];
      const owned = [...this.owners.sourcesOf(id)];
      const units = [...this.unitMembers.sourcesOf(id)];
      const manager = this.managers.get(id);
      const reports = [...this.reports.targetsOf(id)];
      const assignments = this.dropAssignmentsOf(id);
      for (const g of groups) {
        this.members.remove(g, id);
        this.logRelation('group', g, 'members', id, 'user', true);
      }
      for (const o of owned) {
        this.owners.remove(o, id);
        this.logRelation(this.ownableKind(o), o, 'owners', id, 'user', true);
      }
      for (const u of units) this.unitMembers.remove(u, id);
      if (manager !== undefined) {
        this.managers.delete(id);
        this.reports.remove(manager, id);
      }
      for (const r of reports) {
        this.managers.delete(r);
        this.reports.remove(id, r);
        this.logRelation('user', r, 'manager', id, 'user', true);
      }
      this.suspended.set(id, { groups, owned, units, manager, reports, assignments });
      this.users.delete(id);
      this.deletedUsers.set(id, { ...user, deletedDateTime: isoSeconds(this.clock()) });
      this.record({ objectKind: 'user', id, kind: 'softDeleted' });
    });
  }

  /** https://learn.microsoft.com/graph/api/directory-deleteditems-restore */
  restoreUser(id: Guid): void {
    return this.audited('Restore user', 'UserManagement', [id], () => {
      const deleted = this.deletedUsers.get(id);
      if (!deleted) throw new Error(`deleted user ${JSON.stringify(id)} does not exist`);
      const { deletedDateTime: _gone, ...user } = deleted;
      this.deletedUsers.delete(id);
      this.users.set(id, user);
      this.record({ objectKind: 'user', id, kind: 'restored' });
      const links = this.suspended.get(id);
      this.suspended.delete(id);
      if (!links) return;
      for (const g of links.groups) {
        if (this.groups.has(g) && this.members.add(g, id))
          this.logRelation('group', g, 'members', id, 'user', false);
      }
      for (const o of links.owned) {
        if (this.kindOf(o) !== undefined && this.owners.add(o, id))
          this.logRelation(this.ownableKind(o), o, 'owners', id, 'user', false);
      }
      for (const u of links.units) if (this.administrativeUnits.has(u)) this.unitMembers.add(u, id);
      if (links.manager !== undefined && this.users.has(links.manager)) {
        this.managers.set(id, links.manager);
        this.reports.add(links.manager, id);
        this.logRelation('user', id, 'manager', links.manager, 'user', false);
      }
      for (const r of links.reports) {
        if (this.users.has(r) && !this.managers.has(r)) {
          this.managers.set(r, id);
          this.reports.add(id, r);
          this.logRelation('user', r, 'manager', id, 'user', false);
        }
      }
      for (const a of links.assignments.grants)
        if (this.servicePrincipals.has(a.resourceId)) this.insertGrant(a);
      for (const a of links.assignments.roles) this.insertRoleAssignment(a);
      for (const i of links.assignments.active) this.roleAssignmentScheduleInstances.set(i.id, i);
      for (const i of links.assignments.eligible) this.roleEligibilityScheduleInstances.set(i.id, i);
    });
  }

  /** Permanent delete from the recycle bin: https://learn.microsoft.com/graph/api/directory-deleteditems-delete */
  purgeUser(id: Guid): void {
    const deleted = this.deletedUsers.get(id);
    if (!deleted) throw new Error(`deleted user ${JSON.stringify(id)} does not exist`);
    this.deletedUsers.delete(id);
    this.suspended.delete(id);
    this.userCredentials.delete(id);
    this.upnIndex.delete(deleted.userPrincipalName.toLowerCase());
    this.record({ objectKind: 'user', id, kind: 'deleted' });
  }

  // --- groups ------------------------------------------------------------------------------------

  createGroup(group: GroupRecord): void {
    return this.audited('Add group', 'GroupManagement', [group.id], () => {
      this.requireFreshId(group.id, 'group');
      this.groups.set(group.id, group);
      this.record({ objectKind: 'group', id: group.id, kind: 'created' });
    });
  }

  updateGroup(id: Guid, patch: Partial<GroupRecord>): void {
    return this.audited('Update group', 'GroupManagement', [id], () => {
      const old = this.requireGroup(id);
      TenantBase.rejectIdChange('group', id, patch);
      this.storePatched('group', this.groups, id, old, patch);
    });
  }

  /** Deletes the group for good, with its links; parents log the member removal. */
  deleteGroup(id: Guid): void {
    return this.audited('Delete group', 'GroupManagement', [id], () => {
      this.requireGroup(id);
      this.detachFromGroups(id, 'group');
      this.nesting.detach(id);
      for (const m of [...this.members.targetsOf(id)]) this.members.remove(id, m);
      for (const o of [...this.owners.targetsOf(id)]) this.owners.remove(id, o);
      for (const u of [...this.unitMembers.sourcesOf(id)]) this.unitMembers.remove(u, id);
      this.dropAssignmentsOf(id);
      this.groups.delete(id);
      this.record({ objectKind: 'group', id, kind: 'deleted' });
    });
  }

  // --- devices -----------------------------------------------------------------------------------

  createDevice(device: DeviceRecord): void {
    this.requireFreshId(device.id, 'device');
    this.devices.set(device.id, device);
    this.record({ objectKind: 'device', id: device.id, kind: 'created' });
  }

  updateDevice(id: Guid, patch: Partial<DeviceRecord>): void {
    const old = this.devices.get(id);
    if (!old) throw new Error(`device ${JSON.stringify(id)} does not exist`);
    TenantBase.rejectIdChange('device', id, patch);
    this.storePatched('device', this.devices, id, old, patch);
  }

  deleteDevice(id: Guid): void {
    return this.audited('Delete device', 'Device', [id], () => {
      if (!this.devices.has(id)) throw new Error(`device ${JSON.stringify(id)} does not exist`);
      this.detachFromGroups(id, 'device');
      for (const u of [...this.unitMembers.sourcesOf(id)]) this.unitMembers.remove(u, id);
      this.devices.delete(id);
      this.record({ objectKind: 'device', id, kind: 'deleted' });
    });
  }

  // --- service principals, applications, contacts, administrative units ---------------------------

  createServicePrincipal(sp: ServicePrincipalRecord): void {
    return this.audited('Add service principal', 'ApplicationManagement', [sp.id], () => {
      this.requireFreshId(sp.id, 'servicePrincipal');
      this.servicePrincipals.set(sp.id, sp);
      this.record({ objectKind: 'servicePrincipal', id: sp.id, kind: 'created' });
    });
  }

  updateServicePrincipal(id: Guid, patch: Partial<ServicePrincipalRecord>): void {
    return this.audited('Update service principal', 'ApplicationManagement', [id], () => {
      const old = this.requireServicePrincipal(id);
      TenantBase.rejectIdChange('servicePrincipal', id, patch);
      this.storePatched('servicePrincipal', this.servicePrincipals, id, old, patch);
    });
  }

  createApplication(app: ApplicationRecord): void {
    this.requireFreshId(app.id, 'application');
    this.applications.set(app.id, app);
    this.record({ objectKind: 'application', id: app.id, kind: 'created' });
  }

  updateApplication(id: Guid, patch: Partial<ApplicationRecord>): void {
    const old = this.applications.get(id);
    if (!old) throw new Error(`application ${JSON.stringify(id)} does not exist`);
    TenantBase.rejectIdChange('application', id, patch);
    this.storePatched('application', this.applications, id, old, patch);
  }

  createOrgContact(contact: OrgContactRecord): void {
    this.requireFreshId(contact.id, 'orgContact');
    this.orgContacts.set(contact.id, contact);
  }

  createAdministrativeUnit(unit: AdministrativeUnitRecord): void {
    this.requireFreshId(unit.id, 'administrativeUnit');
    this.administrativeUnits.set(unit.id, unit);
  }

  /** Users, groups and devices can be administrative-unit members. */
  addAdministrativeUnitMember(unitId: Guid, memberId: Guid): boolean {
    if (!this.administrativeUnits.has(unitId))
      throw new Error(`administrativeUnit ${JSON.stringify(unitId)} does not exist`);
    const kind = this.requireKind(memberId, 'administrative unit member');
    if (kind !== 'user' && kind !== 'group' && kind !== 'device')
      throw new Error(`a ${kind} cannot be an administrative unit member`);
    return this.unitMembers.add(unitId, memberId);
  }

  administrativeUnitMembersOf(unitId: Guid): readonly Guid[] {
    return this.unitMembers.targetsOf(unitId);
  }

  // --- helpers -----------------------------------------------------------------------------------

  private detachFromGroups(id: Guid, kind: 'group' | 'device'): void {
    for (const parent of [...this.members.sourcesOf(id)]) {
      this.members.remove(parent, id);
      this.logRelation('group', parent, 'members', id, kind, true);
    }
  }

  private ownableKind(id: Guid): 'group' | 'servicePrincipal' | 'application' {
    const kind = this.kindOf(id);
    return kind === 'servicePrincipal' || kind === 'application' ? kind : 'group';
  }
}

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
  OrganizationRecord,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  RoleScheduleInstanceRecord,
  ServicePrincipalRecord,
  SubscribedSkuRecord,
  SynchronizationJobRecord,
  UserCredentials,
  UserRecord,
} from '../../../src/simulator/tenant/model.js';
import type { TenantStore } from '../../../src/simulator/tenant/store-api.js';

/**
 * A small in-memory TenantStore for the server's tests: plain maps, every mutation logged to the
 * change log. Deliberately simple; the generated tenant is tested on its own.
 */
export class FixtureTenant implements TenantStore {
  readonly users = new Map<Guid, UserRecord>();
  readonly userCredentials = new Map<Guid, UserCredentials>();
  readonly deletedUsers = new Map<Guid, UserRecord & { deletedDateTime: string }>();
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
  subscribedSkus: SubscribedSkuRecord[] = [];
  directoryAudits: DirectoryAuditRecord[] = [];
  readonly appRoleAssignments = new Map<string, AppRoleAssignmentRecord>();
  readonly synchronizationJobs = new Map<Guid, SynchronizationJobRecord[]>();
  readonly clients = new Map<Guid, ClientRegistration>();
  private readonly members = new Map<Guid, Guid[]>();
  private readonly owners = new Map<Guid, Guid[]>();
  private readonly managers = new Map<Guid, Guid>();
  private readonly log: ChangeRecord[] = [];

  constructor(
    readonly tenantId: Guid,
    readonly initialDomain: string,
    readonly organization: OrganizationRecord,
    readonly now: () => number,
  ) {}

  get currentSeq(): number {
    return this.log.length;
  }

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
  membersOf(groupId: Guid): readonly Guid[] {
    return (this.members.get(groupId) ?? []).filter((id) => this.kindOf(id) !== undefined);
  }
  ownersOf(objectId: Guid): readonly Guid[] {
    return (this.owners.get(objectId) ?? []).filter((id) => this.kindOf(id) !== undefined);
  }
  managerOf(userId: Guid): Guid | undefined {
    return this.managers.get(userId);
  }
  directReportsOf(userId: Guid): readonly Guid[] {
    return [...this.managers].filter(([, m]) => m === userId).map(([u]) => u);
  }
  memberOf(objectId: Guid): readonly Guid[] {
    return [...this.members].filter(([g, ms]) => this.groups.has(g) && ms.includes(objectId)).map(([g]) => g);
  }
  appRoleAssignedTo(resourceSpId: Guid): readonly AppRoleAssignmentRecord[] {
    return [...this.appRoleAssignments.values()].filter((a) => a.resourceId === resourceSpId);
  }
  appRoleAssignmentsOf(principalId: Guid): readonly AppRoleAssignmentRecord[] {
    return [...this.appRoleAssignments.values()].filter((a) => a.principalId === principalId);
  }

  private record(c: Omit<ChangeRecord, 'seq' | 'at'>): void {
    this.log.push({ ...c, seq: this.log.length + 1, at: this.now() });
  }

  createUser(user: UserRecord, credentials?: UserCredentials): void {
    this.users.set(user.id, user);
    if (credentials) this.userCredentials.set(user.id, credentials);
    this.record({ objectKind: 'user', id: user.id, kind: 'created' });
  }
  updateUser(id: Guid, patch: Partial<UserRecord>): void {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    this.users.set(id, { ...u, ...patch });
    this.record({ objectKind: 'user', id, kind: 'updated', changedProperties: Object.keys(patch) });
  }
  deleteUser(id: Guid): void {
    const u = this.users.get(id);
    if (!u) throw new Error(`no user ${id}`);
    this.users.delete(id);
    this.deletedUsers.set(id, { ...u, deletedDateTime: new Date(this.now()).toISOString() });
    this.record({ objectKind: 'user', id, kind: 'softDeleted' });
  }
  restoreUser(id: Guid): void {
    const u = this.deletedUsers.get(id);
    if (!u) throw new Error(`no deleted user ${id}`);
    this.deletedUsers.delete(id);
    const { deletedDateTime: _d, ...rest } = u;
    this.users.set(id, rest);
    this.record({ objectKind: 'user', id, kind: 'restored' });
  }
  purgeUser(id: Guid): void {
    if (!this.deletedUsers.delete(id)) throw new Error(`no deleted user ${id}`);
    this.record({ objectKind: 'user', id, kind: 'deleted' });
  }
  createGroup(group: GroupRecord): void {
    this.groups.set(group.id, group);
    this.record({ objectKind: 'group', id: group.id, kind: 'created' });
  }
  updateGroup(id: Guid, patch: Partial<GroupRecord>): void {
    const g = this.groups.get(id);
    if (!g) throw new Error(`no group ${id}`);
    this.groups.set(id, { ...g, ...patch });
    this.record({ objectKind: 'group', id, kind: 'updated', changedProperties: Object.keys(patch) });
  }
  deleteGroup(id: Guid): void {
    this.groups.delete(id);
    this.record({ objectKind: 'group', id, kind: 'softDeleted' });
  }
  private link(
    map: Map<Guid, Guid[]>,
    name: 'members' | 'owners',
    objectId: Guid,
    targetId: Guid,
    add: boolean,
  ): boolean {
    const list = map.get(objectId) ?? [];
    const has = list.includes(targetId);
    if (add === has) return false;
    map.set(objectId, add ? [...list, targetId] : list.filter((x) => x !== targetId));
    const objectKind = this.groups.has(objectId) ? 'group' : 'servicePrincipal';
    this.record({
      objectKind,
      id: objectId,
      kind: 'updated',
      relation: { name, targetId, targetKind: this.kindOf(targetId) ?? 'user', removed: !add },
    });
    return true;
  }
  addMember(groupId: Guid, memberId: Guid): boolean {
    return this.link(this.members, 'members', groupId, memberId, true);
  }
  removeMember(groupId: Guid, memberId: Guid): boolean {
    return this.link(this.members, 'members', groupId, memberId, false);
  }
  addOwner(objectId: Guid, ownerId: Guid): boolean {
    return this.link(this.owners, 'owners', objectId, ownerId, true);
  }
  removeOwner(objectId: Guid, ownerId: Guid): boolean {
    return this.link(this.owners, 'owners', objectId, ownerId, false);
  }
  setManager(userId: Guid, managerId: Guid | null): void {
    const old = this.managers.get(userId);
    if (managerId === null) this.managers.delete(userId);
    else this.managers.set(userId, managerId);
    const targetId = managerId ?? old;
    if (targetId)
      this.record({
        objectKind: 'user',
        id: userId,
        kind: 'updated',
        relation: { name: 'manager', targetId, targetKind: 'user', removed: managerId === null },
      });
  }
  updateServicePrincipal(id: Guid, patch: Partial<ServicePrincipalRecord>): void {
    const sp = this.servicePrincipals.get(id);
    if (!sp) throw new Error(`no servicePrincipal ${id}`);
    this.servicePrincipals.set(id, { ...sp, ...patch });
    this.record({
      objectKind: 'servicePrincipal',
      id,
      kind: 'updated',
      changedProperties: Object.keys(patch),
    });
  }
  updateApplication(id: Guid, patch: Partial<ApplicationRecord>): void {
    const app = this.applications.get(id);
    if (!app) throw new Error(`no application ${id}`);
    this.applications.set(id, { ...app, ...patch });
    this.record({ objectKind: 'application', id, kind: 'updated', changedProperties: Object.keys(patch) });
  }
  addAppRoleAssignment(a: AppRoleAssignmentRecord): void {
    this.appRoleAssignments.set(a.id, a);
  }
  removeAppRoleAssignment(id: string): boolean {
    return this.appRoleAssignments.delete(id);
  }
  addRoleAssignment(a: RoleAssignmentRecord): void {
    this.roleAssignments.set(a.id, a);
  }
  removeRoleAssignment(id: string): boolean {
    return this.roleAssignments.delete(id);
  }
  addRoleScheduleInstance(which: 'active' | 'eligible', inst: RoleScheduleInstanceRecord): void {
    (which === 'active' ? this.roleAssignmentScheduleInstances : this.roleEligibilityScheduleInstances).set(
      inst.id,
      inst,
    );
  }
  removeRoleScheduleInstance(which: 'active' | 'eligible', id: string): boolean {
    return (
      which === 'active' ? this.roleAssignmentScheduleInstances : this.roleEligibilityScheduleInstances
    ).delete(id);
  }
  updateSynchronizationJob(
    servicePrincipalId: Guid,
    jobId: string,
    patch: Partial<SynchronizationJobRecord>,
  ): void {
    const jobs = this.synchronizationJobs.get(servicePrincipalId) ?? [];
    const i = jobs.findIndex((j) => j.id === jobId);
    if (i < 0) throw new Error(`no job ${jobId}`);
    jobs[i] = { ...jobs[i]!, ...patch };
  }
  assignLicense(userId: Guid, add: { skuId: Guid; disabledPlans: Guid[] }[], remove: Guid[]): void {
    const u = this.users.get(userId);
    if (!u) throw new Error(`no user ${userId}`);
    const kept = u.assignedLicenses.filter(
      (l) => !remove.includes(l.skuId) && !add.some((a) => a.skuId === l.skuId),
    );
    this.updateUser(userId, { assignedLicenses: [...kept, ...add] });
  }
  createDevice(device: DeviceRecord): void {
    this.devices.set(device.id, device);
    this.record({ objectKind: 'device', id: device.id, kind: 'created' });
  }
  updateDevice(id: Guid, patch: Partial<DeviceRecord>): void {
    const d = this.devices.get(id);
    if (!d) throw new Error(`no device ${id}`);
    this.devices.set(id, { ...d, ...patch });
    this.record({ objectKind: 'device', id, kind: 'updated', changedProperties: Object.keys(patch) });
  }
  deleteDevice(id: Guid): void {
    this.devices.delete(id);
    this.record({ objectKind: 'device', id, kind: 'deleted' });
  }
  addAudit(entry: DirectoryAuditRecord): void {
    this.directoryAudits.push(entry);
  }
  /** The fixture writes no audit entries of its own: callers' entries are the only ones. */
  auditedByCaller<T>(fn: () => T): T {
    return fn();
  }
  registerClient(client: ClientRegistration): void {
    this.clients.set(client.clientId, client);
  }
  updateClient(clientId: Guid, patch: Partial<ClientRegistration>): void {
    const c = this.clients.get(clientId);
    if (!c) throw new Error(`no client ${clientId}`);
    this.clients.set(clientId, { ...c, ...patch });
  }
  changesSince(afterSeq: number): readonly ChangeRecord[] {
    return this.log.slice(afterSeq);
  }
}

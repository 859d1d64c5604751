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
} from './model.js';

/**
 * The tenant store the simulator's server reads and mutates. Maps keep insertion order, which is
 * the order listings page in. Every mutation goes through a method here, so that it lands in the
 * change log that delta queries replay.
 */
export interface TenantStore {
  readonly tenantId: Guid;
  /** e.g. `contoso.onmicrosoft.com`. */
  readonly initialDomain: string;
  readonly organization: OrganizationRecord;

  readonly users: ReadonlyMap<Guid, UserRecord>;
  readonly userCredentials: ReadonlyMap<Guid, UserCredentials>;
  /** Soft-deleted users (30-day restorable): `/directory/deletedItems/microsoft.graph.user`. */
  readonly deletedUsers: ReadonlyMap<Guid, UserRecord & { deletedDateTime: string }>;
  readonly groups: ReadonlyMap<Guid, GroupRecord>;
  readonly servicePrincipals: ReadonlyMap<Guid, ServicePrincipalRecord>;
  readonly applications: ReadonlyMap<Guid, ApplicationRecord>;
  readonly devices: ReadonlyMap<Guid, DeviceRecord>;
  readonly orgContacts: ReadonlyMap<Guid, OrgContactRecord>;
  readonly administrativeUnits: ReadonlyMap<Guid, AdministrativeUnitRecord>;
  readonly roleDefinitions: ReadonlyMap<Guid, RoleDefinitionRecord>;
  readonly roleAssignments: ReadonlyMap<string, RoleAssignmentRecord>;
  readonly roleAssignmentScheduleInstances: ReadonlyMap<string, RoleScheduleInstanceRecord>;
  readonly roleEligibilityScheduleInstances: ReadonlyMap<string, RoleScheduleInstanceRecord>;
  readonly subscribedSkus: readonly SubscribedSkuRecord[];
  /** Newest last. */
  readonly directoryAudits: readonly DirectoryAuditRecord[];
  readonly appRoleAssignments: ReadonlyMap<string, AppRoleAssignmentRecord>;
  readonly synchronizationJobs: ReadonlyMap<Guid, readonly SynchronizationJobRecord[]>;
  readonly clients: ReadonlyMap<Guid, ClientRegistration>;

  /** Which kind of directory object an id names, or undefined. */
  kindOf(id: Guid): DirectoryObjectKind | undefined;
  /** Direct members of a group, in insertion order (ids of any kind). */
  membersOf(groupId: Guid): readonly Guid[];
  ownersOf(objectId: Guid): readonly Guid[];
  managerOf(userId: Guid): Guid | undefined;
  directReportsOf(userId: Guid): readonly Guid[];
  /** Groups (direct) an object is a member of. */
  memberOf(objectId: Guid): readonly Guid[];
  /** App-role assignments granted on a resource service principal (`appRoleAssignedTo`). */
  appRoleAssignedTo(resourceSpId: Guid): readonly AppRoleAssignmentRecord[];
  /** App-role assignments held by a principal (`appRoleAssignments`). */
  appRoleAssignmentsOf(principalId: Guid): readonly AppRoleAssignmentRecord[];

  // --- mutations: each appends to the change log -----------------------------------------------
  createUser(user: UserRecord, credentials?: UserCredentials): void;
  updateUser(id: Guid, patch: Partial<UserRecord>): void;
  /** Soft delete: the user moves to deletedUsers; memberships are kept for a restore. */
  deleteUser(id: Guid): void;
  restoreUser(id: Guid): void;
  /** Permanent delete of a soft-deleted user (the recycle bin's delete). */
  purgeUser(id: Guid): void;
  createGroup(group: GroupRecord): void;
  updateGroup(id: Guid, patch: Partial<GroupRecord>): void;
  deleteGroup(id: Guid): void;
  /** Returns false when the link already existed (Graph answers 400 "already exist"). */
  addMember(groupId: Guid, memberId: Guid): boolean;
  /** Returns false when there was no such link. */
  removeMember(groupId: Guid, memberId: Guid): boolean;
  addOwner(objectId: Guid, ownerId: Guid): boolean;
  removeOwner(objectId: Guid, ownerId: Guid): boolean;
  setManager(userId: Guid, managerId: Guid | null): void;
  updateServicePrincipal(id: Guid, patch: Partial<ServicePrincipalRecord>): void;
  updateApplication(id: Guid, patch: Partial<ApplicationRecord>): void;
  addAppRoleAssignment(a: AppRoleAssignmentRecord): void;
  removeAppRoleAssignment(id: string): boolean;
  addRoleAssignment(a: RoleAssignmentRecord): void;
  removeRoleAssignment(id: string): boolean;
  /** A PIM schedule instance: `active` (roleAssignmentScheduleInstances) or `eligible`. */
  addRoleScheduleInstance(which: 'active' | 'eligible', inst: RoleScheduleInstanceRecord): void;
  removeRoleScheduleInstance(which: 'active' | 'eligible', id: string): boolean;
  assignLicense(userId: Guid, add: { skuId: Guid; disabledPlans: Guid[] }[], remove: Guid[]): void;
  createDevice(device: DeviceRecord): void;
  updateDevice(id: Guid, patch: Partial<DeviceRecord>): void;
  deleteDevice(id: Guid): void;
  addAudit(entry: DirectoryAuditRecord): void;
  /** Replaces a provisioning job's schedule or status (start, pause). */
  updateSynchronizationJob(
    servicePrincipalId: Guid,
    jobId: string,
    patch: Partial<SynchronizationJobRecord>,
  ): void;
  /** Runs mutations whose audit entries the caller writes (Graph routes, `/_sim/mutate`). */
  auditedByCaller<T>(fn: () => T): T;
  registerClient(client: ClientRegistration): void;
  updateClient(clientId: Guid, patch: Partial<ClientRegistration>): void;

  /** The change log: entries with seq > `afterSeq`, oldest first. */
  changesSince(afterSeq: number): readonly ChangeRecord[];
  /** The newest sequence number (0 for a fresh tenant). */
  readonly currentSeq: number;
  /** The store's clock, injectable for tests (milliseconds since the epoch). */
  now(): number;
}

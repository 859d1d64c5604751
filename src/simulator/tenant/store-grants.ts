/**
 * Grants of access held outside group membership: app-role assignments, directory role
 * assignments and PIM schedule instances, licences; plus the records without delta (audit log,
 * provisioning jobs, client registrations).
 */
import { appRoleActivity, appRoleCategory, pimActivity } from './audit-entry.js';
import { isGuid, ZERO_GUID } from './ids.js';
import type {
  AppRoleAssignmentRecord,
  ClientRegistration,
  DirectoryAuditRecord,
  Guid,
  RoleAssignmentRecord,
  RoleDefinitionRecord,
  RoleScheduleInstanceRecord,
  SubscribedSkuRecord,
  SynchronizationJobRecord,
} from './model.js';
import { TenantObjects } from './store-objects.js';

export abstract class TenantGrants extends TenantObjects {
  // --- app-role assignments ---------------------------------------------------------------------

  appRoleAssignedTo(resourceSpId: Guid): readonly AppRoleAssignmentRecord[] {
    return this.grantList('r', resourceSpId);
  }

  appRoleAssignmentsOf(principalId: Guid): readonly AppRoleAssignmentRecord[] {
    return this.grantList('p', principalId);
  }

  /**
   * https://learn.microsoft.com/graph/api/serviceprincipal-post-approleassignedto
   * The app role must exist on the resource (or be the all-zero default-access role) and allow the
   * principal's type; the same (principal, resource, role) cannot be granted twice.
   */
  addAppRoleAssignment(a: AppRoleAssignmentRecord): void {
    return this.audited(
      appRoleActivity(a.principalType, true),
      appRoleCategory(a.principalType),
      [a.principalId, a.resourceId],
      () => {
        if (this.appRoleAssignments.has(a.id)) throw new Error(`appRoleAssignment id ${a.id} already exists`);
        const resource = this.requireServicePrincipal(a.resourceId);
        const kind = this.requireKind(a.principalId, 'principal');
        const expected = { user: 'User', group: 'Group', servicePrincipal: 'ServicePrincipal' }[
          kind as string
        ];
        if (expected !== a.principalType) {
          throw new Error(
            `principalType ${a.principalType} does not match principal ${a.principalId}, which is a ${kind}`,
          );
        }
        if (a.appRoleId !== ZERO_GUID) {
          const role = resource.appRoles.find((r) => r.id === a.appRoleId);
          if (!role)
            throw new Error(
              `appRoleId ${a.appRoleId} is not an app role of servicePrincipal ${a.resourceId}`,
            );
          const member = a.principalType === 'ServicePrincipal' ? 'Application' : 'User';
          if (!role.allowedMemberTypes.includes(member)) {
            throw new Error(
              `app role ${a.appRoleId} of ${a.resourceId} does not allow ${member} assignments`,
            );
          }
        }
        for (const other of this.grantList('p', a.principalId)) {
          if (other.resourceId === a.resourceId && other.appRoleId === a.appRoleId) {
            throw new Error('Permission being assigned already exists on the object');
          }
        }
        this.insertGrant(a);
        this.record({
          objectKind: 'servicePrincipal',
          id: a.resourceId,
          kind: 'updated',
          changedProperties: ['appRoleAssignedTo'],
        });
      },
    );
  }

  removeAppRoleAssignment(id: string): boolean {
    const known = this.appRoleAssignments.get(id);
    return this.audited(
      appRoleActivity(known?.principalType ?? 'User', false),
      appRoleCategory(known?.principalType ?? 'User'),
      known ? [known.principalId, known.resourceId] : [],
      () => {
        const a = this.deleteGrant(id);
        if (!a) return false;
        this.record({
          objectKind: 'servicePrincipal',
          id: a.resourceId,
          kind: 'updated',
          changedProperties: ['appRoleAssignedTo'],
        });
        return true;
      },
      (r) => r,
    );
  }

  // --- directory roles ---------------------------------------------------------------------------

  addRoleDefinition(def: RoleDefinitionRecord): void {
    if (!isGuid(def.id)) throw new Error(`roleDefinition.id must be a GUID, got ${JSON.stringify(def.id)}`);
    if (this.roleDefinitions.has(def.id)) throw new Error(`roleDefinition ${def.id} already exists`);
    this.roleDefinitions.set(def.id, def);
  }

  /** Active role assignments a principal holds directly. */
  roleAssignmentsOf(principalId: Guid): readonly RoleAssignmentRecord[] {
    return this.roleAssignmentsByPrincipal
      .targetsOf(principalId)
      .map((id) => this.roleAssignments.get(id) as RoleAssignmentRecord);
  }

  /** https://learn.microsoft.com/graph/api/rbacapplication-post-roleassignments */
  addRoleAssignment(a: RoleAssignmentRecord): void {
    return this.audited('Add member to role', 'RoleManagement', [a.principalId, a.roleDefinitionId], () => {
      if (this.roleAssignments.has(a.id)) throw new Error(`roleAssignment ${a.id} already exists`);
      this.checkRoleTarget(a);
      this.insertRoleAssignment(a);
    });
  }

  removeRoleAssignment(id: string): boolean {
    const known = this.roleAssignments.get(id);
    return this.audited(
      'Remove member from role',
      'RoleManagement',
      known ? [known.principalId, known.roleDefinitionId] : [],
      () => {
        return this.deleteRoleAssignment(id) !== undefined;
      },
      (r) => r,
    );
  }

  /** A PIM schedule instance: `active` (roleAssignmentScheduleInstances) or `eligible`. */
  addRoleScheduleInstance(which: 'active' | 'eligible', inst: RoleScheduleInstanceRecord): void {
    return this.audited(
      pimActivity(which, true, inst.endDateTime !== null),
      'RoleManagement',
      [inst.principalId, inst.roleDefinitionId],
      () => {
        const map =
          which === 'active' ? this.roleAssignmentScheduleInstances : this.roleEligibilityScheduleInstances;
        if (map.has(inst.id)) throw new Error(`role schedule instance ${inst.id} already exists`);
        this.checkRoleTarget(inst);
        map.set(inst.id, inst);
      },
    );
  }

  removeRoleScheduleInstance(which: 'active' | 'eligible', id: string): boolean {
    const known = (
      which === 'active' ? this.roleAssignmentScheduleInstances : this.roleEligibilityScheduleInstances
    ).get(id);
    return this.audited(
      pimActivity(which, false, known?.endDateTime != null),
      'RoleManagement',
      known ? [known.principalId, known.roleDefinitionId] : [],
      () => {
        return (
          which === 'active' ? this.roleAssignmentScheduleInstances : this.roleEligibilityScheduleInstances
        ).delete(id);
      },
      (r) => r,
    );
  }

  private checkRoleTarget(a: { roleDefinitionId: Guid; principalId: Guid; directoryScopeId: string }): void {
    if (!this.roleDefinitions.has(a.roleDefinitionId))
      throw new Error(`roleDefinitionId ${a.roleDefinitionId} does not exist`);
    const kind = this.requireKind(a.principalId, 'principalId');
    if (kind !== 'user' && kind !== 'servicePrincipal' && kind !== 'group') {
      throw new Error(
        `principalId ${a.principalId} is a ${kind}; roles go to users, groups and service principals`,
      );
    }
    if (kind === 'group' && !this.groups.get(a.principalId)?.isAssignableToRole) {
      throw new Error(`group ${a.principalId} is not role-assignable (isAssignableToRole is false)`);
    }
    const unit = /^\/administrativeUnits\/(.+)$/.exec(a.directoryScopeId);
    if (a.directoryScopeId !== '/' && !(unit && this.administrativeUnits.has(unit[1] as string))) {
      throw new Error(
        `directoryScopeId must be "/" or "/administrativeUnits/<existing id>", got ${JSON.stringify(a.directoryScopeId)}`,
      );
    }
  }

  // --- licenses ----------------------------------------------------------------------------------

  addSubscribedSku(sku: SubscribedSkuRecord): void {
    if (this.subscribedSkus.some((s) => s.skuId === sku.skuId))
      throw new Error(`subscribedSku ${sku.skuId} already exists`);
    this.subscribedSkus.push(sku);
  }

  /** https://learn.microsoft.com/graph/api/user-assignlicense */
  assignLicense(userId: Guid, add: { skuId: Guid; disabledPlans: Guid[] }[], remove: Guid[]): void {
    return this.audited('Change user license', 'UserManagement', [userId], () => {
      const user = this.requireUser(userId);
      if (add.length > 0 && !user.usageLocation) {
        throw new Error('License assignment cannot be done for user with invalid usage location.');
      }
      const skuIndex = (skuId: Guid): number => {
        const i = this.subscribedSkus.findIndex((s) => s.skuId === skuId);
        if (i < 0) throw new Error(`skuId ${skuId} is not a subscribed SKU of this tenant`);
        return i;
      };
      const current = new Map(user.assignedLicenses.map((l) => [l.skuId, l]));
      for (const skuId of remove) {
        skuIndex(skuId);
        if (!current.delete(skuId))
          throw new Error(`User does not have a corresponding license for skuId ${skuId}`);
        this.adjustConsumed(skuId, -1);
      }
      for (const l of add) {
        const sku = this.subscribedSkus[skuIndex(l.skuId)] as SubscribedSkuRecord;
        if (!current.has(l.skuId)) {
          if (sku.consumedUnits >= sku.prepaidUnits.enabled)
            throw new Error(`Subscription with SKU ${l.skuId} does not have any available licenses.`);
          this.adjustConsumed(l.skuId, 1);
        }
        current.set(l.skuId, { skuId: l.skuId, disabledPlans: [...l.disabledPlans] });
      }
      this.updateUser(userId, { assignedLicenses: [...current.values()] });
    });
  }

  private adjustConsumed(skuId: Guid, delta: number): void {
    const i = this.subscribedSkus.findIndex((s) => s.skuId === skuId);
    const sku = this.subscribedSkus[i] as SubscribedSkuRecord;
    this.subscribedSkus[i] = { ...sku, consumedUnits: sku.consumedUnits + delta };
  }

  // --- audit, provisioning jobs, app registrations (no delta) --------------------------------------

  addAudit(entry: DirectoryAuditRecord): void {
    this.directoryAudits.push(entry);
  }

  addSynchronizationJob(servicePrincipalId: Guid, job: SynchronizationJobRecord): void {
    this.requireServicePrincipal(servicePrincipalId);
    const jobs = this.synchronizationJobs.get(servicePrincipalId) ?? [];
    jobs.push(job);
    this.synchronizationJobs.set(servicePrincipalId, jobs);
  }

  updateSynchronizationJob(
    servicePrincipalId: Guid,
    jobId: string,
    patch: Partial<SynchronizationJobRecord>,
  ): void {
    const jobs = this.synchronizationJobs.get(servicePrincipalId) ?? [];
    const i = jobs.findIndex((j) => j.id === jobId);
    if (i < 0)
      throw new Error(`synchronization job ${JSON.stringify(jobId)} does not exist on ${servicePrincipalId}`);
    if (patch.id !== undefined && patch.id !== jobId)
      throw new Error(`synchronization job ${jobId}: id cannot be changed`);
    jobs[i] = { ...(jobs[i] as SynchronizationJobRecord), ...patch };
  }

  registerClient(client: ClientRegistration): void {
    if (!isGuid(client.clientId))
      throw new Error(`client.clientId must be a GUID, got ${JSON.stringify(client.clientId)}`);
    if (this.clients.has(client.clientId)) throw new Error(`client ${client.clientId} is already registered`);
    this.clients.set(client.clientId, client);
  }

  updateClient(clientId: Guid, patch: Partial<ClientRegistration>): void {
    const old = this.clients.get(clientId);
    if (!old) throw new Error(`client ${JSON.stringify(clientId)} is not registered`);
    if (patch.clientId !== undefined && patch.clientId !== clientId)
      throw new Error(`client ${clientId}: clientId cannot be changed`);
    this.clients.set(clientId, { ...old, ...patch });
  }
}

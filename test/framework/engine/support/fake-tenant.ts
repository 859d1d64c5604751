/**
 * A small in-memory tenant for engine tests, with a change log that the fake Graph client replays
 * for delta queries. Independent of the connector: tests compute expected snapshots from it.
 */
export type Obj = Record<string, unknown>;
export type Kind = 'user' | 'group' | 'servicePrincipal' | 'device' | 'orgContact';

export interface Change {
  seq: number;
  kind: 'user' | 'group' | 'device' | 'application';
  id: string;
  removed?: boolean;
  link?: { rel: 'members' | 'owners'; id: string; kind: Kind; removed: boolean };
}

export class FakeTenant {
  readonly orgId = 'org-1';
  readonly tenantId = 'tenant-1';
  users = new Map<string, Obj>();
  managers = new Map<string, string>();
  groups = new Map<string, Obj>();
  members = new Map<string, Map<string, Kind>>();
  owners = new Map<string, Map<string, Kind>>();
  sps = new Map<string, Obj>();
  assignments: {
    id: string;
    resourceId: string;
    appRoleId: string;
    principalId: string;
    principalType: string;
  }[] = [];
  spOwners = new Map<string, string[]>();
  roleDefs = new Map<string, Obj>();
  roleAssignments: { roleDefinitionId: string; principalId: string; directoryScopeId: string }[] = [];
  eligible: { roleDefinitionId: string; principalId: string; directoryScopeId: string }[] = [];
  pim = true;
  skus: Obj[] = [];
  devices = new Map<string, Obj>();
  /** App registrations (with passwordCredentials/keyCredentials), by object id. */
  apps = new Map<string, Obj>();
  log: Change[] = [];
  seq = 0;

  private record(c: Omit<Change, 'seq'>): void {
    this.log.push({ ...c, seq: ++this.seq });
  }
  kindOf(id: string): Kind {
    if (this.users.has(id)) return 'user';
    if (this.groups.has(id)) return 'group';
    if (this.sps.has(id)) return 'servicePrincipal';
    if (this.devices.has(id)) return 'device';
    return 'orgContact';
  }
  addUser(u: Obj, managerId?: string): void {
    this.users.set(u.id as string, { assignedLicenses: [], accountEnabled: true, ...u });
    if (managerId) this.managers.set(u.id as string, managerId);
    this.record({ kind: 'user', id: u.id as string });
  }
  updateUser(id: string, patch: Obj): void {
    this.users.set(id, { ...this.users.get(id)!, ...patch });
    this.record({ kind: 'user', id });
  }
  deleteUser(id: string): void {
    this.users.delete(id);
    this.managers.delete(id);
    this.record({ kind: 'user', id, removed: true });
    for (const [g, m] of this.members) if (m.has(id)) this.removeMember(g, id);
  }
  addGroup(g: Obj): void {
    this.groups.set(g.id as string, { groupTypes: [], securityEnabled: true, mailEnabled: false, ...g });
    this.members.set(g.id as string, new Map());
    this.owners.set(g.id as string, new Map());
    this.record({ kind: 'group', id: g.id as string });
  }
  deleteGroup(id: string): void {
    this.groups.delete(id);
    this.members.delete(id);
    this.owners.delete(id);
    this.record({ kind: 'group', id, removed: true });
  }
  addMember(g: string, id: string, kind: Kind = this.kindOf(id)): void {
    this.members.get(g)!.set(id, kind);
    this.record({ kind: 'group', id: g, link: { rel: 'members', id, kind, removed: false } });
  }
  removeMember(g: string, id: string): void {
    const kind = this.members.get(g)!.get(id)!;
    this.members.get(g)!.delete(id);
    this.record({ kind: 'group', id: g, link: { rel: 'members', id, kind, removed: true } });
  }
  addOwner(g: string, id: string): void {
    this.owners.get(g)!.set(id, this.kindOf(id));
    this.record({ kind: 'group', id: g, link: { rel: 'owners', id, kind: this.kindOf(id), removed: false } });
  }
  addApp(a: Obj): void {
    this.apps.set(a.id as string, { passwordCredentials: [], keyCredentials: [], ...a });
    this.record({ kind: 'application', id: a.id as string });
  }
  updateApp(id: string, patch: Obj): void {
    this.apps.set(id, { ...this.apps.get(id)!, ...patch });
    this.record({ kind: 'application', id });
  }
  deleteApp(id: string): void {
    this.apps.delete(id);
    this.record({ kind: 'application', id, removed: true });
  }
  addDevice(d: Obj): void {
    this.devices.set(d.id as string, { accountEnabled: true, ...d });
    this.record({ kind: 'device', id: d.id as string });
  }
}

/** A tenant with a bit of everything: nesting (with a cycle), SPs over the expand cap, PIM. */
export function demoTenant(): FakeTenant {
  const t = new FakeTenant();
  for (let i = 1; i <= 7; i++) {
    t.addUser(
      {
        id: `u${i}`,
        displayName: `User ${i}`,
        userPrincipalName: `user${i}@contoso.test`,
        mail: i % 2 ? `user${i}@contoso.test` : null,
        jobTitle: 'Engineer',
        onPremisesSyncEnabled: i === 7 ? true : null,
        assignedLicenses: i <= 3 ? [{ skuId: 'sku-e5', disabledPlans: [] }] : [],
      },
      i > 1 ? 'u1' : undefined,
    );
  }
  t.addGroup({ id: 'g1', displayName: 'Engineering', groupTypes: ['Unified'], mailEnabled: true });
  t.addGroup({ id: 'g2', displayName: 'Platform' });
  t.addGroup({ id: 'g3', displayName: 'On-prem admins', onPremisesSyncEnabled: true });
  t.addGroup({ id: 'g4', displayName: 'Dynamic', groupTypes: ['DynamicMembership'] });
  t.sps.set('sp-app', {
    id: 'sp-app',
    appId: 'app-payroll',
    displayName: 'Payroll',
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: t.orgId,
    accountEnabled: true,
    appRoles: [
      { id: 'role-admin', value: 'Admin', displayName: 'Administrator', allowedMemberTypes: ['User'] },
      { id: 'role-daemon', value: 'Daemon', allowedMemberTypes: ['Application'] },
    ],
  });
  t.sps.set('sp-ms', {
    id: 'sp-ms',
    displayName: 'Office',
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
    appRoles: [],
  });
  t.sps.set('sp-ms2', {
    id: 'sp-ms2',
    displayName: 'Teams',
    servicePrincipalType: 'Application',
    appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
    appRoles: [],
    // A SAML signing certificate lives on the service principal (thumbprint as base64).
    keyCredentials: [
      {
        keyId: 'key-saml',
        displayName: 'CN=Microsoft Azure Federated SSO Certificate',
        type: 'AsymmetricX509Cert',
        usage: 'Sign',
        startDateTime: '2025-01-01T00:00:00Z',
        endDateTime: '2028-01-01T00:00:00Z',
        customKeyIdentifier: Buffer.from('AB'.repeat(20), 'hex').toString('base64'),
      },
    ],
    passwordCredentials: [],
  });
  t.addApp({
    id: 'app-obj-payroll',
    appId: 'app-payroll',
    displayName: 'Payroll',
    passwordCredentials: [
      {
        keyId: 'key-pw1',
        displayName: 'deploy',
        hint: 'Xy1',
        startDateTime: '2026-01-01T00:00:00Z',
        endDateTime: '2027-01-01T00:00:00Z',
      },
    ],
    keyCredentials: [
      {
        keyId: 'key-cert1',
        displayName: 'CN=payroll',
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        startDateTime: '2025-01-01T00:00:00Z',
        endDateTime: '2026-06-01T00:00:00Z',
        customKeyIdentifier: '0123456789abcdef0123456789abcdef01234567',
      },
    ],
  });
  // An app registration without a service principal in this tenant: its credentials have no parent.
  t.addApp({
    id: 'app-obj-orphan',
    appId: 'app-orphan',
    displayName: 'Orphan',
    passwordCredentials: [
      {
        keyId: 'key-pw2',
        displayName: null,
        hint: 'abc',
        startDateTime: '2024-01-01T00:00:00Z',
        endDateTime: '2025-01-01T00:00:00Z',
      },
    ],
  });
  t.sps.set('sp-mi', {
    id: 'sp-mi',
    displayName: 'vm-identity',
    servicePrincipalType: 'ManagedIdentity',
    appId: 'app-mi',
    accountEnabled: true,
  });
  t.addMember('g1', 'u1');
  t.addMember('g1', 'u2');
  t.addMember('g1', 'u3');
  t.addMember('g1', 'g2');
  t.addMember('g2', 'u4');
  t.addMember('g2', 'g1'); // a cycle
  t.addMember('g2', 'u7');
  t.addMember('g2', 'sp-mi');
  t.addMember('g2', 'contact-1', 'orgContact');
  t.addMember('g3', 'u5');
  t.addOwner('g1', 'u1');
  t.addOwner('g2', 'sp-app');
  t.addDevice({
    id: 'd1',
    displayName: 'laptop-1',
    trustType: 'AzureAd',
    approximateLastSignInDateTime: '2026-11-01T00:00:00Z',
  });
  t.addDevice({
    id: 'd2',
    displayName: 'byod-2',
    trustType: 'Workplace',
    approximateLastSignInDateTime: '2025-01-01T00:00:00Z',
  });
  t.addMember('g2', 'd1');
  // 25 assignments on sp-app (over the expand cap of 20): u1..u7 default access + admin role, etc.
  let n = 0;
  const assign = (resourceId: string, appRoleId: string, principalId: string, principalType: string) =>
    t.assignments.push({ id: `a${++n}`, resourceId, appRoleId, principalId, principalType });
  for (let i = 1; i <= 7; i++) assign('sp-app', '00000000-0000-0000-0000-000000000000', `u${i}`, 'User');
  for (let i = 1; i <= 7; i++) assign('sp-app', 'role-admin', `u${i}`, 'User');
  assign('sp-app', 'role-admin', 'g2', 'Group');
  assign('sp-app', 'role-daemon', 'sp-mi', 'ServicePrincipal');
  for (let i = 1; i <= 9; i++) assign('sp-app', `role-gone-${i}`, 'u1', 'User');
  assign('sp-ms2', '00000000-0000-0000-0000-000000000000', 'u2', 'User');
  t.spOwners.set('sp-app', ['u1', 'u2']);
  t.roleDefs.set('rd-ga', {
    id: 'rd-ga',
    displayName: 'Global Administrator',
    isBuiltIn: true,
    isEnabled: true,
    templateId: 'rd-ga',
  });
  t.roleDefs.set('rd-ua', {
    id: 'rd-ua',
    displayName: 'User Administrator',
    isBuiltIn: true,
    isEnabled: true,
    templateId: 'rd-ua',
  });
  t.roleAssignments.push({ roleDefinitionId: 'rd-ga', principalId: 'u1', directoryScopeId: '/' });
  t.roleAssignments.push({ roleDefinitionId: 'rd-ua', principalId: 'u2', directoryScopeId: '/' });
  t.roleAssignments.push({
    roleDefinitionId: 'rd-ua',
    principalId: 'u2',
    directoryScopeId: '/administrativeUnits/au1',
  });
  t.roleAssignments.push({ roleDefinitionId: 'rd-ua', principalId: 'g2', directoryScopeId: '/' });
  t.eligible.push({ roleDefinitionId: 'rd-ga', principalId: 'u3', directoryScopeId: '/' });
  t.skus.push({
    id: 'x_sku-e5',
    skuId: 'sku-e5',
    skuPartNumber: 'ENTERPRISEPREMIUM',
    capabilityStatus: 'Enabled',
    consumedUnits: 3,
    prepaidUnits: { enabled: 25 },
  });
  t.skus.push({
    id: 'x_sku-f1',
    skuId: 'sku-f1',
    skuPartNumber: 'SPE_F1',
    capabilityStatus: 'Enabled',
    consumedUnits: 0,
    prepaidUnits: { enabled: 5 },
  });
  return t;
}

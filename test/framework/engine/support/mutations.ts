import fc from 'fast-check';
import { appRoleAssignmentId } from '../../../../src/simulator/ids.js';
import type { TenantStore as Tenant } from '../../../../src/simulator/tenant/store-api.js';

/**
 * One random change to a simulator tenant: an operation and numbers that pick its subjects from
 * the tenant as it is when the change is applied (so any sequence applies to any tenant).
 */
export interface Mutation {
  op: (typeof OPS)[number];
  a: number;
  b: number;
  c: number;
}

const OPS = [
  'updateUser',
  'renameUserMail',
  'toggleUserOnPremises',
  'disableUser',
  'deleteUser',
  'restoreUser',
  'createUser',
  'signIn',
  'addMember',
  'removeMember',
  'nestGroup',
  'addOwner',
  'removeOwner',
  'setManager',
  'clearManager',
  'assignLicense',
  'removeLicense',
  'updateGroup',
  'deleteGroup',
  'addAppRoleAssignment',
  'removeAppRoleAssignment',
  'unassignApp',
  'addRoleAssignment',
  'removeRoleAssignment',
  'updateServicePrincipal',
  'updateApplication',
  'expireCredential',
  'updateDevice',
  'deleteDevice',
] as const;

export const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom(...OPS),
  a: fc.nat(10_000),
  b: fc.nat(10_000),
  c: fc.nat(10_000),
});

let created = 0;
const guid = (n: number) => `7e57da7a-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

/**
 * Applies one change; a change the tenant refuses (a duplicate, a missing subject) is skipped, as
 * Graph would refuse it.
 */
export function applyMutation(t: Tenant, m: Mutation): void {
  const users = [...t.users.keys()];
  const assigned = [...t.groups.values()]
    .filter((g) => !g.groupTypes.includes('DynamicMembership'))
    .map((g) => g.id);
  const sps = [...t.servicePrincipals.keys()];
  // Half the picks fall on a few subjects (the scope groups a test configures are the first two
  // assigned groups; managers), so changes pile up where the output depends on more than one object.
  const managers = users.filter((id) => t.directReportsOf(id).length > 0);
  const u = m.b % 2 ? pick(managers, m.a) : pick(users, m.a);
  const g = m.a % 2 ? pick(assigned.slice(0, 3), m.b) : pick(assigned, m.b);
  const iso = (days: number) => new Date(t.now() - days * 86_400_000).toISOString();
  /** Near the 30-day staleness boundary the tests configure: later runs move the clock across it. */
  const nearBoundary = () => iso(27 + (m.c % 4));
  try {
    switch (m.op) {
      case 'updateUser':
        if (u) t.updateUser(u, { jobTitle: `Title ${m.c}`, department: m.c % 2 ? 'QA' : null });
        break;
      case 'renameUserMail':
        if (u) t.updateUser(u, { mail: m.c % 3 === 0 ? null : `mail-${m.c}-${m.a}@example.test` });
        break;
      case 'toggleUserOnPremises':
        if (u) t.updateUser(u, { onPremisesSyncEnabled: !t.users.get(u)!.onPremisesSyncEnabled });
        break;
      case 'disableUser':
        if (u) t.updateUser(u, { accountEnabled: !t.users.get(u)!.accountEnabled });
        break;
      case 'deleteUser':
        if (u) t.deleteUser(u);
        break;
      case 'restoreUser': {
        const d = pick([...t.deletedUsers.keys()], m.a);
        if (d) t.restoreUser(d);
        break;
      }
      case 'createUser': {
        const model = u ? t.users.get(u) : undefined;
        if (!model) break;
        const id = guid(++created);
        const domain = model.userPrincipalName.split('@')[1];
        t.createUser({
          ...model,
          id,
          userPrincipalName: `new-${created}@${domain}`,
          mail: m.c % 2 ? `new-${created}@${domain}` : null,
          mailNickname: `new-${created}`,
          displayName: `New ${created}`,
          createdDateTime: nearBoundary(),
          assignedLicenses: [],
          signInActivity: undefined,
        } as Parameters<Tenant['createUser']>[0]);
        break;
      }
      case 'signIn':
        if (u) {
          const at = nearBoundary();
          t.updateUser(u, {
            signInActivity: {
              lastSignInDateTime: at,
              lastSignInRequestId: null,
              lastNonInteractiveSignInDateTime: null,
              lastNonInteractiveSignInRequestId: null,
              lastSuccessfulSignInDateTime: at,
              lastSuccessfulSignInRequestId: null,
            },
          } as Parameters<Tenant['updateUser']>[1]);
        }
        break;
      case 'addMember': {
        const members = [...users, ...sps, ...t.devices.keys()];
        const who = pick(members, m.c);
        if (g && who) t.addMember(g, who);
        break;
      }
      case 'removeMember':
        if (g) {
          const who = pick(t.membersOf(g), m.c);
          if (who) t.removeMember(g, who);
        }
        break;
      case 'nestGroup': {
        const child = pick(assigned, m.c);
        if (g && child && child !== g) t.addMember(g, child);
        break;
      }
      case 'addOwner': {
        const who = pick([...users, ...sps], m.c);
        if (g && who) t.addOwner(g, who);
        break;
      }
      case 'removeOwner':
        if (g) {
          const who = pick(t.ownersOf(g), m.c);
          if (who) t.removeOwner(g, who);
        }
        break;
      case 'setManager': {
        const boss = pick(users, m.c);
        if (u && boss && boss !== u) t.setManager(u, boss);
        break;
      }
      case 'clearManager':
        if (u) t.setManager(u, null);
        break;
      case 'assignLicense': {
        const sku = pick(t.subscribedSkus, m.c);
        if (u && sku) t.assignLicense(u, [{ skuId: sku.skuId, disabledPlans: [] }], []);
        break;
      }
      case 'removeLicense':
        if (u) {
          const held = t.users.get(u)!.assignedLicenses;
          const sku = pick(held, m.c);
          if (sku) t.assignLicense(u, [], [sku.skuId]);
        }
        break;
      case 'updateGroup':
        if (g)
          t.updateGroup(g, { displayName: `Group ${m.c}`, description: m.c % 2 ? `About ${m.c}` : null });
        break;
      case 'deleteGroup':
        if (g) t.deleteGroup(g);
        break;
      case 'addAppRoleAssignment': {
        const sp = pick(
          sps.filter((id) => t.servicePrincipals.get(id)!.servicePrincipalType === 'Application'),
          m.b,
        );
        const principal = pick([...users, ...assigned], m.c);
        if (!sp || !principal) break;
        const resource = t.servicePrincipals.get(sp)!;
        const roles = resource.appRoles.filter((r) => r.allowedMemberTypes.includes('User'));
        const role = pick(roles, m.a)?.id ?? '00000000-0000-0000-0000-000000000000';
        const isUser = t.users.has(principal);
        t.addAppRoleAssignment({
          id: appRoleAssignmentId(principal),
          appRoleId: role,
          principalId: principal,
          principalType: isUser ? 'User' : 'Group',
          principalDisplayName: 'someone',
          resourceId: sp,
          resourceDisplayName: resource.displayName,
          createdDateTime: iso(0),
          deletedDateTime: null,
        });
        break;
      }
      case 'removeAppRoleAssignment': {
        const id = pick([...t.appRoleAssignments.keys()], m.a);
        if (id) t.removeAppRoleAssignment(id);
        break;
      }
      case 'unassignApp': {
        // Every assignment of one application goes: whether it is synced may change with it.
        const sp = pick(sps, m.a);
        if (sp) for (const a of t.appRoleAssignedTo(sp)) t.removeAppRoleAssignment(a.id);
        break;
      }
      case 'addRoleAssignment': {
        const role = pick([...t.roleDefinitions.keys()], m.b);
        const principal = pick(users, m.c);
        if (role && principal)
          t.addRoleAssignment({
            id: `${role}-${principal}-${m.a}`,
            principalId: principal,
            roleDefinitionId: role,
            directoryScopeId: '/',
            appScopeId: null,
            condition: null,
          });
        break;
      }
      case 'removeRoleAssignment': {
        const id = pick([...t.roleAssignments.keys()], m.a);
        if (id) t.removeRoleAssignment(id);
        break;
      }
      case 'updateServicePrincipal': {
        const sp = pick(sps, m.a);
        if (sp)
          t.updateServicePrincipal(sp, {
            displayName: `App ${m.c}`,
            accountEnabled: m.c % 2 === 0,
          });
        break;
      }
      case 'updateApplication': {
        const app = pick([...t.applications.values()], m.a);
        if (app)
          t.updateApplication(app.id, {
            displayName: `Registration ${m.c}`,
            ...(m.c % 2 ? { passwordCredentials: app.passwordCredentials.slice(1) } : {}),
          });
        break;
      }
      case 'expireCredential': {
        // A secret ending within the next few days: the clock passes its end in a later run.
        const app = pick([...t.applications.values()], m.a);
        if (app)
          t.updateApplication(app.id, {
            passwordCredentials: [
              ...app.passwordCredentials,
              {
                keyId: guid(++created),
                displayName: `expiring ${created}`,
                hint: 'Exp',
                startDateTime: iso(10),
                endDateTime: iso(-1 - (m.c % 3)),
                customKeyIdentifier: null,
                secretText: null,
              },
            ],
          });
        break;
      }
      case 'updateDevice': {
        const d = pick([...t.devices.keys()], m.a);
        if (d)
          t.updateDevice(d, {
            displayName: `Device ${m.c}`,
            accountEnabled: m.c % 2 === 0,
            approximateLastSignInDateTime: m.c % 3 ? nearBoundary() : null,
          });
        break;
      }
      case 'deleteDevice': {
        const d = pick([...t.devices.keys()], m.a);
        if (d) t.deleteDevice(d);
        break;
      }
    }
  } catch {
    // Refused by the tenant (as Graph would refuse it): no change.
  }
}

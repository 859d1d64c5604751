/**
 * Recent directory audit events (the last seven days, oldest first) in the shape of
 * https://learn.microsoft.com/graph/api/resources/directoryaudit, naming real objects of the
 * tenant as their targets.
 */
import type { ClientSecrets } from './gen-apps.js';
import { type GenContext, DAY_MS } from './gen-context.js';
import { isoSeconds } from './ids.js';
import type { DirectoryAuditRecord, Guid } from './model.js';

type Target = DirectoryAuditRecord['targetResources'][number];

const ACTIVITIES = [
  { name: 'Add member to group', category: 'GroupManagement', operationType: 'Assign' },
  { name: 'Remove member from group', category: 'GroupManagement', operationType: 'Unassign' },
  { name: 'Update user', category: 'UserManagement', operationType: 'Update' },
  { name: 'Add user', category: 'UserManagement', operationType: 'Add' },
  { name: 'Add app role assignment grant to user', category: 'UserManagement', operationType: 'Assign' },
  { name: 'Add member to role', category: 'RoleManagement', operationType: 'Assign' },
  { name: 'Update group', category: 'GroupManagement', operationType: 'Update' },
  { name: 'Add owner to group', category: 'GroupManagement', operationType: 'Assign' },
] as const;

export function generateAudits(ctx: GenContext, clients: ClientSecrets): void {
  const { rng, tenant, ids, size } = ctx;
  const start = ctx.base - 7 * DAY_MS;
  const step = (7 * DAY_MS) / Math.max(1, size.directoryAudits);
  const user = (id: Guid): Target => {
    const u = tenant.users.get(id);
    return {
      id,
      displayName: u?.displayName ?? null,
      type: 'User',
      userPrincipalName: u?.userPrincipalName ?? null,
      modifiedProperties: [],
    };
  };
  const group = (id: Guid): Target => ({
    id,
    displayName: tenant.groups.get(id)?.displayName ?? null,
    type: 'Group',
    userPrincipalName: null,
    modifiedProperties: [],
  });
  for (let i = 0; i < size.directoryAudits; i++) {
    // Every activity appears once before any repeats, so even small tenants have them all.
    const activity = i < ACTIVITIES.length ? ACTIVITIES[i] : rng.pick(ACTIVITIES);
    if (!activity) continue;
    const subject = rng.pick(ids.members);
    const g = rng.pick(ids.groups);
    let targets: Target[];
    switch (activity.name) {
      case 'Add member to group':
      case 'Remove member from group':
      case 'Add owner to group':
        targets = [user(subject), group(g)];
        break;
      case 'Update group':
        targets = [
          {
            ...group(g),
            modifiedProperties: [{ displayName: 'Description', oldValue: '[]', newValue: '["updated"]' }],
          },
        ];
        break;
      case 'Add app role assignment grant to user': {
        const sp = rng.pick(ids.assignableSps);
        targets = [
          {
            id: sp,
            displayName: tenant.servicePrincipals.get(sp)?.displayName ?? null,
            type: 'ServicePrincipal',
            userPrincipalName: null,
            modifiedProperties: [],
          },
          user(subject),
        ];
        break;
      }
      case 'Add member to role':
        targets = [
          user(subject),
          {
            id: rng.pick([...tenant.roleDefinitions.keys()]),
            displayName: null,
            type: 'Role',
            userPrincipalName: null,
            modifiedProperties: [],
          },
        ];
        break;
      default:
        targets = [
          {
            ...user(subject),
            modifiedProperties: [
              { displayName: 'JobTitle', oldValue: '["Analyst"]', newValue: '["Manager"]' },
            ],
          },
        ];
    }
    const byApp = rng.chance(0.3);
    const admin = tenant.users.get(ids.members[0] as Guid);
    tenant.addAudit({
      id: `Directory_${rng.hex(5).toUpperCase()}_${rng.hex(8).toUpperCase()}_${rng.int(10_000_000, 99_999_999)}`,
      category: activity.category,
      correlationId: rng.guid(),
      result: rng.chance(0.97) ? 'success' : 'failure',
      resultReason: '',
      activityDisplayName: activity.name,
      activityDateTime: isoSeconds(start + i * step + rng.float() * step * 0.9),
      loggedByService: 'Core Directory',
      operationType: activity.operationType,
      initiatedBy: byApp
        ? {
            user: null,
            app: {
              appId: clients.confidential.clientId,
              displayName: 'Identity Sync Connector',
              servicePrincipalId: clients.confidential.spId,
            },
          }
        : {
            user: {
              id: admin?.id ?? subject,
              displayName: admin?.displayName ?? null,
              userPrincipalName: admin?.userPrincipalName ?? null,
            },
            app: null,
          },
      targetResources: targets,
      additionalDetails: [{ key: 'User-Agent', value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)' }],
    });
  }
}

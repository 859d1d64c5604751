import { entitlementId } from '../../framework/ids.js';
import type {
  Entitlement,
  Grant,
  GrantsQuery,
  Page,
  Resource,
  ResourceSyncer,
} from '../../framework/types.js';
import type { ConnectorConfig } from '../../config/types.js';
import { RESOURCE_TYPES } from '../resource-types.js';
import {
  grantsFromLinks,
  listKind,
  makeGrant,
  oneOfKind,
  principalFor,
  principalSql,
  type SyncerDeps,
} from '../shared/common.js';
import { applyProfileMappings, type FieldMapping } from '../shared/mapping.js';
import type { GraphUser } from '../user/graph.js';
import type { GraphGroup } from './graph.js';

export const GROUP_MAPPINGS: FieldMapping[] = [
  { entra: 'id', field: 'id.resource' },
  { entra: 'displayName', field: 'displayName' },
  { entra: 'description', field: 'description' },
  {
    entra: 'groupTypes, mailEnabled, securityEnabled',
    field: 'profile.group_type',
    note: 'microsoft_365|mail_enabled_security|security|distribution',
  },
  { entra: 'groupTypes (DynamicMembership)', field: 'profile.membership_type', note: 'dynamic|assigned' },
  { entra: 'id', field: 'profile.object_id' },
  { entra: 'displayName', field: 'profile.display_name' },
  { entra: 'mail', field: 'profile.mail' },
  { entra: 'mailNickname', field: 'profile.mail_nickname' },
  { entra: 'mailEnabled', field: 'profile.mail_enabled' },
  { entra: 'securityEnabled', field: 'profile.security_enabled' },
  { entra: 'securityIdentifier', field: 'profile.security_identifier' },
  { entra: 'classification', field: 'profile.classification' },
  { entra: 'visibility', field: 'profile.visibility' },
  { entra: 'membershipRule', field: 'profile.membership_rule' },
  { entra: 'isAssignableToRole', field: 'profile.is_assignable_to_role' },
  { entra: 'createdDateTime', field: 'profile.created_date_time' },
  { entra: 'onPremisesSyncEnabled', field: 'profile.on_premises_sync_enabled' },
  { entra: 'onPremisesSamAccountName', field: 'profile.on_premises_sam_account_name' },
  { entra: 'onPremisesSecurityIdentifier', field: 'profile.on_premises_security_identifier' },
  { entra: 'onPremisesDomainName', field: 'profile.on_premises_domain_name' },
  { entra: 'onPremisesLastSyncDateTime', field: 'profile.on_premises_last_sync_date_time' },
  {
    entra: 'members (members@delta)',
    field: 'grants of group:<id>:member',
    note: 'nested groups expandable',
  },
  { entra: 'owners (owners@delta)', field: 'grants of group:<id>:owner', note: 'relationship' },
];

/**
 * Group kinds as the Entra admin center names them.
 * https://learn.microsoft.com/graph/api/resources/groups-overview#group-types-in-microsoft-entra-id-and-microsoft-graph
 */
export function groupType(
  g: Pick<GraphGroup, 'groupTypes' | 'mailEnabled' | 'securityEnabled'>,
): 'microsoft_365' | 'mail_enabled_security' | 'security' | 'distribution' {
  const types = g.groupTypes ?? [];
  if (types.includes('Unified')) return 'microsoft_365';
  if (g.mailEnabled === true && g.securityEnabled === true) return 'mail_enabled_security';
  if (g.securityEnabled === true) return 'security';
  return 'distribution';
}

/** Pure: a Graph group → a `group` resource. */
export function toGroupResource(g: GraphGroup): Resource {
  const id = g.id;
  const profile = applyProfileMappings(g, GROUP_MAPPINGS);
  profile.object_id = id;
  profile.group_type = groupType(g);
  profile.membership_type = (g.groupTypes ?? []).includes('DynamicMembership') ? 'dynamic' : 'assigned';
  const r: Resource = {
    id: { resourceType: 'group', resource: id },
    displayName: g.displayName ?? id,
    profile,
  };
  if (typeof g.description === 'string' && g.description) r.description = g.description;
  if (typeof g.createdDateTime === 'string') r.createdAt = g.createdDateTime;
  return r;
}

export function groupEntitlements(r: Resource): Entitlement[] {
  return [
    {
      id: entitlementId(r.id, 'member'),
      resource: r.id,
      slug: 'member',
      purpose: 'assignment',
      grantableTo: ['user', 'group', 'enterprise_application', 'managed_identity', 'device'],
      displayName: `${r.displayName} member`,
    },
    {
      id: entitlementId(r.id, 'owner'),
      resource: r.id,
      slug: 'owner',
      purpose: 'ownership',
      grantableTo: ['user', 'enterprise_application', 'managed_identity'],
      displayName: `${r.displayName} owner`,
    },
  ];
}

export function createGroupSyncer(deps: SyncerDeps): ResourceSyncer {
  const { config } = deps;
  /** With skipAdGroups, on-premises users drop out of cloud groups unless asked to stay. */
  const keepMember = (kind: string, id: string): boolean => {
    if (!config.skipAdGroups || config.includeOnPremGroupMembers || kind !== 'user') return true;
    const u = deps.source.get<GraphUser>('user', id);
    if (u?.onPremisesSyncEnabled === true) {
      deps.drop('on-premises user in cloud group (BATON_SKIP_AD_GROUPS)');
      return false;
    }
    return true;
  };
  const map = (_id: string, g: GraphGroup): Resource | undefined => {
    if (config.skipAdGroups && g.onPremisesSyncEnabled === true) {
      deps.drop('on-premises group (BATON_SKIP_AD_GROUPS)');
      return undefined;
    }
    return toGroupResource(g);
  };
  const grantsQuery = groupGrantsQuery(config);
  return {
    resourceType: RESOURCE_TYPES.group,
    ...(grantsQuery ? { grantsQuery } : {}),
    list(token): Promise<Page<Resource>> {
      return listKind<GraphGroup>(deps, 'group', token, map);
    },
    resource: (id) => oneOfKind(deps, 'group', id, map),
    entitlements: groupEntitlements,
    grants(resource, token): Promise<Page<Grant>> {
      // Both relationships in one keyset walk: rel `member` sorts before `owner`.
      return grantsFromLinks(deps, 'group', resource.id.resource, '', token, (l) => {
        if (l.rel !== 'member' && l.rel !== 'owner') return undefined;
        if (l.rel === 'member' && !keepMember(l.targetKind, l.targetId)) return undefined;
        const p = principalFor(deps, l.targetKind, l.targetId);
        if (!p) return undefined;
        // Owning a group does not hand out its members' access: no expansion on owner grants.
        if (l.rel === 'owner') delete p.expandable;
        return makeGrant(entitlementId(resource.id, l.rel), p);
      });
    },
  };
}

/**
 * The group syncer's `grants` in SQL: every membership and ownership of the output's groups in
 * (?1, ?2]. Undefined when members are filtered by their own properties (on-premises users under
 * BATON_SKIP_AD_GROUPS): those grants come from `grants` one by one.
 */
function groupGrantsQuery(config: ConnectorConfig): GrantsQuery | undefined {
  if (config.skipAdGroups && !config.includeOnPremGroupMembers) return undefined;
  const p = principalSql(config);
  const type = RESOURCE_TYPES.group.id;
  const links = `FROM source_links l
    WHERE l.kind = 'group' AND l.rel IN ('member', 'owner')
      AND l.owner_id IN (SELECT id FROM resources WHERE resource_type = '${type}' AND id > ?1 AND id <= ?2)`;
  return {
    // A nested group's membership expands to its members; an ownership does not (see grants).
    select: `SELECT '${type}:' || l.owner_id || ':' || l.rel, ${p.type}, l.target_id,
      CASE WHEN l.rel = 'member' AND l.target_kind = 'group'
        THEN json_object('expandable', json_array('${type}:' || l.target_id || ':member')) END
      ${links} AND ${p.kept}`,
    drops: `SELECT ${p.reason} AS reason, count(*) AS n ${links} AND NOT ${p.kept} GROUP BY 1`,
  };
}

import type { SourceStore } from '../../framework/source.js';
import {
  applyDeltaObject,
  isRemoved,
  odataKind,
  type CollectContext,
  type CollectPhase,
} from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphGroup, GraphGroupDelta } from './graph.js';

export const GROUP_SELECT: (keyof GraphGroup)[] = [
  'id',
  'displayName',
  'description',
  'classification',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'securityIdentifier',
  'isAssignableToRole',
  'membershipRule',
  'visibility',
  'createdDateTime',
  'onPremisesSyncEnabled',
  'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier',
  'onPremisesDomainName',
  'onPremisesLastSyncDateTime',
];

/** The first request of a fresh groups round: the groups with their members and owners. */
export const GROUPS_DELTA_URL = `/groups/delta?$select=${[...GROUP_SELECT, 'members', 'owners'].join(',')}`;

/**
 * `groups/delta` with `$select=…,members,owners`: memberships and ownerships arrive as
 * `members@delta`/`owners@delta` chunks, so no per-group member listing is needed. A big group
 * repeats across pages with further chunks; links are upserted and `@removed` ones deleted.
 * https://learn.microsoft.com/graph/delta-query-groups
 */
export const groupsPhase: CollectPhase = {
  name: 'groups',
  run(ctx: CollectContext) {
    return runPagedPhase<GraphGroupDelta>(ctx, {
      phase: 'groups',
      startUrl: GROUPS_DELTA_URL,
      deltaKey: 'delta:groups',
      total: '/groups/$count',
      owns: { objects: ['group'], links: ['group'] },
      itemKey: (item) => item.id,
      onPage: (items) => {
        for (const item of items) applyGroup(ctx.store.source, item);
      },
    });
  },
};

export function applyGroup(source: SourceStore, item: GraphGroupDelta): void {
  const id = item.id;
  if (!applyDeltaObject(source, 'group', item)) return;
  for (const [rel, delta] of [
    ['member', item['members@delta']],
    ['owner', item['owners@delta']],
  ] as const) {
    if (!Array.isArray(delta)) continue;
    for (const link of delta) {
      const targetId = link.id;
      // A removal can show up even in the initial round (microsoftgraph/microsoft-graph-docs#2005).
      if (isRemoved(link)) source.unlink('group', id, rel, targetId);
      else source.link({ kind: 'group', ownerId: id, rel, targetId, targetKind: odataKind(link) });
    }
  }
}

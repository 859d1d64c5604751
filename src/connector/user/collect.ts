import { replaceEdges } from '../shared/edges.js';
import type { SourceStore } from '../../framework/source.js';
import {
  isRemoved,
  plainProperties,
  type CollectContext,
  type CollectPhase,
  type GraphObject,
} from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { ConnectorConfig } from '../../config/types.js';
import type { GraphUser, GraphUserDelta, GraphUserSignIn } from './graph.js';

/** Properties read for every user; the `mapping` command documents where each one lands. */
export const USER_SELECT: (keyof GraphUser)[] = [
  'id',
  'displayName',
  'userPrincipalName',
  'mail',
  'otherMails',
  'givenName',
  'surname',
  'jobTitle',
  'department',
  'companyName',
  'employeeId',
  'employeeType',
  'employeeHireDate',
  'userType',
  'accountEnabled',
  'createdDateTime',
  'onPremisesSyncEnabled',
  'onPremisesImmutableId',
  'onPremisesSamAccountName',
  'onPremisesDomainName',
  'assignedLicenses',
];

/** The first request of a fresh users round. */
export function usersDeltaUrl(config: Pick<ConnectorConfig, 'onPremisesExtensionAttributes'>): string {
  const select: string[] = [...USER_SELECT];
  if (config.onPremisesExtensionAttributes) select.push('onPremisesExtensionAttributes');
  select.push('manager');
  return `/users/delta?$select=${select.join(',')}`;
}

/**
 * `users/delta` with `$select=…,manager`: the initial round lists every user (their licenses
 * included, so no per-SKU listing is needed), later rounds only the changes. Objects can repeat
 * across pages and updates carry only what changed, so records are merged by id.
 * https://learn.microsoft.com/graph/delta-query-users
 */
export const usersPhase: CollectPhase = {
  name: 'users',
  run(ctx: CollectContext) {
    return runPagedPhase<GraphUserDelta>(ctx, {
      phase: 'users',
      startUrl: usersDeltaUrl(ctx.config),
      deltaKey: 'delta:users',
      total: '/users/$count',
      owns: { objects: ['user'], links: ['user'] },
      itemKey: (item) => item.id,
      onPage: (items) => {
        for (const item of items) applyUser(ctx.store.source, item);
      },
    });
  },
};

export function applyUser(source: SourceStore, item: GraphUserDelta): void {
  const id = item.id;
  if (isRemoved(item)) {
    source.remove('user', id);
    return;
  }
  const merged: GraphObject = { ...source.get<GraphUser>('user', id), ...plainProperties(item) };
  delete merged.manager;
  source.put('user', id, merged);
  applyManager(source, id, item);
  if (Array.isArray(item.assignedLicenses)) {
    const skus = item.assignedLicenses.map((l) => ({ targetId: l.skuId, targetKind: 'sku' }));
    replaceEdges(source, 'user', id, 'license', skus);
  }
}

/** `manager@delta` carries the new manager (or its removal); a plain `manager` object may appear too. */
function applyManager(source: SourceStore, id: string, item: GraphUserDelta): void {
  const delta = item['manager@delta'];
  if (Array.isArray(delta)) {
    for (const m of delta) {
      if (isRemoved(m)) source.unlink('user', id, 'manager', m.id);
      else replaceEdges(source, 'user', id, 'manager', [{ targetId: m.id, targetKind: 'user' }]);
    }
  } else if (item.manager && typeof item.manager === 'object' && typeof item.manager.id === 'string') {
    replaceEdges(source, 'user', id, 'manager', [{ targetId: item.manager.id, targetKind: 'user' }]);
  }
}

/**
 * Sign-in activity is not tracked by delta queries, so it is listed on every sync. With
 * `signInActivity` selected Graph caps pages at 120.
 * https://learn.microsoft.com/graph/api/user-list#optional-query-parameters
 */
export const signInPhase: CollectPhase = {
  name: 'signInActivity',
  run(ctx: CollectContext) {
    return runPagedPhase<GraphUserSignIn>(ctx, {
      phase: 'signInActivity',
      startUrl: '/users?$select=id,signInActivity&$top=120',
      onPage: (items) => {
        for (const item of items) {
          if (item.signInActivity) ctx.store.source.put('signIn', item.id, item.signInActivity);
        }
      },
    });
  },
};

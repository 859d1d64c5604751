import type { SourceStore } from '../../framework/source.js';
import {
  isRemoved,
  plainProperties,
  type CollectContext,
  type CollectPhase,
} from '../shared/collect-context.js';
import { runPagedPhase } from '../shared/paged.js';
import type { GraphObject as Item } from '../shared/collect-context.js';

/** Properties read for every user; the `mapping` command documents where each one lands. */
export const USER_SELECT = [
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

/**
 * `users/delta` with `$select=…,manager`: the initial round lists every user (their licenses
 * included, so no per-SKU listing is needed), later rounds only the changes. Objects can repeat
 * across pages and updates carry only what changed, so records are merged by id.
 * https://learn.microsoft.com/graph/delta-query-users
 */
export const usersPhase: CollectPhase = {
  name: 'users',
  run(ctx: CollectContext) {
    const select = [...USER_SELECT];
    if (ctx.config.onPremisesExtensionAttributes) select.push('onPremisesExtensionAttributes');
    select.push('manager');
    return runPagedPhase<Item>(ctx, {
      phase: 'users',
      startUrl: `/users/delta?$select=${select.join(',')}`,
      deltaKey: 'delta:users',
      owns: { objects: ['user'], links: ['user'] },
      itemKey: (item) => item.id as string,
      onPage: (items) => {
        for (const item of items) applyUser(ctx.store.source, item);
      },
    });
  },
};

export function applyUser(source: SourceStore, item: Item): void {
  const id = item.id as string;
  if (isRemoved(item)) {
    source.remove('user', id);
    return;
  }
  const previous = source.get<Item>('user', id) ?? {};
  const merged = { ...previous, ...plainProperties(item) };
  delete merged.manager;
  source.put('user', id, merged);
  applyManager(source, id, item);
  if (Array.isArray(item.assignedLicenses)) {
    source.clearRel('user', id, 'license');
    for (const l of item.assignedLicenses as { skuId: string }[]) {
      source.link({ kind: 'user', ownerId: id, rel: 'license', targetId: l.skuId, targetKind: 'sku' });
    }
  }
}

/** `manager@delta` carries the new manager (or its removal); a plain `manager` object may appear too. */
function applyManager(source: SourceStore, id: string, item: Item): void {
  const delta = item['manager@delta'];
  if (Array.isArray(delta)) {
    for (const m of delta as Item[]) {
      if (isRemoved(m)) source.unlink('user', id, 'manager', m.id as string);
      else {
        source.clearRel('user', id, 'manager');
        source.link({
          kind: 'user',
          ownerId: id,
          rel: 'manager',
          targetId: m.id as string,
          targetKind: 'user',
        });
      }
    }
  } else if (
    item.manager &&
    typeof item.manager === 'object' &&
    typeof (item.manager as Item).id === 'string'
  ) {
    source.clearRel('user', id, 'manager');
    source.link({
      kind: 'user',
      ownerId: id,
      rel: 'manager',
      targetId: (item.manager as Item).id as string,
      targetKind: 'user',
    });
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
    return runPagedPhase<Item>(ctx, {
      phase: 'signInActivity',
      startUrl: '/users?$select=id,signInActivity&$top=120',
      onPage: (items) => {
        for (const item of items) {
          if (item.signInActivity) ctx.store.source.put('signIn', item.id as string, item.signInActivity);
        }
      },
    });
  },
};

import type { BatchRequest } from '../../graph/types.js';
import { DIRTY_SP } from '../shared/audit.js';
import type { CollectContext, CollectPhase } from '../shared/collect-context.js';
import { recordAssignmentShape, SP_UNREAD_ASSIGNMENTS, spMode, storeAssignments } from './collect.js';
import type { DirectoryObjectRef, GraphCollectionBody } from '../shared/graph.js';
import type { GraphAppRoleAssignment } from './graph.js';
import { expandedOwners, recordOwnerShape, storeOwners, syncedAppIds, unreadOwners } from './owners.js';

/**
 * Walks the ids of one source-cache kind in id order from the checkpoint, handing out chunks; the
 * checkpoint moves past a chunk only once `work` has stored it.
 */
export async function walkIds(
  ctx: CollectContext,
  phase: string,
  ids: () => Iterable<string>,
  chunk: number,
  work: (ids: string[]) => Promise<void>,
): Promise<number> {
  const cp = ctx.store.checkpoints.get(phase);
  if (cp?.status === 'done') return cp.items;
  let items = cp?.items ?? 0;
  const after = cp?.token ?? '';
  let batch: string[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    ctx.signal?.throwIfAborted();
    await work(batch);
    items += batch.length;
    const last = batch.at(-1)!;
    ctx.store.transaction(() => ctx.store.checkpoints.save({ phase, status: 'running', token: last, items }));
    batch = [];
  };
  for (const id of ids()) {
    if (id <= after) continue;
    batch.push(id);
    if (batch.length >= chunk) await flush();
  }
  await flush();
  ctx.store.transaction(() => ctx.store.checkpoints.save({ phase, status: 'done', items }));
  return items;
}

export function* idsOf(ctx: CollectContext, kind: string): Generator<string> {
  for (const row of ctx.store.source.all(kind)) yield row.id;
}

/**
 * Sends up to 20 collection reads in one `$batch` envelope and follows each response's nextLink to
 * the end. Returns each read's items in request order, or undefined for a response `skip` accepts
 * as "nothing there"; any other failure fails the listing.
 * https://learn.microsoft.com/graph/json-batching
 */
export async function batchedListings<T>(
  ctx: CollectContext,
  phase: string,
  urls: string[],
  skip: (status: number, code: unknown) => boolean,
): Promise<(T[] | undefined)[]> {
  const requests: BatchRequest[] = urls.map((url, i) => ({ id: String(i), method: 'GET', url }));
  const responses = await ctx.graph.batch<GraphCollectionBody<T>>(requests, ctx.requestOptions);
  const out: (T[] | undefined)[] = [];
  for (const [i, res] of responses.entries()) {
    if (skip(res.status, res.body.error?.code)) {
      out.push(undefined);
      continue;
    }
    if (res.status < 200 || res.status > 299) {
      throw new Error(`${phase}: GET ${urls[i]!} answered ${res.status} inside $batch`);
    }
    const items = [...(res.body.value ?? [])];
    const next = res.body['@odata.nextLink'];
    if (next) {
      for await (const page of ctx.graph.pages<T>(next, ctx.requestOptions)) items.push(...page.value);
    }
    out.push(items);
  }
  return out;
}

/**
 * Reads one relationship collection for up to 20 objects in one `$batch` envelope. A 404 means the
 * object was deleted since it was listed (its resource goes with it).
 */
async function batchedCollections<T>(
  ctx: CollectContext,
  phase: string,
  ids: string[],
  url: (id: string) => string,
  store: (id: string, items: T[]) => void,
): Promise<void> {
  const results = await batchedListings<T>(ctx, phase, ids.map(url), (status) => status === 404);
  for (const [i, items] of results.entries()) {
    if (items) ctx.store.transaction(() => store(ids[i]!, items));
  }
}

/**
 * Full assignment listings, 20 a batch: after a listing, of the service principals whose
 * expansion hit the cap (or that the listing did not expand); after a delta replay, of those the
 * delta or the audit log named. A listing's figures are kept for the next one's choice.
 */
export const spAssignmentsPhase: CollectPhase = {
  name: 'appRoleAssignedTo',
  async run(ctx: CollectContext) {
    const delta = spMode(ctx) === 'delta';
    const n = await walkIds(
      ctx,
      'appRoleAssignedTo',
      () => idsOf(ctx, delta ? DIRTY_SP : SP_UNREAD_ASSIGNMENTS),
      20,
      (ids) =>
        batchedCollections<GraphAppRoleAssignment>(
          ctx,
          'appRoleAssignedTo',
          ids,
          (id) =>
            `/servicePrincipals/${id}/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType&$top=999`,
          (id, items) => storeAssignments(ctx, id, items),
        ),
    );
    if (!delta) ctx.store.transaction(() => recordAssignmentShape(ctx));
    return n;
  },
};

/**
 * Owners of the synced enterprise applications (no delta exists for them). After a listing, when
 * that takes fewer requests, a second listing of the service principals expands them (see
 * owners.ts); the apps it did not settle get a listing each, 20 per `$batch` envelope. After a
 * delta replay only those the delta or the audit log named are read, 20 per envelope.
 * https://learn.microsoft.com/graph/json-batching
 */
export const spOwnersPhase: CollectPhase = {
  name: 'servicePrincipalOwners',
  async run(ctx: CollectContext) {
    const delta = spMode(ctx) === 'delta';
    const expanded = delta ? 0 : await expandedOwners(ctx);
    const listed = await walkIds(
      ctx,
      'servicePrincipalOwners',
      () => (delta ? syncedAppIds(ctx) : unreadOwners(ctx)),
      20,
      (ids) =>
        batchedCollections<DirectoryObjectRef>(
          ctx,
          'servicePrincipalOwners',
          ids,
          (id) => `/servicePrincipals/${id}/owners?$select=id`,
          (id, owners) => storeOwners(ctx, id, owners),
        ),
    );
    if (!delta) ctx.store.transaction(() => recordOwnerShape(ctx));
    return expanded + listed;
  },
};

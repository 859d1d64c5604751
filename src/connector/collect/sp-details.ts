import type { BatchRequest } from '../../graph/types.js';
import { isSyncedApplication } from '../resources/enterprise-application.js';
import { odataKind, type CollectContext, type CollectPhase } from './context.js';
import { storeAssignments } from './service-principals.js';

type Item = Record<string, unknown>;

/**
 * Walks the ids of one source-cache kind in id order from the checkpoint, handing out chunks; the
 * checkpoint moves past a chunk only once `work` has stored it.
 */
async function walkIds(
  ctx: CollectContext,
  phase: string,
  ids: () => Iterable<string>,
  chunk: number,
  work: (ids: string[]) => Promise<void>,
): Promise<number> {
  const cp = ctx.db.checkpoint(phase);
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
    ctx.db.transaction(() => ctx.db.saveCheckpoint({ phase, status: 'running', token: last, items }));
    batch = [];
  };
  for (const id of ids()) {
    if (id <= after) continue;
    batch.push(id);
    if (batch.length >= chunk) await flush();
  }
  await flush();
  ctx.db.transaction(() => ctx.db.saveCheckpoint({ phase, status: 'done', items }));
  return items;
}

function* idsOf(ctx: CollectContext, kind: string): Generator<string> {
  for (const row of ctx.db.source.all(kind)) yield row.id;
}

/** Full assignment listings for the service principals whose expansion hit the cap. */
export const spAssignmentsPhase: CollectPhase = {
  name: 'appRoleAssignedTo',
  run(ctx: CollectContext) {
    return walkIds(
      ctx,
      'appRoleAssignedTo',
      () => idsOf(ctx, 'spOverflow'),
      1,
      async ([id]) => {
        const url = `/servicePrincipals/${id!}/appRoleAssignedTo?$select=id,appRoleId,principalId,principalType&$top=999`;
        for await (const page of ctx.graph.pages<Item>(url, ctx.requestOptions)) {
          ctx.signal?.throwIfAborted();
          ctx.db.transaction(() => storeAssignments(ctx, id!, page.value as never));
        }
      },
    );
  },
};

function* syncedAppIds(ctx: CollectContext): Generator<string> {
  const orgIds = new Set([...ctx.db.source.all<Item>('organization')].map((o) => o.id));
  for (const { id, data } of ctx.db.source.all<Item>('servicePrincipal')) {
    if (
      isSyncedApplication(
        data,
        orgIds,
        ctx.db.source.hasLinks('servicePrincipal', id, 'assignment:'),
        ctx.config,
      )
    ) {
      yield id;
    }
  }
}

/**
 * Owners of the synced enterprise applications, 20 per `$batch` envelope (no delta exists for
 * them). https://learn.microsoft.com/graph/json-batching
 */
export const spOwnersPhase: CollectPhase = {
  name: 'servicePrincipalOwners',
  run(ctx: CollectContext) {
    return walkIds(
      ctx,
      'servicePrincipalOwners',
      () => syncedAppIds(ctx),
      20,
      async (ids) => {
        const requests: BatchRequest[] = ids.map((id, i) => ({
          id: String(i),
          method: 'GET',
          url: `/servicePrincipals/${id}/owners?$select=id`,
        }));
        const responses = await ctx.graph.batch<Item>(requests, ctx.requestOptions);
        for (const [i, res] of responses.entries()) {
          const spId = ids[i]!;
          if (res.status === 404) continue; // deleted since it was listed; its resource goes with it
          if (res.status < 200 || res.status > 299) {
            throw new Error(
              `servicePrincipalOwners: GET /servicePrincipals/${spId}/owners answered ${res.status}`,
            );
          }
          const owners = [...((res.body.value as Item[] | undefined) ?? [])];
          const next = res.body['@odata.nextLink'] as string | undefined;
          if (next) {
            for await (const page of ctx.graph.pages<Item>(next, ctx.requestOptions))
              owners.push(...page.value);
          }
          ctx.db.transaction(() => {
            ctx.db.source.clearRel('servicePrincipal', spId, 'owner');
            for (const o of owners) {
              ctx.db.source.link({
                kind: 'servicePrincipal',
                ownerId: spId,
                rel: 'owner',
                targetId: o.id as string,
                targetKind: odataKind(o),
              });
            }
          });
        }
      },
    );
  },
};

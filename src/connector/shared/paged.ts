import { setImmediate } from 'node:timers/promises';
import type { StagedItem, StagedPosition } from '../../framework/collect.js';
import { GraphError } from '../../graph/errors.js';
import type { GraphPage } from '../../graph/types.js';
import { DeltaExpiredError, type CollectContext } from './collect-context.js';

export interface PagedPhaseSpec<T> {
  phase: string;
  /** First request of a fresh round (a listing, or a delta query). */
  startUrl: string;
  /** For delta phases: where the round's `@odata.deltaLink` is kept between syncs. */
  deltaKey?: string;
  /**
   * Source-cache kinds this phase owns: a round that starts from the beginning (no usable delta
   * link) replaces them, so nothing the previous snapshot held survives unless listed again.
   */
  owns?: { objects: string[]; links: string[] };
  /** Applies one page to the source cache; runs inside the page's transaction. */
  onPage(items: T[]): void;
  /**
   * For phases whose items touch only the records of their own key (id): a round that starts from
   * the beginning stages its pages as they arrive and applies them in key order when it ends, a
   * slice at a time (see applyStaged). Graph hands out objects in no useful order, and applied as they
   * come, every object would be written to a random place in the source cache's B-trees: once
   * those outgrow SQLite's page cache each item costs a disk write. Items of one key keep their
   * order, so repeats across pages merge exactly as they would have.
   */
  itemKey?: (item: T) => string;
  /**
   * For listings (no delta round, whose end is proven by its deltaLink): the collection's `$count`,
   * checked against what the listing stored. A page that lost its `@odata.nextLink` looks like the
   * last one; without the count a truncated listing would pass for the whole collection.
   */
  count?: ListingCount;
  /**
   * For delta phases over a whole collection: its `$count` segment (e.g. `/users/$count`), whose
   * answer is how many items a fresh round reads, for the progress estimate only (a failure loses
   * the estimate, never the phase).
   */
  total?: string;
}

export interface ListingCount {
  /** The collection as named in errors, e.g. `/servicePrincipals`. */
  collection: string;
  /** Its `$count` segment, e.g. `/servicePrincipals/$count`. */
  url: string;
  /** How many distinct objects the listing stored so far. */
  stored(): number;
}

/** Staged items are applied in batches of this many. */
const APPLY_BATCH = 100;

/** Batches of staged items are applied in one transaction until it has run this long. */
const APPLY_SLICE_MS = 10;

/** Fresh delta rounds Graph may reset before the phase gives up. */
const MAX_ROUND_RESTARTS = 3;

/**
 * Walks a Graph collection page by page. Each page and the checkpoint naming the next page commit
 * in one transaction, so a sync killed anywhere resumes at the first page not yet stored. A delta
 * phase starts from the previous snapshot's delta link when there is one and ends by storing the
 * new link.
 */
export async function runPagedPhase<T>(ctx: CollectContext, spec: PagedPhaseSpec<T>): Promise<number> {
  const { store } = ctx;
  const cp = store.checkpoints.get(spec.phase);
  if (cp?.status === 'done') return cp.items;
  if (cp?.status === 'applying') return applyStaged(ctx, spec, cp.items);
  let url: string;
  let items = cp?.items ?? 0;
  ctx.progress?.resume(items);
  if (cp?.token !== undefined) {
    url = cp.token;
    const total = store.scratch.get(`total:${spec.phase}`);
    if (total !== undefined) ctx.progress?.expect(Number(total));
  } else {
    // A fresh start: take over the previous snapshot's delta link (if any) as this round's cursor,
    // and forget it, so that only a link from this round can end the phase.
    // A link recorded for a different query (other $select) would replay the wrong properties.
    const stored =
      spec.deltaKey && store.state.get(`${spec.deltaKey}:query`) === spec.startUrl
        ? store.state.get(spec.deltaKey)
        : undefined;
    url = stored ?? spec.startUrl;
    // Counted before the listing starts and again when it ends: objects created meanwhile raise
    // only the second count, deleted ones lower only the second, so the smaller bounds the listing.
    const before = stored === undefined && spec.count ? await countOf(ctx, spec.count) : undefined;
    // Asked only when someone follows the progress: the phase itself needs no total.
    const totalUrl = stored === undefined && ctx.progress ? spec.total : undefined;
    const total =
      before ?? (totalUrl !== undefined ? await estimateOf(ctx, spec.phase, totalUrl) : undefined);
    if (total !== undefined) ctx.progress?.expect(total);
    store.transaction(() => {
      if (before !== undefined) store.scratch.set(`count:${spec.phase}`, String(before));
      if (total !== undefined) store.scratch.set(`total:${spec.phase}`, String(total));
      if (spec.deltaKey) {
        store.state.delete(spec.deltaKey);
        store.state.set(`${spec.deltaKey}:query`, spec.startUrl);
      }
      if (stored !== undefined) store.scratch.set(`replaying:${spec.phase}`, '1');
      else if (spec.owns) store.source.clearKinds(spec.owns.objects, spec.owns.links);
      store.checkpoints.clearStaged(spec.phase);
      store.checkpoints.save({ phase: spec.phase, status: 'running', token: url, items });
    });
  }
  const replaying = store.scratch.get(`replaying:${spec.phase}`) === '1';
  // A replayed delta round carries only changes: applied at once, they are few.
  const key = replaying ? undefined : spec.itemKey;
  for (let restarts = 0; ; restarts++) {
    const pages = ctx.graph.pages<T>(url, ctx.requestOptions)[Symbol.asyncIterator]();
    let ahead = prefetch(pages);
    try {
      for (;;) {
        const next = await ahead;
        if (next.done) break;
        const page = next.value;
        ctx.signal?.throwIfAborted();
        // The following page is requested before this one is stored, so that Graph serves it while
        // this process parses and writes. Only stored pages are checkpointed: a sync stopped here
        // resumes at `page.nextLink`, whether or not the page fetched ahead had arrived.
        ahead = prefetch(pages);
        const after = !replaying && isLast(page) && spec.count ? await countOf(ctx, spec.count) : undefined;
        store.transaction(() => {
          const last = isLast(page);
          if (key) {
            store.checkpoints.stage(
              spec.phase,
              page.value.map((item) => ({ key: key(item), data: item })),
            );
            // Checked once the staged items are in the source store.
            if (after !== undefined) noteCount(ctx, spec, after);
          } else {
            spec.onPage(page.value);
            if (after !== undefined) checkCount(ctx, spec, countNoted(ctx, spec, after));
          }
          items += page.value.length;
          if (last && spec.deltaKey) {
            if (!page.deltaLink)
              throw new Error(`${spec.phase}: the delta round ended without an @odata.deltaLink`);
            store.state.set(spec.deltaKey, page.deltaLink);
          }
          store.checkpoints.save({
            phase: spec.phase,
            status: last ? (key ? 'applying' : 'done') : 'running',
            token: page.nextLink,
            items,
          });
        });
        ctx.progress?.read(items);
      }
      if (key) return await applyStaged(ctx, spec, items);
      break;
    } catch (err) {
      const expired = err instanceof GraphError && err.kind === 'sync_state_expired';
      // Graph: an expired delta token is 400 syncStateNotFound or 410 Gone; restart with a full sync.
      // https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset
      // A checkpointed page link of an interrupted sync can expire the same way.
      const resumed = cp?.token !== undefined;
      if ((replaying || resumed) && expired) throw new DeltaExpiredError(spec.phase, err);
      // A round this run started from nothing holds no token of ours that could have expired: the
      // service reset its own sync state and asks for the round again from its first request.
      if (expired && spec.deltaKey && restarts < MAX_ROUND_RESTARTS) {
        ctx.logger.warn(
          { phase: spec.phase, restarts: restarts + 1 },
          'delta round reset by Graph; restarting it',
        );
        url = spec.startUrl;
        items = 0;
        ctx.progress?.resume(0);
        store.transaction(() => {
          if (spec.owns) store.source.clearKinds(spec.owns.objects, spec.owns.links);
          store.checkpoints.clearStaged(spec.phase);
          store.checkpoints.save({ phase: spec.phase, status: 'running', token: url, items });
        });
        continue;
      }
      throw err;
    }
  }
  const end = store.checkpoints.get(spec.phase);
  if (end?.status !== 'done') {
    throw new Error(
      `${spec.phase}: the listing ended without a final page; refusing to treat it as complete`,
    );
  }
  return items;
}

/** `GET <collection>/$count`: an advanced query, so it needs `ConsistencyLevel: eventual`. */
async function countOf(
  ctx: CollectContext,
  count: Pick<ListingCount, 'collection' | 'url'>,
): Promise<number> {
  // https://learn.microsoft.com/graph/aad-advanced-queries#count-collections-and-items
  const n = await ctx.graph.get<unknown>(count.url, {
    ...ctx.requestOptions,
    headers: { ...ctx.requestOptions.headers, ConsistencyLevel: 'eventual' },
  });
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0)
    throw new Error(`${count.collection}: $count answered ${JSON.stringify(n)}, not a count`);
  return n;
}

/** The collection's `$count` for the progress estimate, or undefined when Graph does not give it. */
async function estimateOf(ctx: CollectContext, phase: string, url: string): Promise<number | undefined> {
  try {
    return await countOf(ctx, { collection: url.replace(/\/\$count$/, ''), url });
  } catch (err) {
    ctx.signal?.throwIfAborted();
    ctx.logger.debug({ phase, err }, 'no $count for the progress estimate');
    return undefined;
  }
}

/** A listing ended with fewer objects than the collection's `$count`: some page was cut short. */
export class IncompleteListingError extends Error {
  constructor(
    readonly collection: string,
    readonly listed: number,
    readonly counted: number,
  ) {
    super(
      `${collection}: the listing ended with ${listed} objects but $count counts ${counted}; ` +
        'a page came back without its @odata.nextLink, and a partial listing is not taken as complete',
    );
    this.name = 'IncompleteListingError';
  }
}

/** The smaller of the `$count`s before the listing (noted when it started) and after it. */
function countNoted<T>(ctx: CollectContext, spec: PagedPhaseSpec<T>, after: number): number {
  const noted = ctx.store.scratch.get(`count:${spec.phase}`);
  return noted === undefined ? after : Math.min(Number(noted), after);
}

/** Keeps the count a staged round is checked against once it is applied. */
function noteCount<T>(ctx: CollectContext, spec: PagedPhaseSpec<T>, after: number): void {
  ctx.store.scratch.set(`count:${spec.phase}`, String(countNoted(ctx, spec, after)));
}

/**
 * Fails the listing (inside its last transaction, so neither what it applies nor "done" is
 * stored) when it holds fewer objects than Graph counted both before and after it.
 */
function checkCount<T>(ctx: CollectContext, spec: PagedPhaseSpec<T>, counted: number): void {
  const count = spec.count!;
  const listed = count.stored();
  if (listed < counted) throw new IncompleteListingError(count.collection, listed, counted);
}

/**
 * Applies a round's staged items in key order (arrival order within a key), then forgets them and
 * marks the phase done. A round of a hundred thousand users or a million memberships takes
 * seconds to apply: it runs in slices of about APPLY_SLICE_MS, each its own transaction that also
 * records how far it got, so the other phases' pages are stored between slices instead of waiting
 * (their round trips with them), and a sync stopped mid-way resumes after the last slice.
 */
async function applyStaged<T>(ctx: CollectContext, spec: PagedPhaseSpec<T>, items: number): Promise<number> {
  const { store } = ctx;
  const token = store.checkpoints.get(spec.phase)?.token;
  const staged = store.checkpoints.staged<T>(
    spec.phase,
    token === undefined ? undefined : (JSON.parse(token) as StagedPosition),
  );
  try {
    for (;;) {
      ctx.signal?.throwIfAborted();
      const done = store.transaction(() => {
        const started = ctx.now();
        for (;;) {
          const batch: StagedItem<T>[] = [];
          for (let next = staged.next(); !next.done; next = staged.next())
            if (batch.push(next.value) === APPLY_BATCH) break;
          if (batch.length) spec.onPage(batch.map((b) => b.data));
          if (batch.length < APPLY_BATCH) {
            const counted = store.scratch.get(`count:${spec.phase}`);
            if (spec.count && counted !== undefined) checkCount(ctx, spec, Number(counted));
            store.checkpoints.clearStaged(spec.phase);
            store.checkpoints.save({ phase: spec.phase, status: 'done', items });
            return true;
          }
          if (ctx.now() - started >= APPLY_SLICE_MS) {
            const at = JSON.stringify(batch.at(-1)!.at);
            store.checkpoints.save({ phase: spec.phase, status: 'applying', token: at, items });
            return false;
          }
        }
      });
      if (done) return items;
      await setImmediate();
    }
  } finally {
    staged.return();
  }
}

/** The next page, its failure left for the caller to meet when (if) it awaits it. */
function prefetch<T>(pages: AsyncIterator<GraphPage<T>>): Promise<IteratorResult<GraphPage<T>>> {
  const next = pages.next();
  // A phase that fails while storing a page never awaits the page fetched ahead.
  next.catch(() => undefined);
  return next;
}

function isLast(page: GraphPage<unknown>): boolean {
  return page.nextLink === undefined;
}

import type { SimContext } from '../context.js';
import { GraphHttpError, json, type SimResponse } from '../http/message.js';
import type { ChangeRecord, Guid } from '../tenant/model.js';
import { project, type CollectionRequest } from './collection.js';
import { lookup, odataType } from './directory.js';
import { idOrList, parseFilter } from './filter.js';
import { decodeDelta, encodeDelta, type DeltaState } from './delta-token.js';
import { parseSelect } from './query.js';
import type { ResourceType } from './resource-types.js';

/** Objects per delta page; users/delta pages hold at most 200 (observed, MS Q&A; docs#5566). */
export const DELTA_PAGE = 200;
/** Related objects per `members@delta` chunk; a big group repeats across units and pages. */
export const MEMBER_CHUNK = 100;
/** Directory delta tokens last 7 days. https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens/ */
export const DELTA_TOKEN_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** `$filter=id eq … or …` takes at most 50 ids. https://learn.microsoft.com/graph/delta-query-overview */
export const DELTA_MAX_IDS = 50;

export interface DeltaSet {
  name: 'users' | 'groups' | 'servicePrincipals' | 'devices' | 'applications';
  kind: ChangeRecord['objectKind'];
  type: ResourceType;
  current(ctx: SimContext): Iterable<{ id: Guid }>;
  get(ctx: SimContext, id: Guid): object | undefined;
  /** Relationship names delta can track for this set, and their current targets. */
  relations: Partial<
    Record<'members' | 'owners' | 'manager', (ctx: SimContext, id: Guid) => readonly Guid[]>
  >;
}

type Unit = Record<string, unknown>;

function relationRef(ctx: SimContext, id: Guid, removed = false): Record<string, unknown> {
  const kind = ctx.store.kindOf(id) ?? 'user';
  return { '@odata.type': odataType(kind), id, ...(removed ? { '@removed': { reason: 'deleted' } } : {}) };
}

function selectedRelations(
  set: DeltaSet,
  select: readonly string[] | undefined,
): ('members' | 'owners' | 'manager')[] {
  return (Object.keys(set.relations) as ('members' | 'owners' | 'manager')[]).filter((r) =>
    select?.includes(r),
  );
}

function props(set: DeltaSet, rec: object, select: readonly string[] | undefined): Record<string, unknown> {
  const sel = select?.filter((s) => set.type.properties.has(s));
  return project(rec, set.type, select ? sel : undefined);
}

/** Where each object's units start in an initial round, so a page need not walk the tenant. */
interface RoundIndex {
  key: string;
  ids: Guid[];
  /** starts[k] = index of object k's first unit; starts[ids.length] = the round's total. */
  starts: Int32Array;
}

/** One index per store and entity set; rebuilt when the tenant changes (its change-log position). */
const roundIndexes = new WeakMap<object, Map<string, RoundIndex>>();

function unitCount(lengths: number[]): number {
  let n = 1;
  for (const len of lengths) if (len > MEMBER_CHUNK) n += Math.ceil(len / MEMBER_CHUNK) - 1;
  return n;
}

type Relation = 'members' | 'owners' | 'manager';

function roundIndex(ctx: SimContext, set: DeltaSet, s: DeltaState, rels: readonly Relation[]): RoundIndex {
  const key = `${rels.join(',')}|${s.ids?.join(',') ?? ''}|${ctx.store.currentSeq}`;
  let perStore = roundIndexes.get(ctx.store);
  if (!perStore) roundIndexes.set(ctx.store, (perStore = new Map()));
  const hit = perStore.get(set.name);
  if (hit?.key === key) return hit;
  const ids: Guid[] = [];
  const starts: number[] = [0];
  let index = 0;
  for (const o of set.current(ctx)) {
    if (s.ids && !s.ids.includes(o.id)) continue;
    ids.push(o.id);
    index += unitCount(rels.map((r) => set.relations[r]?.(ctx, o.id).length ?? 0));
    starts.push(index);
  }
  const built = { key, ids, starts: Int32Array.from(starts) };
  perStore.set(set.name, built);
  return built;
}

/**
 * The initial round: every current object, relations chunked so a big group repeats. Only the
 * units of the requested window are built, starting from the object that holds the window's first
 * unit (found in a per-round index), so paging a tenant with a million users or memberships stays
 * linear in the page, not in the tenant.
 */
function initialUnits(
  ctx: SimContext,
  set: DeltaSet,
  s: DeltaState,
  limit: number,
): { page: Unit[]; total: number } {
  const page: Unit[] = [];
  const rels = selectedRelations(set, s.select);
  const { ids, starts } = roundIndex(ctx, set, s, rels);
  const total = starts[ids.length] ?? 0;
  // The last object whose first unit is at or before the window's start.
  let lo = 0;
  let hi = ids.length;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] ?? 0) <= s.offset) lo = mid;
    else hi = mid;
  }
  let index = starts[lo] ?? 0;
  const inWindow = (): boolean => index >= s.offset && index < s.offset + limit;
  for (let k = lo; k < ids.length && index < s.offset + limit; k++) {
    const o = set.get(ctx, ids[k]!);
    if (!o) continue;
    const id = ids[k]!;
    const targets = rels.map((r) => [r, set.relations[r]?.(ctx, id) ?? []] as const);
    const head: Unit | undefined = inWindow() ? props(set, o, s.select) : undefined;
    if (head) page.push(head);
    index++;
    for (const [r, list] of targets) {
      const refs = (from: number) => list.slice(from, from + MEMBER_CHUNK).map((t) => relationRef(ctx, t));
      if (head && list.length > 0) head[`${r}@delta`] = refs(0);
      for (let i = MEMBER_CHUNK; i < list.length; i += MEMBER_CHUNK) {
        if (inWindow()) page.push({ id, [`${r}@delta`]: refs(i) });
        index++;
      }
    }
  }
  return { page, total };
}

/** A later round: the change log between two positions, folded per object (upsert by id). */
function changeUnits(ctx: SimContext, set: DeltaSet, s: DeltaState, minimal: boolean): Unit[] {
  const byId = new Map<
    Guid,
    { full: boolean; props: Set<string>; rels: Map<string, Map<Guid, boolean>>; last: ChangeRecord }
  >();
  for (const c of ctx.store.changesSince(s.from)) {
    if (c.seq > s.to) break;
    if (c.objectKind !== set.kind || (s.ids && !s.ids.includes(c.id))) continue;
    const e = byId.get(c.id) ?? { full: false, props: new Set<string>(), rels: new Map(), last: c };
    e.last = c;
    if (c.kind === 'created' || c.kind === 'restored') e.full = true;
    for (const p of c.changedProperties ?? []) e.props.add(p);
    if (c.relation) {
      const m = e.rels.get(c.relation.name) ?? new Map<Guid, boolean>();
      m.set(c.relation.targetId, c.relation.removed);
      e.rels.set(c.relation.name, m);
    }
    byId.set(c.id, e);
  }
  const units: Unit[] = [];
  const relNames = selectedRelations(set, s.select);
  for (const [id, e] of byId) {
    const rec = set.get(ctx, id);
    if (!rec) {
      // Soft-deleted objects can be restored ("changed"); hard-deleted ones cannot ("deleted").
      units.push({ id, '@removed': { reason: e.last.kind === 'deleted' ? 'deleted' : 'changed' } });
      continue;
    }
    const selectedProps = s.select ? s.select.filter((p) => set.type.properties.has(p)) : undefined;
    const changedSelected = [...e.props].filter((p) => !selectedProps || selectedProps.includes(p));
    const relUnits = relNames.filter((r) => e.rels.has(r));
    if (!e.full && changedSelected.length === 0 && relUnits.length === 0) continue; // unselected changes do not surface
    let unit: Unit;
    if (minimal && !e.full) {
      unit = { id };
      for (const p of changedSelected) unit[p] = (rec as Record<string, unknown>)[p] ?? null;
    } else unit = props(set, rec, s.select);
    for (const r of relUnits)
      unit[`${r}@delta`] = [...(e.rels.get(r) ?? [])].map(([t, removed]) => relationRef(ctx, t, removed));
    if (e.full)
      for (const r of relNames)
        if (!unit[`${r}@delta`])
          unit[`${r}@delta`] = (set.relations[r]?.(ctx, id) ?? []).map((t) => relationRef(ctx, t));
    units.push(unit);
  }
  return units;
}

function expired(ctx: SimContext, s: DeltaState): boolean {
  return ctx.clock.now() - s.issuedAt > DELTA_TOKEN_TTL_MS;
}

/**
 * `GET /{set}/delta`: initial round (pages of the current state ending in `@odata.deltaLink`),
 * later rounds replaying the change log, `$deltatoken=latest`, 7-day expiry (400 syncStateNotFound).
 * https://learn.microsoft.com/graph/delta-query-overview and https://learn.microsoft.com/graph/api/group-delta
 */
export function serveDelta(
  ctx: SimContext,
  req: CollectionRequest & { headers: Record<string, string> },
  set: DeltaSet,
): SimResponse {
  const q = req.query;
  const link = (param: string, st: DeltaState): string =>
    `${ctx.origin}/${req.version}/${set.name}/delta?${param}=${encodeDelta(st)}`;
  const minimal = /return=minimal/i.test(req.headers.prefer ?? '');
  let state: DeltaState;
  const skip = q.get('$skiptoken');
  const delta = q.get('$deltatoken');
  if (skip || (delta && delta !== 'latest')) {
    state = decodeDelta((skip ?? delta) as string, set.name);
    if (expired(ctx, state)) {
      throw new GraphHttpError(
        400,
        'syncStateNotFound',
        'The sync state generation is not found. The delta token is expired and a full resync is required.',
      );
    }
    if (delta) state = { ...state, phase: 'c', to: ctx.store.currentSeq, offset: 0 };
  } else {
    if (q.has('$expand'))
      throw new GraphHttpError(
        400,
        'Request_UnsupportedQuery',
        'The $expand query option is not supported with delta queries.',
      );
    if (q.has('$orderby'))
      throw new GraphHttpError(
        400,
        'Request_UnsupportedQuery',
        'The $orderby query option is not supported with delta queries.',
      );
    // $top is silently ignored by directory delta queries (docs#17516).
    const select = parseSelect(q.get('$select'), set.type, true);
    let ids: string[] | undefined;
    const f = q.get('$filter');
    if (f) {
      ids = idOrList(parseFilter(f).root);
      if (!ids)
        throw new GraphHttpError(
          400,
          'Request_UnsupportedQuery',
          "Delta queries support $filter only as 'id eq' clauses joined by 'or'.",
        );
      if (ids.length > DELTA_MAX_IDS)
        throw new GraphHttpError(
          400,
          'Request_UnsupportedQuery',
          `Too many ids in the filter: at most ${DELTA_MAX_IDS} are supported.`,
        );
    }
    const now = ctx.clock.now();
    const seq = ctx.store.currentSeq;
    const base = {
      set: set.name,
      ...(select ? { select } : {}),
      ...(ids ? { ids } : {}),
      from: seq,
      to: seq,
      offset: 0,
      issuedAt: now,
    };
    if (delta === 'latest') {
      return json(200, {
        '@odata.context': `${ctx.origin}/${req.version}/$metadata#${set.name}`,
        '@odata.deltaLink': link('$deltatoken', { ...base, phase: 'c' }),
        value: [],
      });
    }
    state = { ...base, phase: 'i' };
  }
  let page: Unit[];
  let total: number;
  if (state.phase === 'i') ({ page, total } = initialUnits(ctx, set, state, DELTA_PAGE));
  else {
    const units = changeUnits(ctx, set, state, minimal);
    page = units.slice(state.offset, state.offset + DELTA_PAGE);
    total = units.length;
  }
  const body: Record<string, unknown> = {
    '@odata.context': `${ctx.origin}/${req.version}/$metadata#${set.name}${state.select ? `(${state.select.join(',')})` : ''}`,
  };
  if (state.offset + DELTA_PAGE < total)
    body['@odata.nextLink'] = link('$skiptoken', { ...state, offset: state.offset + DELTA_PAGE });
  else
    body['@odata.deltaLink'] = link('$deltatoken', {
      ...state,
      phase: 'c',
      from: state.phase === 'i' ? state.from : state.to,
      to: state.to,
      offset: 0,
      issuedAt: ctx.clock.now(),
    });
  body.value = page;
  return json(200, body);
}

export function relationTargets(ctx: SimContext, ids: readonly Guid[]): Guid[] {
  return ids.filter((id) => lookup(ctx, id) !== undefined);
}

import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { entitlementId, grantId, resourceKey } from './ids.js';
import type { Entitlement, Grant, Page, Resource, ResourceId, ResourceSyncer } from './types.js';

/**
 * Checks of the framework's contracts that any connector's tests run against its syncers and its
 * syncs, after baton-sdk's `pkg/test` helpers. Plain functions: each throws a ConformanceError
 * naming the syncer, page or id at fault, so they work under any test runner.
 */

/** A broken framework contract found by a conformance check. */
export class ConformanceError extends Error {
  /** Read by test runners that report assertion failures apart from crashes. */
  readonly code = 'ERR_ASSERTION';
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceError';
  }
}

function fail(message: string): never {
  throw new ConformanceError(message);
}

/** More pages than any listing of a test tenant has: a listing past it would not end. */
export const MAX_PAGES = 100_000;

/**
 * Walks a paged listing to its end and returns every item: a page token never repeats (a token
 * handed back unchanged included), the listing ends within `maxPages`, and no two items share a
 * `key`.
 */
export async function exhaustPages<T>(
  what: string,
  fetch: (token: string | undefined) => Promise<Page<T>>,
  options: { key?: (item: T) => string; maxPages?: number } = {},
): Promise<T[]> {
  const maxPages = options.maxPages ?? MAX_PAGES;
  const tokens = new Set<string>();
  const keys = new Set<string>();
  const items: T[] = [];
  let token: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await fetch(token);
    for (const item of page.items) {
      const key = options.key?.(item);
      if (key !== undefined) {
        if (keys.has(key)) fail(`${what}: ${key} emitted twice (page ${pages})`);
        keys.add(key);
      }
      items.push(item);
    }
    const next = page.nextPageToken;
    if (next === undefined) return items;
    if (next === token) fail(`${what}: page ${pages} handed back the token it was given (${clip(next)})`);
    if (tokens.has(next)) fail(`${what}: page token ${clip(next)} repeated at page ${pages}`);
    if (pages >= maxPages) fail(`${what}: no last page after ${maxPages} pages`);
    tokens.add(next);
    token = next;
  }
}

function clip(token: string): string {
  return JSON.stringify(token.length > 80 ? `${token.slice(0, 80)}…` : token);
}

/** `type:id`: a type without `:` and a non-empty id (which may hold `:`). */
export function checkResourceId(id: ResourceId, declared?: readonly string[]): void {
  const key = resourceKey(id);
  if (!id.resourceType || id.resourceType.includes(':'))
    fail(`resource ${key}: type "${id.resourceType}" is empty or holds ":"`);
  if (!id.resource) fail(`resource ${key}: empty resource id`);
  if (declared && !declared.includes(id.resourceType))
    fail(`resource ${key}: type ${id.resourceType} is not a declared resource type`);
}

/** A resource listed by the syncer of `type` is of that type, with well-formed ids. */
export function checkResource(r: Resource, type: string, declared?: readonly string[]): void {
  checkResourceId(r.id, declared);
  if (r.id.resourceType !== type)
    fail(`resource ${resourceKey(r.id)} listed by the ${type} syncer belongs to another type`);
  if (r.parent) checkResourceId(r.parent, declared);
}

/**
 * `<resourceType>:<resourceId>:<slug>`, on the resource that offers it, grantable only to
 * declared resource types.
 */
export function checkEntitlement(e: Entitlement, on: ResourceId, declared: readonly string[]): void {
  if (!e.slug) fail(`entitlement ${e.id}: empty slug`);
  if (e.id !== entitlementId(e.resource, e.slug))
    fail(
      `entitlement ${e.id}: id is not <resourceType>:<resourceId>:<slug> (${entitlementId(e.resource, e.slug)})`,
    );
  if (resourceKey(e.resource) !== resourceKey(on))
    fail(`entitlement ${e.id}: offered by ${resourceKey(on)} but names ${resourceKey(e.resource)}`);
  if (e.grantableTo.length === 0) fail(`entitlement ${e.id}: grantable to no resource type`);
  for (const t of e.grantableTo)
    if (!declared.includes(t)) fail(`entitlement ${e.id}: grantable to ${t}, not a declared resource type`);
}

/**
 * `<entitlementId>:<principalType>:<principalId>`, of an entitlement of the resource it was listed
 * for, to a principal of a declared type; what it expands names entitlements.
 */
export function checkGrant(g: Grant, on: ResourceId, declared: readonly string[]): void {
  const { principal } = g;
  if (!principal.id) fail(`grant ${g.id}: principal without an id`);
  if (!declared.includes(principal.type))
    fail(`grant ${g.id}: principal type ${principal.type} is not a declared resource type`);
  if (g.id !== grantId(g.entitlement, principal))
    fail(
      `grant ${g.id}: id is not <entitlementId>:<principalType>:<principalId> (${grantId(g.entitlement, principal)})`,
    );
  if (!g.entitlement.startsWith(`${resourceKey(on)}:`) || g.entitlement.length <= resourceKey(on).length + 1)
    fail(`grant ${g.id}: listed for ${resourceKey(on)} but of entitlement ${g.entitlement}`);
  for (const e of g.expandable ?? [])
    if (e.split(':').length < 3) fail(`grant ${g.id}: expands ${e}, not an entitlement id`);
}

export interface SyncerCounts {
  resources: number;
  entitlements: number;
  grants: number;
}

/**
 * Runs one syncer to the end: every resource page, and every resource's entitlements and grant
 * pages, checking paging and ids. `declared` are the resource types of the connector (by default
 * only this syncer's).
 */
export async function checkSyncer(
  s: ResourceSyncer,
  declared: readonly string[] = [s.resourceType.id],
  options: { maxPages?: number } = {},
): Promise<SyncerCounts> {
  const type = s.resourceType.id;
  if (!declared.includes(type)) fail(`syncer ${type}: its own type is not among the declared types`);
  const resources = await exhaustPages(`${type} resources`, (t) => s.list(t), {
    key: (r) => resourceKey(r.id),
    ...options,
  });
  const counts: SyncerCounts = { resources: resources.length, entitlements: 0, grants: 0 };
  for (const r of resources) {
    checkResource(r, type, declared);
    const key = resourceKey(r.id);
    const offered = new Set<string>();
    for (const e of s.entitlements(r)) {
      checkEntitlement(e, r.id, declared);
      if (offered.has(e.id)) fail(`${key}: entitlement ${e.id} offered twice`);
      offered.add(e.id);
    }
    counts.entitlements += offered.size;
    const grants = await exhaustPages(`${key} grants`, (t) => s.grants(r, t), {
      key: (g) => g.id,
      ...options,
    });
    for (const g of grants) checkGrant(g, r.id, declared);
    counts.grants += grants.length;
  }
  return counts;
}

/** Every syncer of a connector, one type each; principals and grantees only of their types. */
export async function checkSyncers(
  syncers: readonly ResourceSyncer[],
  options: { maxPages?: number } = {},
): Promise<Map<string, SyncerCounts>> {
  const declared = syncers.map((s) => s.resourceType.id);
  const twice = declared.find((t, i) => declared.indexOf(t) !== i);
  if (twice) fail(`resource type ${twice} has two syncers`);
  const out = new Map<string, SyncerCounts>();
  for (const s of syncers) out.set(s.resourceType.id, await checkSyncer(s, declared, options));
  return out;
}

/**
 * Complete or failed: `run` (a sync that is meant to fail, writing `outFile`) must reject, leave a
 * file already at `outFile` as it was, and leave nothing new in its directory — no snapshot, no
 * partial file. Working state kept for a resume belongs elsewhere (give the sync a state directory
 * outside the output directory). Returns the sync's error.
 */
export async function checkCompleteOrFailed(outFile: string, run: () => Promise<unknown>): Promise<unknown> {
  const dir = dirname(resolve(outFile));
  const before = new Set(await readdir(dir));
  const previous = await readFile(outFile).catch(() => undefined);
  let error: unknown;
  try {
    await run();
  } catch (err) {
    error = err ?? new Error('rejected without a reason');
  }
  if (error === undefined) fail(`${basename(outFile)}: the sync was meant to fail and succeeded`);
  const current = await readFile(outFile).catch(() => undefined);
  if (previous === undefined && current !== undefined)
    fail(`${basename(outFile)}: a failed sync wrote a snapshot`);
  if (previous !== undefined && (current === undefined || !previous.equals(current)))
    fail(`${basename(outFile)}: a failed sync replaced or removed the previous snapshot`);
  const left = (await readdir(dir)).filter((f) => !before.has(f) && f !== basename(outFile));
  if (left.length)
    fail(`${basename(outFile)}: a failed sync left ${left.map((f) => join(dir, f)).join(', ')}`);
  return error;
}

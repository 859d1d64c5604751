import { drainPages } from '../pagination.js';
import type { Entitlement, Resource, ResourceSyncer } from '../types.js';
import type { Logger } from '../../observability/logger.js';
import type { SnapshotDb } from '../../snapshot/database.js';
import { OutputWriter, type OutputSink } from '../../snapshot/output-writer.js';
import type { GrantRange } from '../../snapshot/principal-check.js';
import { setImmediate } from 'node:timers/promises';

const RESOURCE_BATCH = 500;
/** Resources whose grants one statement of a syncer's GrantsQuery inserts. */
const QUERY_RESOURCES = 100;

/** Counts what was left out of the snapshot, by reason. */
export class DropCounter {
  readonly counts = new Map<string, number>();
  drop(reason: string, n = 1): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + n);
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}

/**
 * Drives the syncers into the snapshot's output tables: resource types, then each type's
 * resources, then per resource its entitlements and grants. A grant naming an entitlement its
 * resource does not offer, or a principal the snapshot does not hold (a user outside the scope, a
 * device when devices are not synced), is left out and counted: a snapshot never points at
 * something it does not contain. Principals are checked in one pass once every grant is written;
 * the per-type grant counts logged before it include them.
 *
 * With `early`, the output was begun while the collection ran (see early-output.ts) and the types
 * it names are already written.
 */
export async function emitAll(
  db: SnapshotDb,
  syncers: ResourceSyncer[],
  drops: DropCounter,
  logger: Logger,
  signal?: AbortSignal,
  early?: { emitted: ReadonlySet<string> },
): Promise<void> {
  if (!early) beginOutput(db, syncers);
  const rest = syncers.filter((s) => !early?.emitted.has(s.resourceType.id));
  let started = Date.now();
  let unknown: Map<string, number>;
  if (rest.length) {
    // Rows are inserted on a worker thread while this one reads the source and derives the next.
    const out = await OutputWriter.open(db.path, { unsynced: db.unsynced });
    try {
      for (const s of rest) await emitType(db, out, s, drops, logger, signal);
      started = Date.now();
      unknown = await unknownPrincipals(db, out);
      await out.close();
    } finally {
      await out.stop();
    }
  } else unknown = db.grantsToUnknownPrincipals();
  db.transaction(() => {
    if (unknown.size) db.deleteGrantsToUnknownPrincipals();
    db.endOutput();
  });
  countUnknownPrincipals(unknown, drops, logger, Date.now() - started);
}

/** Ranges of grants the principal check is cut into, shared out between two connections. */
const CHECK_PARTS = 8;

/**
 * The principal check's counts, taken on two connections side by side: the grants are cut into
 * ranges by entitlement, and this connection and the output writer's each count the next range
 * not yet taken until none is left. On a large tenant the check reads a million grants and looks
 * each principal up: a second on one thread.
 */
async function unknownPrincipals(db: SnapshotDb, out: OutputWriter): Promise<Map<string, number>> {
  // Every row committed first: this connection reads what the writer has committed.
  await out.flush();
  const cuts = db.grantBoundaries(CHECK_PARTS);
  const ranges: GrantRange[] = [...cuts, undefined].map((below, i) => ({
    ...(i > 0 ? { from: cuts[i - 1] } : {}),
    ...(below !== undefined ? { below } : {}),
  }));
  const total = new Map<string, number>();
  const add = (counts: Map<string, number>) => {
    for (const [t, n] of counts) total.set(t, (total.get(t) ?? 0) + n);
  };
  let next = 0;
  // The writer takes a range whenever it has none; this thread counts one between its turns.
  const theirs = (async () => {
    while (next < ranges.length) add(await out.unknownPrincipals(ranges[next++]!));
  })();
  // Met below; marked handled so that a writer failing while this thread counts is not unhandled.
  theirs.catch(() => undefined);
  while (next < ranges.length) {
    add(db.grantsToUnknownPrincipals(ranges[next++]));
    // The writer's answer, if it came meanwhile, hands it its next range before this one's.
    await setImmediate();
  }
  await theirs;
  return total;
}

/** Counts the grants to principals the snapshot does not hold (by type) as left out, and logs them. */
function countUnknownPrincipals(
  unknown: ReadonlyMap<string, number>,
  drops: DropCounter,
  logger: Logger,
  ms: number,
): void {
  for (const [t, n] of unknown) drops.drop(`grant to a principal not in the snapshot (${t})`, n);
  logger.info(
    { phase: 'principals', dropped: [...unknown.values()].reduce((a, b) => a + b, 0), ms },
    'grants to principals not in the snapshot dropped',
  );
}

/** Empties the output tables and writes the resource types of `syncers`. */
export function beginOutput(db: SnapshotDb, syncers: ResourceSyncer[]): void {
  db.transaction(() => {
    db.beginOutput();
    for (const s of syncers) db.putResourceType(s.resourceType);
  });
}

/** One type's resources, then (unless none offers any) their entitlements and grants. */
export async function emitType(
  db: SnapshotDb,
  out: OutputSink,
  s: ResourceSyncer,
  drops: DropCounter,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const started = Date.now();
  let n = 0;
  let offered = 0;
  for await (const items of drainPages(`${s.resourceType.id} resources`, (t) => s.list(t), signal)) {
    for (const r of items) {
      out.putResource(r);
      if (offered === 0) offered = s.entitlements(r).length;
    }
    n += items.length;
    await out.room();
  }
  logger.info(
    { phase: 'resources', resourceType: s.resourceType.id, resources: n, ms: Date.now() - started },
    'resources stored',
  );
  // Skipping a type none of whose resources offers an entitlement saves reading back every one of
  // its resources (a million users) only to learn that it has nothing to grant.
  if (offered === 0) return;
  // The grant step reads the resources back from the database: all of them must be there.
  await out.flush();
  await emitAccess(db, out, s, drops, logger, signal);
}

async function emitAccess(
  db: SnapshotDb,
  out: OutputSink,
  s: ResourceSyncer,
  drops: DropCounter,
  logger: Logger,
  signal?: AbortSignal,
): Promise<void> {
  const type = s.resourceType.id;
  const started = Date.now();
  const query = s.grantsQuery;
  const dropped = query?.drops ? db.db.prepare(query.drops) : undefined;
  let entitlements = 0;
  let grants = 0;
  let after = '';
  for (;;) {
    signal?.throwIfAborted();
    const batch = db.resourcesPage(type, after, RESOURCE_BATCH);
    if (batch.length === 0) break;
    const from = after;
    after = batch.at(-1)!.id.resource;
    for (const r of batch) {
      const ents = s.entitlements(r);
      entitlements += ents.length;
      for (const e of ents) out.putEntitlement(e);
      if (!query) grants += await resourceGrants(out, s, r, ents, drops, signal);
    }
    if (!query) continue;
    // A slice of resources a statement: a few milliseconds of inserts each.
    for (let i = 0; i < batch.length; i += QUERY_RESOURCES) {
      signal?.throwIfAborted();
      const lo = i === 0 ? from : batch[i - 1]!.id.resource;
      const hi = batch[Math.min(i + QUERY_RESOURCES, batch.length) - 1]!.id.resource;
      grants += await out.insertGrants(query.select, lo, hi);
      for (const row of dropped?.all(lo, hi) ?? []) drops.drop(String(row.reason), Number(row.n));
      await out.room();
    }
  }
  logger.info(
    { phase: 'grants', resourceType: type, entitlements, grants, ms: Date.now() - started },
    'entitlements and grants stored',
  );
}

/** One resource's grants from its syncer, page by page; returns how many were put. */
async function resourceGrants(
  out: OutputSink,
  s: ResourceSyncer,
  r: Resource,
  ents: Entitlement[],
  drops: DropCounter,
  signal?: AbortSignal,
): Promise<number> {
  const type = s.resourceType.id;
  const offered = new Set(ents.map((e) => e.id));
  let grants = 0;
  // Grants are sent as their pages arrive, so even a group with a million members is never held
  // in memory at once.
  for await (const items of drainPages(`${type}:${r.id.resource} grants`, (t) => s.grants(r, t), signal)) {
    for (const g of items) {
      if (offered.has(g.entitlement)) {
        grants++;
        out.putGrant(g);
      } else {
        drops.drop(`grant of an entitlement not offered (${type})`);
      }
    }
    await out.room();
  }
  return grants;
}

import type { Grant, Resource } from '../framework/types.js';
import type { SnapshotDb } from './database.js';

/** One line of the access-change feed between two snapshots. */
export type Change =
  | { change: 'added' | 'removed' | 'changed'; kind: 'resource'; id: string; display_name: string }
  | {
      change: 'added' | 'removed';
      kind: 'grant';
      id: string;
      entitlement: string;
      principal: { type: string; id: string };
    };

/**
 * Walks two sorted streams side by side (a merge join), so the diff of two big snapshots holds
 * one row of each in memory. `key` must order the rows as the streams do.
 */
function* mergeJoin<T>(
  a: Iterator<T>,
  b: Iterator<T>,
  key: (x: T) => string,
): Generator<[T | undefined, T | undefined]> {
  let x = a.next();
  let y = b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && key(x.value) < key(y.value))) {
      yield [x.value, undefined];
      x = a.next();
    } else if (x.done || key(y.value) < key(x.value)) {
      yield [undefined, y.value];
      y = b.next();
    } else {
      yield [x.value, y.value];
      x = a.next();
      y = b.next();
    }
  }
}

const resourceKey = (r: Resource) => `${r.id.resourceType}\u0000${r.id.resource}`;
const rid = (r: Resource) => `${r.id.resourceType}:${r.id.resource}`;

/** Resources and grants added, removed (and resources changed) from snapshot `a` to `b`. */
export function* diffSnapshots(a: SnapshotDb, b: SnapshotDb): Generator<Change> {
  for (const [x, y] of mergeJoin(a.resources(), b.resources(), resourceKey)) {
    if (x && !y) yield { change: 'removed', kind: 'resource', id: rid(x), display_name: x.displayName };
    else if (!x && y) yield { change: 'added', kind: 'resource', id: rid(y), display_name: y.displayName };
    else if (x && y && JSON.stringify(x) !== JSON.stringify(y)) {
      yield { change: 'changed', kind: 'resource', id: rid(y), display_name: y.displayName };
    }
  }
  const grant = (change: 'added' | 'removed', g: Grant): Change => ({
    change,
    kind: 'grant',
    id: g.id,
    entitlement: g.entitlement,
    principal: g.principal,
  });
  for (const [x, y] of mergeJoin(a.grants(), b.grants(), (g) => g.id)) {
    if (x && !y) yield grant('removed', x);
    else if (!x && y) yield grant('added', y);
  }
}

/**
 * A many-to-many link between directory object ids (group → members, object → owners), indexed
 * both ways. Ids are the records' own strings, so a link costs a Set entry on each side and no
 * copy of any record: the large preset holds over a million memberships this way.
 *
 * Sets keep insertion order, which is the order Graph pages members in. Listing callers get a
 * cached array per key that is dropped on the next change to that key, so paging through a big
 * group does not copy it once per page.
 */
import type { Guid } from './model.js';

const EMPTY: readonly Guid[] = Object.freeze([]);

export class Relation {
  private readonly forward = new Map<Guid, Set<Guid>>();
  private readonly reverse = new Map<Guid, Set<Guid>>();
  private readonly forwardCache = new Map<Guid, readonly Guid[]>();
  private readonly reverseCache = new Map<Guid, readonly Guid[]>();
  private links = 0;

  /** How many links there are in all. */
  get size(): number {
    return this.links;
  }

  has(from: Guid, to: Guid): boolean {
    return this.forward.get(from)?.has(to) ?? false;
  }

  /** Returns false when the link already existed. */
  add(from: Guid, to: Guid): boolean {
    let targets = this.forward.get(from);
    if (!targets) this.forward.set(from, (targets = new Set()));
    if (targets.has(to)) return false;
    targets.add(to);
    let sources = this.reverse.get(to);
    if (!sources) this.reverse.set(to, (sources = new Set()));
    sources.add(from);
    this.invalidate(from, to);
    this.links++;
    return true;
  }

  /** Returns false when there was no such link. */
  remove(from: Guid, to: Guid): boolean {
    const targets = this.forward.get(from);
    if (!targets?.delete(to)) return false;
    if (targets.size === 0) this.forward.delete(from);
    const sources = this.reverse.get(to);
    sources?.delete(from);
    if (sources?.size === 0) this.reverse.delete(to);
    this.invalidate(from, to);
    this.links--;
    return true;
  }

  /** Drops cached listings; skipped when nothing is cached, as during a bulk load. */
  private invalidate(from: Guid, to: Guid): void {
    if (this.forwardCache.size > 0) this.forwardCache.delete(from);
    if (this.reverseCache.size > 0) this.reverseCache.delete(to);
  }

  /** Targets of `from`, in the order they were linked. */
  targetsOf(from: Guid): readonly Guid[] {
    return cached(this.forward, this.forwardCache, from);
  }

  /** Sources linking to `to`, in the order they were linked. */
  sourcesOf(to: Guid): readonly Guid[] {
    return cached(this.reverse, this.reverseCache, to);
  }

  countTargets(from: Guid): number {
    return this.forward.get(from)?.size ?? 0;
  }

  /** Removes every link from or to `id`; returns what was removed, for the change log. */
  detach(id: Guid): { targets: Guid[]; sources: Guid[] } {
    const targets = [...this.targetsOf(id)];
    const sources = [...this.sourcesOf(id)];
    for (const t of targets) this.remove(id, t);
    for (const s of sources) this.remove(s, id);
    return { targets, sources };
  }

  /** Every source that has at least one link, in first-link order. */
  sources(): IterableIterator<Guid> {
    return this.forward.keys();
  }
}

function cached(index: Map<Guid, Set<Guid>>, cache: Map<Guid, readonly Guid[]>, key: Guid): readonly Guid[] {
  const hit = cache.get(key);
  if (hit) return hit;
  const set = index.get(key);
  if (!set) return EMPTY;
  const list = Object.freeze([...set]);
  cache.set(key, list);
  return list;
}

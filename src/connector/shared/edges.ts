import type { SourceStore } from '../../framework/source.js';

/** One edge's far end, as a listing gives it. */
export interface EdgeTarget {
  targetId: string;
  targetKind: string;
}

/**
 * Makes `ownerId`'s `rel` edges exactly `targets`, touching only those that differ. A delta round
 * returns a changed user's whole licence list (and its manager): clearing and writing them again
 * rewrote every edge of every changed user, and a patching incremental then took each one for a
 * change to look into.
 */
export function replaceEdges(
  source: SourceStore,
  kind: string,
  ownerId: string,
  rel: string,
  targets: readonly EdgeTarget[],
): void {
  const key = (t: EdgeTarget) => `${t.targetKind}\u0000${t.targetId}`;
  const wanted = new Map(targets.map((t) => [key(t), t]));
  for (const l of source.links(kind, ownerId, rel)) {
    // An edge with an `extra` is not one this function writes: it goes, to be written plainly.
    if (l.extra === '' && wanted.delete(key(l))) continue;
    source.unlink(kind, ownerId, rel, l.targetId);
  }
  for (const t of wanted.values())
    source.link({ kind, ownerId, rel, targetId: t.targetId, targetKind: t.targetKind });
}

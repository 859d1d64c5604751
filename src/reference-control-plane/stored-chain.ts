import { existsSync } from 'node:fs';
import type { ChainSource } from '../snapshot/chain.js';
import { isDiff, type SnapshotHeader, type SnapshotRef } from '../snapshot/header.js';
import type { ControlPlaneStore } from './store.js';
import { getSyncWithHeader } from './syncs.js';

/** One stored sync of a chain: its file and the header recorded when it was verified. */
export interface StoredLink {
  syncId: string;
  path: string;
  header: SnapshotHeader;
}

/** A walk of stored parents: the links from the named sync back to its whole root, or the first one missing. */
export type StoredWalk = { links: StoredLink[] } | { missing: SnapshotRef };

/** No stored chain runs longer; a loop of parents (a store edited by hand) must not spin forever. */
const MAX_CHAIN = 100_000;

/**
 * The parents of diff snapshots among one client's stored syncs. A parent is the client's sync of
 * that id whose body has that SHA-256 (the header's `sha256`, as a diff's `base` names it), with
 * its file still in place: another client's sync of the same id, or a partial upload, never is.
 */
export class StoredChains {
  constructor(
    private readonly store: ControlPlaneStore,
    private readonly clientId: string,
  ) {}

  find(ref: SnapshotRef): StoredLink | undefined {
    const got = getSyncWithHeader(this.store, this.clientId, ref.syncId);
    if (!got || got.header.sha256 !== ref.sha256 || !existsSync(got.sync.path)) return undefined;
    return { syncId: ref.syncId, path: got.sync.path, header: got.header };
  }

  /**
   * `ref` and its ancestors as stored, newest first, ending with a whole snapshot; or the first
   * of them this store lacks. Reads only the recorded headers (each verified when it was stored).
   */
  walk(ref: SnapshotRef): StoredWalk {
    const links: StoredLink[] = [];
    const seen = new Set<string>();
    for (let next: SnapshotRef | undefined = ref; next;) {
      const link: StoredLink | undefined =
        links.length < MAX_CHAIN && !seen.has(next.syncId) ? this.find(next) : undefined;
      if (!link) return { missing: next };
      seen.add(next.syncId);
      links.push(link);
      next = isDiff(link.header) ? link.header.base : undefined;
    }
    return { links };
  }

  /** Where snapshot readers find the parents: these syncs only, no directory scanned. */
  source(): ChainSource {
    return { dirs: [], find: (ref) => Promise.resolve(this.find(ref)?.path) };
  }
}

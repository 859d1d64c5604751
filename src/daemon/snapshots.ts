import { mkdir, readdir, rm, rename, link, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { SnapshotHeader, SyncKind } from '../framework/engine/api.js';
import {
  CHAIN_DIR,
  indexSnapshots,
  refKey,
  resolveChain,
  type ChainLink,
  type ChainSource,
} from '../snapshot/chain.js';
import { fileExists, readSnapshotHeader, SnapshotFileError } from '../snapshot/file.js';
import { isDiff } from '../snapshot/header.js';
import type { Logger } from '../observability/logger.js';

const SYNC_FILE = /^\d{8}T\d{6}Z-(full|incremental)\.snapshot$/;
/** Sync ids the engine writes (UUIDs) name chain links as they are; anything else is hex-encoded. */
const PLAIN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The daemon's local snapshot directory: each sync writes `<syncStamp>.snapshot`; `latest.snapshot`
 * is a hard link to the newest complete one (the base of the next incremental sync). Older files
 * beyond `keep` are removed; the spool (owned by the agent) holds what still awaits upload.
 *
 * An incremental sync is often a diff snapshot, readable only with its parents. `chain/` holds a
 * hard link of each promoted snapshot by sync id, so the parents outlive both pruning here and the
 * spool (where each sync file moves for upload, and which deletes it once delivered). A link goes
 * only when neither `latest.snapshot` nor a snapshot waiting for upload needs it.
 */
export class LocalSnapshots {
  readonly dir: string;
  readonly stateDir: string;
  readonly chainDir: string;

  constructor(
    dataDir: string,
    private readonly keep: number,
  ) {
    this.dir = join(dataDir, 'snapshots');
    this.stateDir = join(dataDir, 'state');
    this.chainDir = join(this.dir, CHAIN_DIR);
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await mkdir(this.stateDir, { recursive: true });
    await mkdir(this.chainDir, { recursive: true });
  }

  get latest(): string {
    return join(this.dir, 'latest.snapshot');
  }

  /** Where the parents of `latest.snapshot` (and of every spooled diff) are found. */
  get chain(): ChainSource {
    return { dirs: [this.chainDir] };
  }

  /** A fresh path for the next sync's output, sortable by time. */
  nextPath(now: number, kind: SyncKind): string {
    const stamp = new Date(now)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    return join(this.dir, `${stamp}-${kind}.snapshot`);
  }

  async hasLatest(): Promise<boolean> {
    try {
      await stat(this.latest);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Why `latest.snapshot` cannot be the base of an incremental sync (a diff whose parents are
   * gone), or undefined when it can. Reads headers only.
   */
  async latestChainProblem(): Promise<string | undefined> {
    try {
      await resolveChain(this.latest, this.chain);
      return undefined;
    } catch (err) {
      if (err instanceof SnapshotFileError) return err.message;
      throw err;
    }
  }

  /**
   * Adds `file` to the chain, then points `latest.snapshot` at it, each atomically (link to a temp
   * name, then rename over): latest never names a diff whose link is not in the chain yet.
   */
  async promote(file: string, header: SnapshotHeader): Promise<void> {
    await linkAtomically(file, this.chainLink(header.syncId));
    await linkAtomically(file, this.latest);
  }

  /**
   * Removes all but the newest `keep` sync files (latest.snapshot is a separate link and stays),
   * and the chain links that neither latest nor any of `waiting` (snapshots not yet uploaded, each
   * perhaps a diff of a link here) need. When a chain cannot be followed to its whole root, no link
   * is removed: what is missing cannot be told from what is unneeded.
   */
  async prune(waiting: string[] = [], logger?: Logger): Promise<void> {
    const files = (await readdir(this.dir)).filter((f) => SYNC_FILE.test(f)).sort();
    for (const f of files.slice(0, Math.max(0, files.length - this.keep))) {
      await rm(join(this.dir, f), { force: true });
    }
    const links = await this.indexChain();
    const needed = new Set<string>();
    for (const start of (await this.hasLatest()) ? [this.latest, ...waiting] : waiting) {
      const head = await readSnapshotHeader(start).then(
        (r) => r.header,
        () => undefined,
      );
      // A waiting file already delivered (or replaced) while this ran needs nothing.
      if (!head) continue;
      needed.add(refKey(head));
      for (let ref = isDiff(head) ? head.base : undefined; ref;) {
        const l = links.get(refKey(ref));
        if (!l) {
          if (start === this.latest || (await fileExists(start))) {
            logger?.warn(
              { file: start, missing: ref.syncId },
              'a local snapshot chain is incomplete; keeping every chain link',
            );
            return;
          }
          break;
        }
        needed.add(refKey(ref));
        ref = isDiff(l.header) ? l.header.base : undefined;
      }
    }
    for (const [key, l] of links) if (!needed.has(key)) await rm(l.path, { force: true });
  }

  private chainLink(syncId: string): string {
    const name = PLAIN_ID.test(syncId) ? syncId : `x-${Buffer.from(syncId).toString('hex')}`;
    return join(this.chainDir, `${name}.snapshot`);
  }

  /** The chain's links by sync id and body SHA-256, with their headers. */
  private async indexChain(): Promise<Map<string, ChainLink>> {
    for (const name of await readdir(this.chainDir).catch(() => [] as string[])) {
      // A link interrupted between its temp name and the rename.
      if (name.startsWith('.')) await rm(join(this.chainDir, name), { force: true });
    }
    return indexSnapshots([this.chainDir]);
  }
}

async function linkAtomically(file: string, to: string): Promise<void> {
  const tmp = join(to, '..', `.${process.pid}.${Date.now()}.link`);
  await rm(tmp, { force: true });
  await link(file, tmp);
  await rename(tmp, to);
}

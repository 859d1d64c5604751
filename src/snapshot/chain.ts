import { removeDatabase } from '../sqlite/files.js';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SnapshotDb } from './database.js';
import { applyDiffBody, diffBodyChanges } from './diff-body.js';
import {
  readSnapshotHeader,
  schemaProblem,
  SnapshotFileError,
  unpackSnapshot,
  writeSnapshotFile,
} from './file.js';
import { isDiff, type SnapshotHeader, type SnapshotRef } from './header.js';

/**
 * Where the parents of a diff snapshot are found: snapshot files in `dirs` (found by their
 * headers, whatever their names), or `find`, a lookup by sync id and SHA-256 (a store that
 * records where it put each sync). With neither, the diff's own directory and its `chain/`
 * (where the daemon keeps the chain of its `latest.snapshot`); with `find` alone, only what it
 * finds (a store must not pick up a stray file beside an upload).
 */
export interface ChainSource {
  dirs?: string[];
  find?: (ref: SnapshotRef) => Promise<string | undefined>;
}

/** One file of a chain, with its header. */
export interface ChainLink {
  path: string;
  header: SnapshotHeader;
}

/** The subdirectory beside a snapshot where its chain is looked for too (the daemon's). */
export const CHAIN_DIR = 'chain';

/** No chain runs longer: a loop of parents (a corrupt store) must not spin forever. */
const MAX_CHAIN = 100_000;

/** A snapshot's key in an index: its sync id and body SHA-256. */
export const refKey = (r: SnapshotRef) => `${r.syncId}/${r.sha256}`;

/**
 * The snapshot files in `dirs` with their headers, by `refKey` (the first file of a key wins;
 * unreadable files and dot files, temp files of a write in progress, are skipped).
 */
export async function indexSnapshots(dirs: string[]): Promise<Map<string, ChainLink>> {
  const index = new Map<string, ChainLink>();
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      // Temp files of a write in progress are dot files; a header read is a few hundred bytes.
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const header = await readSnapshotHeader(path).then(
        (r) => r.header,
        () => undefined,
      );
      if (header && !index.has(refKey(header))) index.set(refKey(header), { path, header });
    }
  }
  return index;
}

/**
 * The files that make up snapshot `path`: the whole snapshot at its root, then each diff in order,
 * ending with `path` itself (a whole snapshot is a chain of one). A parent that cannot be found is
 * an error naming it.
 */
export async function resolveChain(path: string, source: ChainSource = {}): Promise<ChainLink[]> {
  const chain: ChainLink[] = [{ path, header: (await readSnapshotHeader(path)).header }];
  let index: Map<string, ChainLink> | undefined;
  const find = async (ref: SnapshotRef) => {
    const found = await source.find?.(ref);
    if (found) return found;
    index ??= await indexSnapshots(
      source.dirs ?? (source.find ? [] : [dirname(path), join(dirname(path), CHAIN_DIR)]),
    );
    return index.get(refKey(ref))?.path;
  };
  for (let head = chain[0]!.header; isDiff(head); head = chain[0]!.header) {
    if (chain.length >= MAX_CHAIN)
      throw new SnapshotFileError(path, `has a chain of more than ${MAX_CHAIN} diffs`);
    const parentPath = await find(head.base);
    if (!parentPath)
      throw new SnapshotFileError(
        path,
        `is a diff snapshot whose parent sync ${head.base.syncId} (sha256 ${head.base.sha256.slice(0, 12)}…) is not found${source.dirs?.length ? ` in ${source.dirs.join(', ')}` : ''}; give the directory holding it (or a materialised snapshot)`,
      );
    const parent = (await readSnapshotHeader(parentPath)).header;
    if (parent.syncId !== head.base.syncId || parent.sha256 !== head.base.sha256)
      throw new SnapshotFileError(
        parentPath,
        `is not sync ${head.base.syncId} with body sha256 ${head.base.sha256}`,
      );
    if (parent.tenantId !== head.tenantId)
      throw new SnapshotFileError(
        parentPath,
        `is a snapshot of tenant ${parent.tenantId}, its diff of ${head.tenantId}`,
      );
    if (chain.some((l) => l.header.syncId === parent.syncId))
      throw new SnapshotFileError(path, `has a chain that loops back to sync ${parent.syncId}`);
    chain.unshift({ path: parentPath, header: parent });
  }
  return chain;
}

/** What one body may decompress to (see unpackSnapshot): one bound for all, or one per file. */
export type DecompressionBound = number | ((header: SnapshotHeader) => number);

/**
 * Builds the database of the chain's last snapshot at `dbPath`: the root unpacked, then each
 * diff applied in turn, each checked against its header (its own record counts, and the counts
 * of the result). `maxBytes` bounds what each body may decompress to: per file, a few changes are
 * not let expand as far as a whole tenant may.
 */
export async function materialiseChain(
  chain: ChainLink[],
  dbPath: string,
  maxBytes?: DecompressionBound,
): Promise<void> {
  const bound = (h: SnapshotHeader) => (typeof maxBytes === 'function' ? maxBytes(h) : maxBytes);
  for (const { path, header } of chain) {
    const problem = schemaProblem(header);
    if (problem) throw new SnapshotFileError(path, problem);
  }
  const [root, ...diffs] = chain;
  await unpackSnapshot(root!.path, dbPath, bound(root!.header));
  try {
    for (const { path, header } of diffs) await applyDiffFile(dbPath, path, header, bound(header));
  } catch (err) {
    await rm(dbPath, { force: true });
    throw err;
  }
}

/**
 * Applies the diff snapshot `path` (whose header is `header`) to the database at `dbPath`, which
 * must hold its parent: its body checked against its record counts, the result against the
 * header's counts inside the transaction, so that a diff that does not fit leaves the database as
 * it was (a SnapshotFileError naming the file).
 */
export async function applyDiffFile(
  dbPath: string,
  path: string,
  header: SnapshotHeader,
  maxBytes?: number,
): Promise<void> {
  const scratch = `${dbPath}.${randomBytes(4).toString('hex')}.diff`;
  try {
    await unpackSnapshot(path, scratch, maxBytes);
    const held = diffBodyChanges(scratch);
    for (const [table, n] of Object.entries(header.changes ?? {}))
      if (held[table]?.put !== n.put || held[table]?.removed !== n.removed)
        throw new SnapshotFileError(path, `header counts changes to ${table} its body does not hold`);
    const db = new SnapshotDb(dbPath);
    try {
      applyDiffBody(db, scratch, () => checkCounts(path, header, db));
      db.db.exec('PRAGMA journal_mode = DELETE');
    } finally {
      db.close();
    }
  } finally {
    await rm(scratch, { force: true });
  }
}

function checkCounts(path: string, header: SnapshotHeader, db: SnapshotDb): void {
  for (const table of ['resource_types', 'resources', 'entitlements', 'grants'] as const) {
    const field = (
      {
        resource_types: 'resourceTypes',
        resources: 'resources',
        entitlements: 'entitlements',
        grants: 'grants',
      } as const
    )[table];
    const n = db.count(table);
    if (n !== header.counts[field])
      throw new SnapshotFileError(
        path,
        `applied to its parent holds ${n} ${field}, its header says ${header.counts[field]}`,
      );
  }
}

/**
 * Writes the whole snapshot that the chain ending at `path` stands for, at `outFile`: the same
 * sync (id, kind, counts), its body the whole database (formatVersion 1).
 */
export async function materialiseSnapshotFile(
  path: string,
  outFile: string,
  source: ChainSource = {},
  scratchDir = dirname(outFile),
): Promise<SnapshotHeader> {
  const chain = await resolveChain(path, source);
  const { header } = chain.at(-1)!;
  const dbPath = join(scratchDir, `.materialise.${process.pid}.${randomBytes(4).toString('hex')}.db`);
  try {
    await materialiseChain(chain, dbPath);
    const db = new SnapshotDb(dbPath);
    try {
      const {
        sha256: _s,
        bodyBytes: _b,
        schemaVersion: _v,
        formatVersion: _f,
        base: _p,
        changes: _c,
        ...draft
      } = header;
      return await writeSnapshotFile(db, outFile, draft);
    } finally {
      db.close();
    }
  } finally {
    await removeDatabase(dbPath);
  }
}

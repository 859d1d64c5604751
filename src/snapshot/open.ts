import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { materialiseChain, resolveChain, type ChainSource, type DecompressionBound } from './chain.js';
import { SnapshotDb } from './database.js';
import { readSnapshotHeader, schemaProblem, SnapshotFileError, unpackSnapshot } from './file.js';
import { isDiff, type SnapshotHeader } from './header.js';
import { GRANTS_BY_PRINCIPAL } from './schema.js';

export interface OpenSnapshot {
  header: SnapshotHeader;
  db: SnapshotDb;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Any schema version: for readers of the meta table alone, which every schema shares. */
  anySchema?: boolean;
  /** Build the index that makes `grantsOf` a lookup rather than a scan. */
  indexPrincipals?: boolean;
  /** The most a body may decompress to (see `unpackSnapshot`); per file for a diff's chain. */
  maxBytes?: DecompressionBound;
  /** Where a diff snapshot's parents are (default: the file's own directory). */
  chain?: ChainSource;
  /**
   * A diff snapshot's own body (its changes, and its whole meta) rather than the sync it stands
   * for: needs no parent.
   */
  diffBody?: boolean;
}

/**
 * Opens a snapshot for reading, decompressed to a temp database that `close()` removes. A diff
 * snapshot is read whole: its chain is found and applied (see chain.ts), unless `diffBody`. Only
 * this build's schema, unless `anySchema`.
 */
export async function openSnapshot(
  path: string,
  tmpDir?: string,
  options: OpenOptions = {},
): Promise<OpenSnapshot> {
  const dbPath = join(
    tmpDir ?? tmpdir(),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.read.db`,
  );
  const { header: head } = await readSnapshotHeader(path);
  // Checked before the body is unpacked: an old table layout would fail later, less clearly.
  const problem = options.anySchema ? undefined : schemaProblem(head);
  if (problem) throw new SnapshotFileError(path, problem);
  let header: SnapshotHeader;
  if (isDiff(head) && !options.diffBody) {
    const chain = await resolveChain(path, options.chain);
    await materialiseChain(chain, dbPath, options.maxBytes);
    header = chain.at(-1)!.header;
  } else {
    const bound = options.maxBytes;
    header = await unpackSnapshot(path, dbPath, typeof bound === 'function' ? bound(head) : bound);
  }
  let db: SnapshotDb;
  try {
    if (options.indexPrincipals) {
      // On the private copy just unpacked, never on the snapshot file itself.
      const w = new DatabaseSync(dbPath);
      try {
        w.exec(GRANTS_BY_PRINCIPAL);
      } finally {
        w.close();
      }
    }
    db = new SnapshotDb(dbPath, { readOnly: true });
  } catch (err) {
    await rm(dbPath, { force: true });
    throw new SnapshotFileError(path, `body is not a database (${(err as Error).message})`);
  }
  return {
    header,
    db,
    async close() {
      db.close();
      await rm(dbPath, { force: true });
    },
  };
}

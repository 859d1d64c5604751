import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/connector/sync.js';
import type { Simulator } from '../../src/simulator/index.js';
import type { ChainSource } from '../../src/snapshot/chain.js';
import { exportRecords, type ExportRecord } from '../../src/snapshot/export.js';
import { MAGIC, readSnapshotHeader } from '../../src/snapshot/file.js';
import type { SnapshotHeader } from '../../src/snapshot/header.js';
import { openSnapshot } from '../../src/snapshot/open.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { sha256File } from './helpers.js';

export interface SyncedChain {
  /** The directory holding every snapshot of the chain (their parents are found there). */
  dir: string;
  /** The full sync, then each incremental: a diff of the one before. */
  files: string[];
  headers: SnapshotHeader[];
}

/**
 * A full sync of the simulator's tenant into `dir`, then `incrementals` incremental syncs, each
 * after one user's job title changed (a diff snapshot of the sync before it).
 */
export async function syncChain(sim: Simulator, dir: string, incrementals: number): Promise<SyncedChain> {
  await mkdir(dir, { recursive: true });
  const config = loadConfig(simulatorEnv(sim));
  const stateDir = join(dir, '..', `${dir.split('/').pop()}-state`);
  const files: string[] = [];
  const headers: SnapshotHeader[] = [];
  const users = [...sim.tenant.users.keys()];
  for (let i = 0; i <= incrementals; i++) {
    if (i > 0) sim.tenant.updateUser(users[i % users.length]!, { jobTitle: `Title ${Date.now()}-${i}` });
    const outFile = join(dir, `${i === 0 ? 'full' : `inc-${i}`}.snapshot`);
    const { header } = await runSync({
      config,
      outFile,
      stateDir,
      ...(i > 0 ? { incrementalFrom: files[i - 1]! } : {}),
    });
    if (i > 0) assert.equal(header.formatVersion, 2, `incremental ${i} is written as a diff`);
    files.push(outFile);
    headers.push(header);
  }
  return { dir, files, headers };
}

/** Every record of a snapshot read whole (a diff through its chain). */
export async function exportOf(file: string, chain?: ChainSource): Promise<ExportRecord[]> {
  const snap = await openSnapshot(file, undefined, chain ? { chain } : {});
  try {
    return [...exportRecords(snap.db)];
  } finally {
    await snap.close();
  }
}

/**
 * Rewrites the header of snapshot `file` into `out` through `edit`, the body left as it is (the
 * header is not covered by the body's checksum). Returns the new header, size and file SHA-256.
 */
export async function editHeader(
  file: string,
  out: string,
  edit: (h: SnapshotHeader) => SnapshotHeader,
): Promise<{ header: SnapshotHeader; bytes: number; sha256: string }> {
  const { header, bodyOffset } = await readSnapshotHeader(file);
  const body = (await readFile(file)).subarray(bodyOffset);
  const edited = edit(structuredClone(header));
  const json = Buffer.from(JSON.stringify(edited), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  const data = Buffer.concat([MAGIC, len, json, body]);
  await writeFile(out, data);
  return { header: edited, bytes: data.length, sha256: await sha256File(out) };
}

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SnapshotDb } from '../../../../src/snapshot/database.js';
import {
  MAGIC,
  readSnapshotHeader,
  unpackSnapshot,
  writeSnapshotFile,
} from '../../../../src/snapshot/file.js';

/**
 * Turns the grants table of the database at `dbPath` into the schema-1 layout (as builds before
 * schema 2 wrote it): each grant with its id and a JSON copy of every field, indexed by principal
 * and by entitlement. Everything else in the database stays as it is.
 */
export function toSchema1Grants(dbPath: string): void {
  const raw = new SnapshotDb(dbPath, { readOnly: true });
  const grants = [...raw.grants()];
  raw.close();
  const db = new SnapshotDb(dbPath);
  db.db.exec(`DROP TABLE grants;
    CREATE TABLE grants (
      id TEXT PRIMARY KEY, entitlement_id TEXT NOT NULL, principal_type TEXT NOT NULL,
      principal_id TEXT NOT NULL, data TEXT NOT NULL) WITHOUT ROWID;
    CREATE INDEX grants_by_principal ON grants (principal_type, principal_id);
    CREATE INDEX grants_by_entitlement ON grants (entitlement_id);`);
  const put = db.db.prepare('INSERT INTO grants VALUES (?, ?, ?, ?, ?)');
  for (const g of grants) put.run(g.id, g.entitlement, g.principal.type, g.principal.id, JSON.stringify(g));
  db.close();
}

/**
 * Rewrites snapshot `from` at `to` as an older build wrote it:
 * - schema 1: grants in the schema-1 layout, a header without `schemaVersion`;
 * - schema 2: the indexes schema 3 dropped (grants by principal, every edge by target).
 */
export async function writeOlderSnapshot(
  from: string,
  to: string,
  dbPath: string,
  version: 1 | 2,
): Promise<void> {
  const { header } = await readSnapshotHeader(from);
  await unpackSnapshot(from, dbPath);
  if (version === 1) toSchema1Grants(dbPath);
  const db = new SnapshotDb(dbPath);
  if (version === 2) {
    db.db.exec(`CREATE INDEX grants_by_principal ON grants (principal_type, principal_id);
      DROP INDEX IF EXISTS source_links_by_license;
      CREATE INDEX source_links_by_target ON source_links (rel, target_id);`);
  }
  await writeSnapshotFile(db, to, header);
  db.close();
  for (const p of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) rmSync(p, { force: true });
  const { header: written, bodyOffset } = await readSnapshotHeader(to);
  if (version === 1) delete written.schemaVersion;
  else written.schemaVersion = version;
  const json = Buffer.from(JSON.stringify(written), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  writeFileSync(to, Buffer.concat([MAGIC, len, json, readFileSync(to).subarray(bodyOffset)]));
}

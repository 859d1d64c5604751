import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SnapshotDb } from '../../src/snapshot/database.js';
import {
  packWorkingDatabase,
  readSnapshotHeader,
  writeSnapshotFile,
  type HeaderDraft,
} from '../../src/snapshot/file.js';
import { openSnapshot } from '../../src/snapshot/open.js';

function draft(): HeaderDraft {
  return {
    format: 'baton-entra-snapshot',
    syncId: 's1',
    tenantId: 't1',
    kind: 'full',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    counts: {
      resourceTypes: 1,
      resources: 2,
      entitlements: 1,
      grants: 1,
      resourcesByType: { group: 1, user: 1 },
    },
    graphRequests: 3,
  };
}

function fill(db: SnapshotDb): void {
  db.putResourceType({ id: 'user', displayName: 'User', traits: ['user'] });
  db.putResource({ id: { resourceType: 'user', resource: 'u2' }, displayName: 'B', profile: {} });
  db.putResource({ id: { resourceType: 'group', resource: 'g1' }, displayName: 'G', profile: {} });
  db.putEntitlement({
    id: 'group:g1:member',
    resource: { resourceType: 'group', resource: 'g1' },
    slug: 'member',
    purpose: 'assignment',
    grantableTo: ['user'],
    displayName: 'G member',
  });
  db.putGrant({
    id: 'group:g1:member:user:u2',
    entitlement: 'group:g1:member',
    principal: { type: 'user', id: 'u2' },
  });
}

describe('snapshot file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'snap-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function written(): Promise<string> {
    const db = new SnapshotDb(join(dir, 'work.db'), { working: true });
    fill(db);
    db.saveCheckpoint({ phase: 'x', status: 'done', items: 1 });
    const out = join(dir, 'out.snap');
    await writeSnapshotFile(db, out, draft());
    db.close();
    return out;
  }

  it('round-trips header and content, drops checkpoints, leaves no temp files', async () => {
    const out = await written();
    const { header } = await readSnapshotHeader(out);
    assert.equal(header.syncId, 's1');
    assert.match(header.sha256, /^[0-9a-f]{64}$/);
    const snap = await openSnapshot(out, dir);
    try {
      assert.deepEqual(
        [...snap.db.resources()].map((r) => r.id.resource),
        ['g1', 'u2'],
      );
      assert.equal(snap.db.grantsOf('user', 'u2')[0]?.entitlement, 'group:g1:member');
      assert.throws(() => snap.db.db.prepare('SELECT * FROM checkpoints').all(), /no such table/);
    } finally {
      await snap.close();
    }
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('.')), 'temp files left behind');
  });

  it('writes the body straight after room for its header: JSON padded with spaces, as any reader parses it', async () => {
    const out = await written();
    const buf = readFileSync(out);
    const len = buf.readUInt32BE(8);
    const text = buf.subarray(12, 12 + len).toString('utf8');
    const json = text.trimEnd();
    assert.ok(json.length < len, 'room was left for the widest checksum and length');
    assert.match(text.slice(json.length), /^ *$/);
    const header = JSON.parse(text) as { sha256: string; bodyBytes: number };
    assert.equal(buf.length - 12 - len, header.bodyBytes);
    assert.equal(
      createHash('sha256')
        .update(buf.subarray(12 + len))
        .digest('hex'),
      header.sha256,
    );
    assert.deepEqual((await readSnapshotHeader(out)).header, header);
  });

  it('16 KiB pages; no index of grants by principal unless a reader asks for one', async () => {
    const out = await written();
    const indexes = (db: SnapshotDb) =>
      (
        db.db
          .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
          .all() as {
          name: string;
        }[]
      ).map((r) => r.name);
    const plain = await openSnapshot(out, dir);
    try {
      assert.equal((plain.db.db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size, 16384);
      // Source indexes are the connector's (a sync builds them); the snapshot layer adds none.
      assert.deepEqual(indexes(plain.db), ['entitlements_by_resource']);
      // Still answered without the index, by a scan.
      assert.equal(plain.db.grantsOf('user', 'u2')[0]?.entitlement, 'group:g1:member');
    } finally {
      await plain.close();
    }
    const indexed = await openSnapshot(out, dir, { indexPrincipals: true });
    try {
      assert.ok(indexes(indexed.db).includes('grants_by_principal'));
      const plan = indexed.db.db
        .prepare(
          "EXPLAIN QUERY PLAN SELECT * FROM grants WHERE principal_type = 'user' AND principal_id = 'u2'",
        )
        .all() as { detail: string }[];
      assert.match(plan.map((p) => p.detail).join(' '), /grants_by_principal/);
    } finally {
      await indexed.close();
    }
  });

  it('rejects a flipped body byte with an error naming the path', async () => {
    const out = await written();
    const buf = readFileSync(out);
    buf.writeUInt8(buf.readUInt8(buf.length - 10) ^ 0xff, buf.length - 10);
    writeFileSync(out, buf);
    await assert.rejects(
      openSnapshot(out, dir),
      (e: Error) => e.message.includes(out) && /checksum|decompress/.test(e.message),
    );
  });

  it('rejects a truncated file and a non-snapshot file', async () => {
    const out = await written();
    const buf = readFileSync(out);
    writeFileSync(out, buf.subarray(0, buf.length - 100));
    await assert.rejects(readSnapshotHeader(out), /truncated/);
    writeFileSync(out, 'hello world, not a snapshot');
    await assert.rejects(readSnapshotHeader(out), /bad magic/);
    await assert.rejects(readSnapshotHeader(join(dir, 'missing.snap')), /missing\.snap.*cannot be opened/);
  });

  it('replaces an existing file only with a whole one', async () => {
    const out = join(dir, 'out.snap');
    writeFileSync(out, 'previous');
    const db = new SnapshotDb(join(dir, 'work.db'), { working: true });
    fill(db);
    db.close();
    // A database that is gone cannot be copied: the write fails.
    for (const f of readdirSync(dir).filter((f) => f.startsWith('work.db'))) rmSync(join(dir, f));
    await assert.rejects(writeSnapshotFile(db, out, draft()));
    assert.equal(readFileSync(out, 'utf8'), 'previous');
    assert.ok(!readdirSync(dir).some((f) => f.startsWith('.')));
  });

  describe('a working database packed as it is', () => {
    /** A working database part-way: progress keys and checkpoints beside the content. */
    function working(): SnapshotDb {
      const db = new SnapshotDb(join(dir, 'work.db'), { working: true });
      fill(db);
      db.setMeta('work:syncId', 's1');
      db.setMeta('delta:users', 'https://graph.example/delta?token=1');
      db.saveCheckpoint({ phase: 'users', status: 'done', items: 2 });
      db.saveCheckpoint({ phase: 'groups', status: 'running', token: 'next', items: 1 });
      return db;
    }
    const seal = (db: SnapshotDb) => {
      db.deleteMeta('work:syncId');
      db.setMeta('sync:id', 's1');
    };
    const keys = (db: SnapshotDb) =>
      (db.db.prepare('SELECT key FROM meta ORDER BY key').all() as { key: string }[]).map((r) => r.key);
    const tables = (db: DatabaseSync) =>
      (
        db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as {
          name: string;
        }[]
      ).map((r) => r.name);

    it('the snapshot holds the sealed content in rollback mode; the database reads as it was', async () => {
      const db = working();
      const before = db.progress();
      const out = join(dir, 'out.snap');
      const header = await packWorkingDatabase(db, out, draft, seal);
      assert.ok(header);
      const snap = await openSnapshot(out, dir);
      try {
        assert.deepEqual(
          [...snap.db.resources()].map((r) => r.id.resource),
          ['g1', 'u2'],
        );
        assert.deepEqual(keys(snap.db), ['delta:users', 'sync:id']);
        assert.ok(!tables(snap.db.db).includes('checkpoints'));
        // A reader needs no -shm file: the body is not in WAL mode.
        assert.equal(
          (snap.db.db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode,
          'delete',
        );
      } finally {
        await snap.close();
      }
      assert.deepEqual(db.progress(), before);
      assert.deepEqual(keys(db), ['delta:users', 'work:syncId']);
      assert.equal(db.checkpoint('groups')?.token, 'next');
      db.close();
    });

    it('a sync stopped while the file is packed finds its progress in the WAL', async () => {
      const db = working();
      const out = join(dir, 'out.snap');
      await packWorkingDatabase(db, out, draft, seal);
      // What a process killed now leaves: the database file and its WAL, as they are.
      for (const [from, to] of [
        ['work.db', 'killed.db'],
        ['work.db-wal', 'killed.db-wal'],
        ['work.db', 'file-only.db'],
      ])
        writeFileSync(join(dir, to!), readFileSync(join(dir, from!)));
      db.close();
      const killed = new SnapshotDb(join(dir, 'killed.db'), { working: true });
      assert.deepEqual(keys(killed), ['delta:users', 'work:syncId']);
      assert.equal(killed.checkpoint('users')?.status, 'done');
      killed.close();
      // The file alone is what was packed.
      const file = new DatabaseSync(join(dir, 'file-only.db'), { readOnly: true });
      assert.ok(!tables(file).includes('checkpoints'));
      assert.deepEqual(
        (file.prepare('SELECT key FROM meta ORDER BY key').all() as { key: string }[]).map((r) => r.key),
        ['delta:users', 'sync:id'],
      );
      file.close();
    });

    it('a failed write leaves the working database as it was', async () => {
      const db = working();
      const before = db.progress();
      await assert.rejects(packWorkingDatabase(db, join(dir, 'missing', 'out.snap'), draft, seal));
      assert.deepEqual(db.progress(), before);
      assert.deepEqual(keys(db), ['delta:users', 'work:syncId']);
      db.close();
    });

    it('declines, changing nothing, while a reader keeps the WAL from being copied whole', async () => {
      const db = working();
      const reader = new DatabaseSync(db.path, { readOnly: true });
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) FROM meta').get();
      try {
        const out = join(dir, 'out.snap');
        assert.equal(await packWorkingDatabase(db, out, draft, seal), undefined);
        assert.ok(!readdirSync(dir).includes('out.snap'));
      } finally {
        reader.exec('COMMIT');
        reader.close();
      }
      assert.deepEqual(keys(db), ['delta:users', 'work:syncId']);
      assert.equal(db.checkpoint('groups')?.token, 'next');
      db.close();
    });

    it('declines, changing nothing, while a working table other than the checkpoints holds rows', async () => {
      const db = working();
      db.stageItems('users', [{ key: 'u3', data: { id: 'u3' } }]);
      const out = join(dir, 'out.snap');
      assert.equal(await packWorkingDatabase(db, out, draft, seal), undefined);
      assert.deepEqual(keys(db), ['delta:users', 'work:syncId']);
      assert.ok(!readdirSync(dir).includes('out.snap'));
      db.close();
    });
  });
});

import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zstdCompressSync } from 'node:zlib';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { addTask, getTask } from '../../src/reference-control-plane/tasks.js';
import { listHosts } from '../../src/reference-control-plane/hosts.js';
import { makeSnapshot, newClient, startPlane, tempDir } from './helpers.js';
import { rawClient } from './raw-client.js';

type Raw = Awaited<ReturnType<typeof rawClient>>;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const refusedWith = (code: status, message?: RegExp) => (err: ServiceError) => {
  assert.equal(err.code, code, `${status[err.code]}: ${err.details}`);
  if (message) assert.match(err.details, message);
  return true;
};

describe('control plane trust between clients', function () {
  this.timeout(60_000);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane;
  let a: Raw;
  let b: Raw;

  beforeEach(async () => {
    dir = await tempDir('cp-trust');
    plane = await startPlane(join(dir.path, 'cp'));
    a = await rawClient(plane.address, await newClient(plane, 'alpha'));
    b = await rawClient(plane.address, await newClient(plane, 'beta'));
    await a.hello('host-a');
    await b.hello('host-b');
  });
  afterEach(async () => {
    a.close();
    b.close();
    await plane.close();
    await dir.cleanup();
  });

  describe('tasks', () => {
    it("refuses another client's FinishTask on a task A's host holds, and keeps A's result", async () => {
      const task = addTask(plane.store, 'sync_full', {}, new Date());
      assert.deepEqual(
        (await a.getTasks('host-a')).tasks.map((t) => t.id),
        [task.id],
      );
      await assert.rejects(
        b.finish('host-b', task.id, { forged: true }),
        refusedWith(status.FAILED_PRECONDITION, /not held by host host-b/),
      );
      await assert.rejects(
        b.finish('host-a', task.id, { forged: true }),
        refusedWith(status.PERMISSION_DENIED),
        "B cannot speak as A's host",
      );
      assert.equal(getTask(plane.store, task.id)!.status, 'running', 'left untouched');
      await a.finish('host-a', task.id, { real: true });
      assert.deepEqual(getTask(plane.store, task.id)!.result, { ok: true, response: { real: true } });
      await assert.rejects(
        b.finish('host-b', task.id, { forged: true }),
        refusedWith(status.FAILED_PRECONDITION),
      );
      assert.deepEqual(getTask(plane.store, task.id)!.result, { ok: true, response: { real: true } });
    });

    it('refuses a FinishTask for a task still pending', async () => {
      const task = addTask(plane.store, 'sync_full', {}, new Date());
      await assert.rejects(b.finish('host-b', task.id), refusedWith(status.FAILED_PRECONDITION));
      const after = getTask(plane.store, task.id)!;
      assert.equal(after.status, 'pending');
      assert.equal(after.result, undefined);
    });

    it("does not let another host's heartbeat keep a task alive, and tells it to stop", async () => {
      const task = addTask(plane.store, 'sync_full', {}, new Date());
      await a.getTasks('host-a');
      const before = getTask(plane.store, task.id)!.heartbeatAt;
      assert.deepEqual((await b.heartbeat('host-b', [task.id])).cancelledTaskIds, [task.id]);
      assert.equal(getTask(plane.store, task.id)!.heartbeatAt, before);
      assert.equal(getTask(plane.store, task.id)!.hostId, 'host-a');
    });
  });

  describe('tokens', () => {
    it('accepts a token once and refuses its replays as such', async () => {
      const captured = await a.token();
      await a.hello('host-a', captured);
      for (let i = 0; i < 20; i++) {
        await assert.rejects(a.hello('host-a', captured), refusedWith(status.UNAUTHENTICATED, /replay/));
      }
      await a.hello('host-a'); // a fresh token still works
    });
  });

  describe('hosts', () => {
    it('refuses a host id with control characters at Hello', async () => {
      for (const bad of ['evil\x1b[31mred', 'two\nlines', 'nul\x00', 'bidi\u202Eflip']) {
        await assert.rejects(
          a.hello(bad),
          refusedWith(status.INVALID_ARGUMENT, /host_id must not contain control/),
          JSON.stringify(bad),
        );
      }
      assert.deepEqual(
        listHosts(plane.store).map((h) => h.hostId),
        ['host-a', 'host-b'],
      );
    });
  });

  describe('uploads', () => {
    async function assertNothingStored(): Promise<void> {
      assert.deepEqual(listSyncs(plane.store), []);
      assert.deepEqual(await readdir(join(dir.path, 'cp', 'uploads')).catch(() => []), []);
    }

    it('refuses random bytes with a matching SHA-256, naming the problem, and keeps nothing', async () => {
      const data = randomBytes(300_000);
      await assert.rejects(
        a.upload({ syncId: 'sync-r', sha256: sha(data) }, data),
        refusedWith(status.INVALID_ARGUMENT, /not a valid snapshot: .*bad magic/),
      );
      await assertNothingStored();
    });

    it('refuses a zero-byte upload', async () => {
      const empty = Buffer.alloc(0);
      await assert.rejects(
        a.upload({ syncId: 'sync-0', sha256: sha(empty) }, empty),
        refusedWith(status.INVALID_ARGUMENT, /metadata.total_size/),
      );
      await assertNothingStored();
    });

    it('refuses a header_json of megabytes', async () => {
      const snap = await makeSnapshot(dir.path, 'sync-h', 1000);
      const data = await readFile(snap.path);
      const headerJson = JSON.stringify({ ...snap.header, junk: 'x'.repeat(1_900_000) });
      await assert.rejects(
        a.upload({ syncId: 'sync-h', sha256: snap.sha256, headerJson }, data),
        refusedWith(status.INVALID_ARGUMENT, /metadata.header_json must be at most/),
      );
      await assertNothingStored();
    });

    it('refuses a decompression bomb without writing what it expands to', async () => {
      const snap = await makeSnapshot(dir.path, 'sync-z', 1000);
      const real = await readFile(snap.path);
      // 80 MiB of zeros is a few kilobytes of zstd: far beyond what a snapshot body expands to.
      const body = zstdCompressSync(Buffer.alloc(80 * 1024 * 1024));
      const head = withHeader(real, { ...snap.header, sha256: sha(body), bodyBytes: body.length });
      const bomb = Buffer.concat([head.subarray(0, 12 + head.readUInt32BE(8)), body]);
      await assert.rejects(
        a.upload({ syncId: 'sync-z', sha256: sha(bomb) }, bomb),
        refusedWith(status.INVALID_ARGUMENT, /decompresses to more than 67108864 bytes/),
      );
      await assertNothingStored();
    });

    it("refuses a snapshot whose counts are not its body's, or which is another sync's", async () => {
      const snap = await makeSnapshot(dir.path, 'sync-c', 1000);
      const real = await readFile(snap.path);
      // Same body, a header that claims one more grant than the database holds.
      const liar = withHeader(real, { ...snap.header, counts: { ...snap.header.counts, grants: 1 } });
      await assert.rejects(
        a.upload({ syncId: 'sync-c', sha256: sha(liar) }, liar),
        refusedWith(status.INVALID_ARGUMENT, /header counts 1 grants, the body holds 0/),
      );
      await assert.rejects(
        a.upload({ syncId: 'sync-other', sha256: snap.sha256 }, real),
        refusedWith(status.INVALID_ARGUMENT, /header is for sync "sync-c"/),
      );
      await assert.rejects(
        a.upload(
          {
            syncId: 'sync-c',
            sha256: snap.sha256,
            headerJson: JSON.stringify({ ...snap.header, sha256: 'f'.repeat(64) }),
          },
          real,
        ),
        refusedWith(status.INVALID_ARGUMENT, /header_json.sha256 does not match/),
      );
      await assertNothingStored();
      // And the genuine article is stored, with the file's own header.
      const ok = await a.upload(
        { syncId: 'sync-c', sha256: snap.sha256, headerJson: JSON.stringify(snap.header) },
        real,
      );
      assert.equal(ok.duplicate, false);
      assert.equal(listSyncs(plane.store).length, 1);
    });
  });

  describe('sync ids', () => {
    it("are per client: another client neither sees A's sync nor gets it acknowledged, and stores its own", async () => {
      const mine = await makeSnapshot(dir.path, 'sync-x', 2000);
      const data = await readFile(mine.path);
      assert.equal((await a.upload({ syncId: 'sync-x', sha256: mine.sha256 }, data)).duplicate, false);
      assert.deepEqual(await a.uploadStatus('host-a', 'sync-x', mine.sha256), {
        committedOffset: data.length,
        complete: true,
        baseMissing: false,
      });
      // B asks about A's sync: nothing of it shows.
      assert.deepEqual(await b.uploadStatus('host-b', 'sync-x', mine.sha256), {
        committedOffset: 0,
        complete: false,
        baseMissing: false,
      });
      const other = randomBytes(32);
      assert.deepEqual(await b.uploadStatus('host-b', 'sync-x', sha(other)), {
        committedOffset: 0,
        complete: false,
        baseMissing: false,
      });
      // B uploading the same id (even the same bytes) stores B's own, not a duplicate of A's.
      const res = await b.upload({ hostId: 'host-b', syncId: 'sync-x', sha256: mine.sha256 }, data);
      assert.equal(res.duplicate, false);
      const syncs = listSyncs(plane.store);
      assert.deepEqual(syncs.map((s) => [s.syncId, s.host]).sort(), [
        ['sync-x', 'host-a'],
        ['sync-x', 'host-b'],
      ]);
      assert.notEqual(syncs[0]!.clientId, syncs[1]!.clientId);
      // B's own id, with other content, is B's to conflict with, not A's.
      const theirs = await makeSnapshot(dir.path, 'sync-x', 3000);
      await assert.rejects(
        b.upload({ hostId: 'host-b', syncId: 'sync-x', sha256: theirs.sha256 }, await readFile(theirs.path)),
        refusedWith(status.ALREADY_EXISTS),
      );
      // A's sync is as it was.
      const ofA = listSyncs(plane.store).find((s) => s.host === 'host-a')!;
      assert.equal(ofA.sha256, mine.sha256);
      assert.deepEqual(await readFile(ofA.path), data);
    });
  });
});

/** The snapshot `file` with its header replaced (the body, and so its checksum, unchanged). */
function withHeader(file: Buffer, header: object): Buffer {
  const oldLen = file.readUInt32BE(8);
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  return Buffer.concat([file.subarray(0, 8), len, json, file.subarray(12 + oldLen)]);
}

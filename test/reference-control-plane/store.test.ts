import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AuthError, ReplayError, verifyBearer } from '../../src/reference-control-plane/auth.js';
import { addClient } from '../../src/reference-control-plane/clients.js';
import { ControlPlaneStore } from '../../src/reference-control-plane/store.js';
import {
  addTask,
  cancelTask,
  claimTasks,
  finishTask,
  getTask,
  heartbeatTasks,
} from '../../src/reference-control-plane/tasks.js';
import { parseClientSecret, TokenSource } from '../../src/daemon/agent/credentials.js';
import { getSync, listSyncs } from '../../src/reference-control-plane/syncs.js';
import { tempDir } from './helpers.js';

describe('control plane store: task queue and tokens', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: ControlPlaneStore;
  const t0 = Date.parse('2026-03-01T10:00:00Z');
  const at = (ms: number) => new Date(t0 + ms);

  beforeEach(async () => {
    dir = await tempDir('cp-store');
    store = new ControlPlaneStore(join(dir.path, 'cp'));
  });
  afterEach(async () => {
    store.close();
    await dir.cleanup();
  });

  it('hands a task to one host, and to another only after the first went silent past the lease', () => {
    const task = addTask(store, 'sync_full', {}, at(0));
    assert.match(task.id, /^[0-9A-Za-z]{27}$/);
    assert.deepEqual(
      claimTasks(store, 'a', [], 10, 60_000, at(1)).map((t) => t.id),
      [task.id],
    );
    assert.deepEqual(claimTasks(store, 'b', [], 10, 60_000, at(2)), [], 'b gets nothing while a holds it');
    assert.deepEqual(claimTasks(store, 'a', [task.id], 10, 60_000, at(3)), [], 'a already knows it');
    assert.deepEqual(heartbeatTasks(store, 'a', [task.id], at(30_000)), []);
    assert.deepEqual(
      claimTasks(store, 'b', [], 10, 60_000, at(80_000)),
      [],
      'the heartbeat renewed the lease',
    );
    const moved = claimTasks(store, 'b', [], 10, 60_000, at(91_000));
    assert.deepEqual(
      moved.map((t) => [t.id, t.hostId, t.attempts]),
      [[task.id, 'b', 2]],
    );
    assert.deepEqual(heartbeatTasks(store, 'a', [task.id], at(92_000)), [task.id], 'a is told to stop');
  });

  it('records an outcome once; a repeated FinishTask changes nothing', () => {
    const task = addTask(
      store,
      'grant',
      { entitlementId: 'group:g:member', principal: { resourceTypeId: 'user', resourceId: 'u' } },
      at(0),
    );
    claimTasks(store, 'a', [], 10, 60_000, at(1));
    assert.equal(finishTask(store, 'a', task.id, { ok: true, response: { n: 1 } }, at(2)), 'recorded');
    assert.equal(
      finishTask(store, 'a', task.id, { ok: false, code: 13, message: 'late', retryable: true }, at(3)),
      'recorded',
    );
    assert.deepEqual(getTask(store, task.id)!.result, { ok: true, response: { n: 1 } });
    assert.equal(finishTask(store, 'a', 'missing', { ok: true }, at(4)), 'unknown');
  });

  it('takes an outcome only from the host holding the task', () => {
    const pending = addTask(store, 'sync_full', {}, at(0));
    assert.equal(finishTask(store, 'b', pending.id, { ok: true }, at(1)), 'not-held', 'still pending');
    assert.equal(getTask(store, pending.id)!.status, 'pending');
    claimTasks(store, 'a', [], 10, 60_000, at(2));
    assert.equal(finishTask(store, 'b', pending.id, { ok: true }, at(3)), 'not-held', "a's task");
    assert.equal(getTask(store, pending.id)!.status, 'running');
    assert.equal(finishTask(store, 'a', pending.id, { ok: true, response: { n: 2 } }, at(4)), 'recorded');
    assert.equal(finishTask(store, 'b', pending.id, { ok: true }, at(5)), 'not-held', 'finished by a');
    assert.deepEqual(getTask(store, pending.id)!.result, { ok: true, response: { n: 2 } });
    // A host whose lease passed to another cannot finish the task any more.
    const moved = addTask(store, 'sync_full', {}, at(6));
    claimTasks(store, 'a', [], 10, 60_000, at(7));
    claimTasks(store, 'b', [], 10, 60_000, at(70_000));
    assert.equal(finishTask(store, 'a', moved.id, { ok: true }, at(70_001)), 'not-held');
    assert.equal(getTask(store, moved.id)!.hostId, 'b');
  });

  it('cancels a pending task at once and a running one through its heartbeat', () => {
    const pending = addTask(store, 'list_events', { pageSize: 10 }, at(0));
    assert.equal(cancelTask(store, pending.id, at(1))!.status, 'cancelled');
    assert.deepEqual(claimTasks(store, 'a', [], 10, 60_000, at(2)), []);
    const running = addTask(store, 'sync_full', {}, at(3));
    claimTasks(store, 'a', [], 10, 60_000, at(4));
    assert.equal(cancelTask(store, running.id, at(5))!.status, 'running');
    assert.deepEqual(heartbeatTasks(store, 'a', [running.id], at(6)), [running.id]);
    finishTask(store, 'a', running.id, { ok: false, code: 1, message: 'cancelled', retryable: false }, at(7));
    assert.equal(getTask(store, running.id)!.status, 'cancelled');
  });

  it("keeps the syncs of a store from when sync ids were global, each now its host owner's", async () => {
    const old = join(dir.path, 'old');
    await mkdir(old);
    const db = new DatabaseSync(join(old, 'control-plane.db'));
    db.exec(`
      CREATE TABLE hosts (host_id TEXT PRIMARY KEY, client_id TEXT NOT NULL, version TEXT NOT NULL,
        connection_status TEXT NOT NULL, tenant_id TEXT, capabilities TEXT NOT NULL,
        credential_expires_at TEXT, build_info TEXT, os_info TEXT, first_seen_at TEXT NOT NULL,
        last_hello_at TEXT NOT NULL, last_seen_at TEXT NOT NULL);
      CREATE TABLE syncs (sync_id TEXT PRIMARY KEY, host_id TEXT NOT NULL, task_id TEXT,
        kind TEXT NOT NULL, bytes INTEGER NOT NULL, sha256 TEXT NOT NULL, path TEXT NOT NULL,
        header TEXT, received_at TEXT NOT NULL);
      INSERT INTO hosts VALUES ('host-a', 'alpha@x', '1', 'connected', NULL, '[]', NULL, NULL, NULL,
        '2026-01-01', '2026-01-01', '2026-01-01');
      INSERT INTO syncs VALUES ('s1', 'host-a', 'T1', 'full', 10, '${'a'.repeat(64)}', '/p/s1', '{}',
        '2026-01-02');
    `);
    db.close();
    const migrated = new ControlPlaneStore(old);
    try {
      assert.deepEqual(listSyncs(migrated), [
        {
          clientId: 'alpha@x',
          host: 'host-a',
          syncId: 's1',
          taskId: 'T1',
          kind: 'full',
          diff: false,
          bytes: 10,
          sha256: 'a'.repeat(64),
          path: '/p/s1',
          receivedAt: '2026-01-02',
        },
      ]);
      assert.equal(getSync(migrated, 'alpha@x', 's1')?.bytes, 10);
      assert.equal(getSync(migrated, 'beta@x', 's1'), undefined, 'invisible to another client');
    } finally {
      migrated.close();
    }
    // Opening it again (a second process, a restart) changes nothing.
    const again = new ControlPlaneStore(old);
    assert.equal(listSyncs(again).length, 1);
    again.close();
  });

  it('accepts a fresh daemon token and refuses an expired, replayed or foreign one', async () => {
    const creds = await addClient(store, 'tok', at(0));
    const now = t0;
    const tokens = new TokenSource(creds.clientId, await parseClientSecret(creds.clientSecret), () => now);
    const first = await tokens.token();
    assert.equal(await verifyBearer(store, `Bearer ${first}`, at(1_000)), creds.clientId);
    await assert.rejects(verifyBearer(store, `Bearer ${first}`, at(2_000)), ReplayError, 'used once only');
    const second = await tokens.token();
    assert.notEqual(second, first, 'a new token for every call, even within the same second');
    assert.equal(await verifyBearer(store, `Bearer ${second}`, at(2_000)), creds.clientId);
    const unused = await tokens.token();
    await assert.rejects(verifyBearer(store, `Bearer ${unused}`, at(10 * 60_000)), AuthError, 'expired');
    const other = await addClient(store, 'other', at(0));
    const foreign = new TokenSource(creds.clientId, await parseClientSecret(other.clientSecret), () => t0);
    await assert.rejects(verifyBearer(store, `Bearer ${await foreign.token()}`, at(1_000)), AuthError);
    await assert.rejects(verifyBearer(store, undefined, at(0)), AuthError);
  });
});

import assert from 'node:assert/strict';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ControlPlaneServiceClient,
  SnapshotKind,
  type UploadSnapshotResponse,
} from '../../src/gen/baton_entra/v1/control_plane.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { parseClientSecret, TokenSource } from '../../src/daemon/agent/credentials.js';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import { createLogger } from '../../src/observability/logger.js';
import {
  agentSettings,
  freePort,
  helloInfo,
  idleHandler,
  makeSnapshot,
  newAgent,
  newClient,
  sha256File,
  startCuttingProxy,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';

describe('snapshot upload', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane | undefined;
  const agents: ControlPlaneAgent[] = [];

  beforeEach(async () => {
    dir = await tempDir('cp-upload');
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await plane?.close();
    plane = undefined;
    await dir.cleanup();
  });

  async function started(
    address: string,
    creds: { clientId: string; clientSecret: string },
    sub = 'agent',
    over = {},
  ) {
    const agent = newAgent(agentSettings(address, creds, join(dir.path, sub), over));
    agents.push(agent);
    await agent.start(idleHandler, helloInfo);
    return agent;
  }

  it('stores the uploaded bytes unchanged and lists the sync', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const agent = await started(plane.address, creds);
    const snap = await makeSnapshot(dir.path, 'sync-1', 3 * 1024 * 1024 + 17);
    await agent.submitSnapshot(snap.path, snap.header, { taskId: 'T1' });
    await waitFor(() => listSyncs(plane!.store).length === 1, 'the sync to arrive');
    const [sync] = listSyncs(plane.store);
    assert.equal(sync!.syncId, 'sync-1');
    assert.equal(sync!.host, 'host-a');
    assert.ok(snap.bytes > 3 * 1024 * 1024, 'several chunks');
    assert.equal(sync!.bytes, snap.bytes);
    assert.equal(sync!.sha256, snap.sha256);
    assert.equal(await sha256File(sync!.path), snap.sha256);
    await waitFor(() => agent.status().spoolDepth === 0, 'the spool to empty');
    assert.ok(agent.status().lastUploadAt);
    assert.equal(existsSync(snap.path), false, 'the snapshot was moved into the spool');
  });

  it('acknowledges a repeated upload of the same sync without storing it twice', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const a = await started(plane.address, creds, 'a');
    const first = await makeSnapshot(dir.path, 'sync-dup', 100_000);
    await a.submitSnapshot(first.path, first.header);
    await waitFor(() => listSyncs(plane!.store).length === 1, 'the first upload');
    // Another daemon data dir replays the same snapshot (as after losing the spool's delete).
    const b = await started(plane.address, creds, 'b', { hostId: 'host-a' });
    const again = await makeSnapshot(dir.path, 'sync-dup-copy', 0);
    const { writeFile, readFile } = await import('node:fs/promises');
    await writeFile(again.path, await readFile(listSyncs(plane.store)[0]!.path));
    await b.submitSnapshot(again.path, first.header);
    await waitFor(() => b.status().spoolDepth === 0, 'the replay to be acknowledged');
    assert.equal(listSyncs(plane.store).length, 1);
    const res = await rawUpload(plane, creds, 'sync-dup', first.sha256, Buffer.alloc(0), first.bytes);
    assert.equal(res.duplicate, true);
  });

  it('rejects a checksum mismatch with DATA_LOSS and keeps nothing', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    await started(plane.address, creds); // says Hello as host-a
    const data = Buffer.from('not what the checksum says');
    await assert.rejects(
      rawUpload(plane, creds, 'sync-bad', 'a'.repeat(64), data, data.length),
      (err: ServiceError) => err.code === status.DATA_LOSS,
    );
    assert.equal(listSyncs(plane.store).length, 0);
    assert.deepEqual(await readdir(join(dir.path, 'cp', 'uploads')), []);
  });

  it('deletes partial uploads abandoned for a week when it starts', async () => {
    const cpDir = join(dir.path, 'cp');
    const { mkdir, writeFile, utimes } = await import('node:fs/promises');
    await mkdir(join(cpDir, 'uploads'), { recursive: true });
    const old = join(cpDir, 'uploads', `sync-old.${'a'.repeat(16)}.part`);
    const fresh = join(cpDir, 'uploads', `sync-new.${'b'.repeat(16)}.part`);
    await writeFile(old, 'x');
    await writeFile(fresh, 'y');
    const eightDaysAgo = new Date(Date.now() - 8 * 24 * 3600_000);
    await utimes(old, eightDaysAgo, eightDaysAgo);
    plane = await startPlane(cpDir);
    assert.deepEqual(await readdir(join(cpDir, 'uploads')), [`sync-new.${'b'.repeat(16)}.part`]);
  });

  for (const cuts of [1, 3]) {
    it(`resumes from the committed offset after ${cuts} broken stream(s)`, async () => {
      plane = await startPlane(join(dir.path, 'cp'));
      const creds = await newClient(plane);
      // Every new connection (up to `cuts`) is cut after 8 MB.
      const proxy = await startCuttingProxy(plane.port, 8 * 1024 * 1024, cuts);
      try {
        const lines: string[] = [];
        const logger = createLogger({
          level: 'info',
          destination: { write: (l: string) => void lines.push(l) },
        });
        const agent = newAgent(agentSettings(proxy.address, creds, join(dir.path, 'agent'), { logger }));
        agents.push(agent);
        const snap = await makeSnapshot(dir.path, 'sync-resume', 26 * 1024 * 1024 + 5);
        await agent.submitSnapshot(snap.path, snap.header);
        await agent.start(idleHandler, helloInfo);
        const delivered = await waitFor(
          () =>
            lines
              .map((l) => JSON.parse(l) as { msg: string; startOffsets?: number[] })
              .find((l) => l.msg === 'snapshot delivered'),
          'the delivery',
          20_000,
        );
        assert.equal(proxy.cuts, cuts);
        const offsets = delivered.startOffsets!;
        assert.equal(offsets.length, cuts + 1, `streams started at ${JSON.stringify(offsets)}`);
        assert.equal(offsets[0], 0);
        // Each stream starts where the control plane's part file ends, on a chunk boundary. (Bytes
        // still in flight when a connection dies are lost, so an attempt need not get further.)
        for (let k = 1; k < offsets.length; k++) {
          assert.ok(offsets[k]! >= offsets[k - 1]!, `never goes back: ${JSON.stringify(offsets)}`);
          assert.equal(offsets[k]! % (1024 * 1024), 0, 'resumes on a chunk boundary');
        }
        assert.ok(offsets.at(-1)! > 0, `resumed rather than restarted: ${JSON.stringify(offsets)}`);
        const [sync] = listSyncs(plane.store);
        assert.equal(sync!.bytes, snap.bytes);
        assert.equal(await sha256File(sync!.path), snap.sha256);
      } finally {
        await proxy.close();
      }
    });
  }

  it('stop() mid-upload leaves a checkpoint the next start resumes from', async function () {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } });
    const settings = agentSettings(plane.address, creds, join(dir.path, 'agent'), { logger });
    const first = newAgent(settings);
    const size = 64 * 1024 * 1024;
    const snap = await makeSnapshot(dir.path, 'sync-stop', size);
    await first.submitSnapshot(snap.path, snap.header);
    await first.start(idleHandler, helloInfo);
    const uploads = join(dir.path, 'cp', 'uploads');
    const { stat } = await import('node:fs/promises');
    await waitFor(async () => {
      const parts = await readdir(uploads).catch(() => []);
      return parts.length === 1 && (await stat(join(uploads, parts[0]!))).size >= 2 * 1024 * 1024;
    }, 'part of the upload to arrive');
    await first.stop();
    if (listSyncs(plane.store).length) this.skip(); // finished before stop() landed: nothing to resume
    const second = newAgent(settings);
    agents.push(second);
    await second.start(idleHandler, helloInfo);
    const delivered = await waitFor(
      () =>
        lines
          .map((l) => JSON.parse(l) as { msg: string; startOffsets?: number[] })
          .find((l) => l.msg === 'snapshot delivered'),
      'the resumed delivery',
    );
    assert.ok(delivered.startOffsets![0]! >= 2 * 1024 * 1024, JSON.stringify(delivered.startOffsets));
    const [sync] = listSyncs(plane.store);
    assert.equal(await sha256File(sync!.path), snap.sha256);
  });

  it('delivers snapshots spooled while the control plane was down, each exactly once', async () => {
    const port = await freePort();
    const cpDir = join(dir.path, 'cp');
    // The client must exist before the server does: create it through a short-lived instance.
    const boot = await startPlane(cpDir);
    const creds = await newClient(boot);
    await boot.close();
    const agent = newAgent(agentSettings(`127.0.0.1:${port}`, creds, join(dir.path, 'agent')));
    agents.push(agent);
    await agent.start(idleHandler, helloInfo); // resolves although nothing listens yet
    assert.equal(agent.status().connected, false);
    const shas: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await makeSnapshot(dir.path, `sync-out-${i}`, 200_000 + i, i === 0 ? 'full' : 'incremental');
      shas.push(s.sha256);
      await agent.submitSnapshot(s.path, s.header);
    }
    assert.equal(agent.status().spoolDepth, 3);
    plane = await startPlane(cpDir, { listen: `127.0.0.1:${port}` });
    await waitFor(() => agent.status().spoolDepth === 0, 'the spool to drain', 20_000);
    const syncs = listSyncs(plane.store);
    assert.deepEqual(syncs.map((s) => s.syncId).sort(), ['sync-out-0', 'sync-out-1', 'sync-out-2']);
    assert.deepEqual(syncs.map((s) => s.sha256).sort(), [...shas].sort());
    assert.equal(agent.status().connected, true);
  });

  it('delivers a spool left by a previous run after a restart, exactly once', async () => {
    const port = await freePort();
    const cpDir = join(dir.path, 'cp');
    const boot = await startPlane(cpDir);
    const creds = await newClient(boot);
    await boot.close();
    const settings = agentSettings(`127.0.0.1:${port}`, creds, join(dir.path, 'agent'));
    const first = newAgent(settings);
    await first.start(idleHandler, helloInfo);
    const s1 = await makeSnapshot(dir.path, 'sync-r1', 50_000);
    const s2 = await makeSnapshot(dir.path, 'sync-r2', 60_000, 'incremental');
    await first.submitSnapshot(s1.path, s1.header);
    await first.submitSnapshot(s2.path, s2.header);
    await first.stop();
    plane = await startPlane(cpDir, { listen: `127.0.0.1:${port}` });
    const second = newAgent(settings);
    agents.push(second);
    await second.start(idleHandler, helloInfo);
    await waitFor(
      () => second.status().spoolDepth === 0 && listSyncs(plane!.store).length === 2,
      'the old spool to arrive',
    );
    // A third start finds nothing left to send.
    await second.stop();
    agents.pop();
    const third = newAgent(settings);
    agents.push(third);
    await third.start(idleHandler, helloInfo);
    assert.equal(third.status().spoolDepth, 0);
    assert.deepEqual(
      listSyncs(plane.store)
        .map((s) => s.syncId)
        .sort(),
      ['sync-r1', 'sync-r2'],
    );
  });
});

/** Uploads `data` in one stream as host-a, claiming `sha256` and `total`. */
async function rawUpload(
  plane: RunningControlPlane,
  creds: { clientId: string; clientSecret: string },
  syncId: string,
  sha256: string,
  data: Buffer,
  total: number,
): Promise<UploadSnapshotResponse> {
  const tokens = new TokenSource(creds.clientId, await parseClientSecret(creds.clientSecret));
  const client = new ControlPlaneServiceClient(plane.address, credentials.createInsecure());
  const md = new Metadata();
  md.set('authorization', `Bearer ${await tokens.token()}`);
  try {
    return await new Promise<UploadSnapshotResponse>((resolve, reject) => {
      const call = client.uploadSnapshot(md, (err, res) => (err ? reject(err) : resolve(res)));
      call.write({
        metadata: {
          hostId: 'host-a',
          taskId: '',
          syncId,
          kind: SnapshotKind.SNAPSHOT_KIND_FULL,
          totalSize: total,
          sha256,
          headerJson: '',
          resumeOffset: 0,
        },
      });
      if (data.length) call.write({ chunk: { offset: 0, data } });
      call.write({ end: { sha256 } });
      call.end();
    });
  } finally {
    client.close();
  }
}

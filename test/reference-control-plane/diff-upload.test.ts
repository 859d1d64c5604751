import assert from 'node:assert/strict';
import { status, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { SnapshotKind } from '../../src/gen/baton_entra/v1/control_plane.js';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import type { AgentSettings } from '../../src/daemon/agent/types.js';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { getSyncWithHeader, listSyncs } from '../../src/reference-control-plane/syncs.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { readSnapshotHeader } from '../../src/snapshot/file.js';
import type { SnapshotHeader } from '../../src/snapshot/header.js';
import { trustCa } from '../simulator/support/sim.js';
import { LogEvents } from '../daemon/support/log-events.js';
import { editHeader, exportOf, syncChain, type SyncedChain } from './diff-chain.js';
import {
  agentSettings,
  helloInfo,
  idleHandler,
  newAgent,
  newClient,
  sha256File,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';
import { rawClient } from './raw-client.js';

/**
 * Diff snapshots between the daemon's agent and the reference control plane, over loopback: real
 * diffs, written by incremental syncs of the simulator's tenant.
 */
describe('diff snapshot upload', function () {
  this.timeout(60_000);
  let sim: Simulator;
  let fixtures: Awaited<ReturnType<typeof tempDir>>;
  /** A full sync (0) and two incrementals (1, 2), each a diff of the one before. */
  let chain: SyncedChain;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane | undefined;
  const agents: ControlPlaneAgent[] = [];

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 5 });
    trustCa(sim.caCertPem);
    fixtures = await tempDir('diff-fixtures');
    chain = await syncChain(sim, join(fixtures.path, 'chain'), 2);
  });
  after(async () => {
    await sim.close();
    await fixtures.cleanup();
  });
  beforeEach(async () => {
    dir = await tempDir('diff-upload');
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await plane?.close();
    plane = undefined;
    await dir.cleanup();
  });

  /** A copy of chain snapshot `i` to submit (the spool takes the file it is given). */
  async function copyOf(i: number): Promise<{ path: string; header: SnapshotHeader }> {
    const path = join(dir.path, `${randomBytes(4).toString('hex')}-${basename(chain.files[i]!)}`);
    await copyFile(chain.files[i]!, path);
    return { path, header: chain.headers[i]! };
  }

  async function startAgent(
    creds: { clientId: string; clientSecret: string },
    over: Partial<AgentSettings> = {},
    sub = 'agent',
  ) {
    const logs = new LogEvents();
    const agent = newAgent(
      agentSettings(plane!.address, creds, join(dir.path, sub), {
        logger: logs.logger,
        chain: { dirs: [chain.dir] },
        ...over,
      }),
    );
    agents.push(agent);
    await agent.start(idleHandler, helloInfo);
    return { agent, logs };
  }

  async function submit(agent: ControlPlaneAgent, i: number): Promise<void> {
    const s = await copyOf(i);
    await agent.submitSnapshot(s.path, s.header);
  }

  const stored = (syncId: string) => listSyncs(plane!.store).find((s) => s.syncId === syncId);

  /** Uploads diff 1 with its header edited by `edit` (the body as it is); resolves to the refusal. */
  async function uploadTampered(
    creds: { clientId: string; clientSecret: string },
    edit: (h: SnapshotHeader) => void,
  ): Promise<ServiceError> {
    const out = join(dir.path, 'tampered.snapshot');
    const tampered = await editHeader(chain.files[1]!, out, (h) => {
      edit(h);
      return h;
    });
    const raw = await rawClient(plane!.address, creds);
    try {
      await raw.upload(
        {
          syncId: tampered.header.syncId,
          kind: SnapshotKind.SNAPSHOT_KIND_INCREMENTAL,
          sha256: tampered.sha256,
          headerJson: JSON.stringify(tampered.header),
        },
        await readFile(out),
      );
    } catch (err) {
      return err as ServiceError;
    } finally {
      raw.close();
    }
    return assert.fail('the tampered diff was stored');
  }

  it('stores a diff as it was sent once its parent is stored, and records the parent', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const { agent, logs } = await startAgent(creds);
    for (const i of [0, 1, 2]) await submit(agent, i);
    await waitFor(
      () => listSyncs(plane!.store).length === 3 && agent.status().spoolDepth === 0,
      'three syncs',
    );
    const [full, d1, d2] = chain.headers.map((h) => stored(h.syncId)!);
    assert.deepEqual([full!.diff, d1!.diff, d2!.diff], [false, true, true]);
    assert.equal(d1!.baseSyncId, chain.headers[0]!.syncId);
    assert.equal(d2!.baseSyncId, chain.headers[1]!.syncId);
    assert.equal(d1!.kind, 'incremental');
    // As sent: the diff's own bytes, a fraction of the whole snapshot's.
    assert.equal(d2!.sha256, await sha256File(chain.files[2]!));
    assert.equal(await sha256File(d2!.path), d2!.sha256);
    assert.ok(d2!.bytes < full!.bytes, `diff ${d2!.bytes} bytes, whole ${full!.bytes}`);
    assert.equal(logs.count('sending a diff snapshot whole'), 0);
    assert.equal(
      logs.count('snapshot delivered', (r) => r.diff === true),
      2,
    );
  });

  it('sends a diff whole, under its own sync id, when the control plane lacks its parent', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const raw = await rawClient(plane.address, creds);
    try {
      const { agent, logs } = await startAgent(creds);
      const d1 = chain.headers[1]!;
      const asked = await raw.uploadStatus('host-a', d1.syncId, await sha256File(chain.files[1]!), d1.base);
      assert.deepEqual([asked.complete, asked.baseMissing], [false, true]);
      await submit(agent, 1);
      await waitFor(() => stored(d1.syncId) && agent.status().spoolDepth === 0, 'the sync to arrive');
      const got = stored(d1.syncId)!;
      assert.equal(got.diff, false);
      assert.equal(got.kind, 'incremental');
      const { header } = await readSnapshotHeader(got.path);
      assert.equal(header.formatVersion, 1);
      assert.deepEqual(header.counts, d1.counts);
      // The same tenant as the diff read through its chain.
      assert.deepEqual(await exportOf(got.path), await exportOf(chain.files[1]!, { dirs: [chain.dir] }));
      const made = await logs.waitFor('sending a diff snapshot whole');
      assert.match(String(made.reason), /does not hold sync/);
      assert.deepEqual(await readdir(join(dir.path, 'agent', 'spool')), [], 'no spool file left behind');
    } finally {
      raw.close();
    }
  });

  it('GetUploadStatus: base_missing when the parent or a link of its chain is not held for this client', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const a = await newClient(plane, 'a');
    const b = await newClient(plane, 'b');
    const { agent } = await startAgent(a);
    await submit(agent, 0);
    await submit(agent, 1);
    await waitFor(() => listSyncs(plane!.store).length === 2, 'the full sync and a diff');
    const [full, d1, d2] = chain.headers;
    const ref = (h: SnapshotHeader) => ({ syncId: h.syncId, sha256: h.sha256 });
    const rawA = await rawClient(plane.address, a);
    const rawB = await rawClient(plane.address, b);
    try {
      await rawB.hello('host-b');
      const sha2 = await sha256File(chain.files[2]!);
      const missing = async (raw: typeof rawA, host: string, base: { syncId: string; sha256: string }) =>
        (await raw.uploadStatus(host, d2!.syncId, sha2, base)).baseMissing;
      assert.equal(await missing(rawA, 'host-a', ref(d1!)), false, 'held, with its chain');
      assert.equal(await missing(rawB, 'host-b', ref(d1!)), true, "another client's sync is not a parent");
      assert.equal(
        await missing(rawA, 'host-a', { ...ref(d1!), sha256: 'f'.repeat(64) }),
        true,
        'other content',
      );
      assert.equal(await missing(rawA, 'host-a', ref(full!)), false, 'any stored whole sync');
      // A whole snapshot names no parent: never base_missing.
      assert.equal((await rawA.uploadStatus('host-a', d2!.syncId, sha2)).baseMissing, false);
      await assert.rejects(
        rawA.uploadStatus('host-a', d2!.syncId, sha2, { syncId: d1!.syncId, sha256: '' }),
        (err: ServiceError) => err.code === status.INVALID_ARGUMENT && /base_sha256/.test(err.details),
      );
      // The diff's parent is stored, its own parent is gone: the chain cannot be read.
      plane.store.db.prepare('DELETE FROM syncs WHERE sync_id = ?').run(full!.syncId);
      assert.equal(await missing(rawA, 'host-a', ref(d1!)), true, 'a link of its chain is missing');
    } finally {
      rawA.close();
      rawB.close();
    }
  });

  it('refuses a diff whose counts disagree with its parent and changes, and keeps nothing of it', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const { agent } = await startAgent(creds);
    await submit(agent, 0);
    await waitFor(() => listSyncs(plane!.store).length === 1, 'the parent');
    const err = await uploadTampered(creds, (h) => {
      h.counts.resources += 1;
      h.counts.resourcesByType.user = (h.counts.resourcesByType.user ?? 0) + 1;
    });
    assert.ok(
      err.code === status.INVALID_ARGUMENT &&
        /resources/.test(err.details) &&
        /header says/.test(err.details),
      err.details,
    );
    assert.deepEqual(
      listSyncs(plane.store).map((s) => s.syncId),
      [chain.headers[0]!.syncId],
    );
    assert.deepEqual(
      (await readdir(join(dir.path, 'cp', 'uploads'))).filter((f) => !f.startsWith('.')),
      [],
      'no part file or scratch database left',
    );
  });

  it('checks a diff against the database its parent’s check kept: only the changes are read', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const { agent } = await startAgent(creds);
    await submit(agent, 0);
    await waitFor(() => stored(chain.headers[0]!.syncId) && agent.status().spoolDepth === 0, 'the full sync');
    // A tampered diff is refused inside its transaction: the parent's database stays kept.
    const err = await uploadTampered(creds, (h) => {
      h.counts.grants += 1;
    });
    assert.ok(
      err.code === status.INVALID_ARGUMENT && /grants, its header says/.test(err.details),
      err.details,
    );
    // The stored full snapshot's body is damaged: rebuilding the chain would fail its checksum,
    // so the diffs below pass only if checked against the kept database.
    const full = stored(chain.headers[0]!.syncId)!;
    const bytes = await readFile(full.path);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    await writeFile(full.path, bytes);
    for (const i of [1, 2]) await submit(agent, i);
    await waitFor(
      () => listSyncs(plane!.store).length === 3 && agent.status().spoolDepth === 0,
      'both diffs',
    );
    assert.deepEqual(
      [1, 2].map((i) => stored(chain.headers[i]!.syncId)!.diff),
      [true, true],
    );
    const verified = await readdir(join(dir.path, 'cp', 'verified'));
    assert.equal(verified.length, 1, 'one client');
    const kept = (await readdir(join(dir.path, 'cp', 'verified', verified[0]!))).filter(
      (f) => !f.startsWith('.'),
    );
    assert.deepEqual(
      kept,
      [`${chain.headers[2]!.syncId}.db`],
      'the newest sync’s database, and no other left over',
    );
  });

  it('refuses a diff of a sync stored for another client as FAILED_PRECONDITION naming the parent', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const a = await newClient(plane, 'a');
    const b = await newClient(plane, 'b');
    const { agent } = await startAgent(a);
    await submit(agent, 0);
    await waitFor(() => listSyncs(plane!.store).length === 1, "a's full sync");
    const raw = await rawClient(plane.address, b);
    try {
      await raw.hello('host-b');
      const d1 = chain.headers[1]!;
      await assert.rejects(
        raw.upload(
          {
            hostId: 'host-b',
            syncId: d1.syncId,
            kind: SnapshotKind.SNAPSHOT_KIND_INCREMENTAL,
            sha256: await sha256File(chain.files[1]!),
            headerJson: JSON.stringify(d1),
          },
          await readFile(chain.files[1]!),
        ),
        (err: ServiceError) =>
          err.code === status.FAILED_PRECONDITION &&
          err.details.includes(chain.headers[0]!.syncId) &&
          /upload the sync whole/.test(err.details),
      );
    } finally {
      raw.close();
    }
    assert.equal(listSyncs(plane.store).length, 1);
    assert.deepEqual(await readdir(join(dir.path, 'cp', 'uploads')), []);
  });

  it('a control plane that takes whole snapshots only (an older one says nothing in Hello) gets them whole', async () => {
    plane = await startPlane(join(dir.path, 'cp'), { acceptDiffSnapshots: false });
    const creds = await newClient(plane);
    const raw = await rawClient(plane.address, creds);
    try {
      assert.equal((await raw.hello('host-raw')).acceptsDiffSnapshots, false);
      const { agent, logs } = await startAgent(creds);
      for (const i of [0, 1, 2]) await submit(agent, i);
      await waitFor(
        () => listSyncs(plane!.store).length === 3 && agent.status().spoolDepth === 0,
        'three syncs',
      );
      for (const s of listSyncs(plane.store)) {
        assert.equal(s.diff, false, s.syncId);
        assert.equal((await readSnapshotHeader(s.path)).header.formatVersion, 1, s.syncId);
      }
      assert.equal(
        logs.count('sending a diff snapshot whole', (r) => /whole snapshots only/.test(String(r.reason))),
        2,
      );
      assert.deepEqual(
        await exportOf(stored(chain.headers[2]!.syncId)!.path),
        await exportOf(chain.files[2]!, { dirs: [chain.dir] }),
      );
      // A diff sent anyway is refused, not stored.
      const d = chain.headers[1]!;
      await assert.rejects(
        raw.upload(
          {
            hostId: 'host-raw',
            syncId: `${d.syncId}-again`,
            kind: SnapshotKind.SNAPSHOT_KIND_INCREMENTAL,
            sha256: await sha256File(chain.files[1]!),
          },
          await readFile(chain.files[1]!),
        ),
        (err: ServiceError) => err.code === status.INVALID_ARGUMENT,
      );
    } finally {
      raw.close();
    }
  });

  it('drops a diff whose parent is neither at the control plane nor in the local chain, and says so', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const empty = join(dir.path, 'no-chain');
    await mkdir(empty);
    const lost: string[] = [];
    const { agent, logs } = await startAgent(creds, {
      chain: { dirs: [empty] },
      onChainLost: (syncId) => lost.push(syncId),
    });
    await submit(agent, 2);
    const dropped = await logs.waitFor(
      'a diff snapshot can be sent neither as it is nor whole (its local chain cannot be read): dropped it; the next sync will be a full one',
    );
    assert.equal(dropped.level, 'error');
    assert.deepEqual(lost, [chain.headers[2]!.syncId]);
    assert.equal(agent.status().spoolDepth, 0);
    assert.match(agent.status().lastError ?? '', /dropped/);
    assert.deepEqual(listSyncs(plane.store), []);
    await rm(empty, { recursive: true });
  });

  it('keeps the header it verified, with the parent it names', async () => {
    plane = await startPlane(join(dir.path, 'cp'));
    const creds = await newClient(plane);
    const { agent } = await startAgent(creds);
    await submit(agent, 0);
    await submit(agent, 1);
    await waitFor(() => listSyncs(plane!.store).length === 2, 'two syncs');
    const got = getSyncWithHeader(plane.store, creds.clientId, chain.headers[1]!.syncId)!;
    assert.deepEqual(got.header.base, chain.headers[1]!.base);
    assert.equal(got.sync.baseSyncId, chain.headers[0]!.syncId);
  });
});

import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunningControlPlane } from '../../src/reference-control-plane/server.js';
import type { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import { spawn } from 'node:child_process';
import { CLI, ROOT, runCli } from '../support/cli.js';
import {
  agentSettings,
  freePort,
  helloInfo,
  idleHandler,
  makeSnapshot,
  newAgent,
  startPlane,
  tempDir,
  waitFor,
} from './helpers.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';

describe('control-plane CLI', function () {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let plane: RunningControlPlane;
  let agent: ControlPlaneAgent;

  let uploaded: { clientId: string; bytes: number };

  before(async () => {
    dir = await tempDir('cp-cli');
  });
  after(async () => {
    await agent?.stop();
    await plane?.close();
    await dir.cleanup();
  });

  it('clients add prints a client id and secret once; only the public key is stored', async () => {
    const cpDir = join(dir.path, 'cp');
    const res = await runCli([
      'control-plane',
      'clients',
      'add',
      '--data-dir',
      cpDir,
      '--name',
      'prod',
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const creds = JSON.parse(res.stdout) as { clientId: string; clientSecret: string };
    assert.match(creds.clientId, /^prod@baton-entra\//);
    assert.match(creds.clientSecret, /^secret-token:baton-entra:v1:/);
    const { readFile } = await import('node:fs/promises');
    const db = await readFile(join(cpDir, 'control-plane.db'));
    const d = (
      JSON.parse(Buffer.from(creds.clientSecret.split(':').pop()!, 'base64url').toString()) as { d: string }
    ).d;
    assert.equal(db.includes(d), false, 'the private key is not in the database');

    plane = await startPlane(cpDir);
    agent = newAgent(agentSettings(plane.address, creds, join(dir.path, 'agent')));
    await agent.start(idleHandler, helloInfo);
    const snap = await makeSnapshot(dir.path, 'sync-cli-1', 4096, 'incremental');
    await agent.submitSnapshot(snap.path, snap.header, { taskId: 'T-cli' });
    await waitFor(() => listSyncs(plane.store).length === 1, 'the upload');
    uploaded = { clientId: creds.clientId, bytes: snap.bytes };
  });

  it('syncs list --json prints one object per received sync', async () => {
    const res = await runCli([
      'control-plane',
      'syncs',
      'list',
      '--data-dir',
      join(dir.path, 'cp'),
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const sync = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(sync).sort(), [
      'bytes',
      'clientId',
      'diff',
      'host',
      'kind',
      'path',
      'receivedAt',
      'sha256',
      'syncId',
      'taskId',
    ]);
    assert.equal(sync.host, 'host-a');
    assert.equal(sync.syncId, 'sync-cli-1');
    assert.equal(sync.kind, 'incremental');
    assert.equal(sync.diff, false);
    assert.equal(sync.bytes, uploaded.bytes);
    assert.equal(sync.clientId, uploaded.clientId);
    assert.match(sync.sha256 as string, /^[0-9a-f]{64}$/);
    assert.ok(!Number.isNaN(Date.parse(sync.receivedAt as string)));
  });

  it('hosts list shows the last hello, version and status', async () => {
    const res = await runCli([
      'control-plane',
      'hosts',
      'list',
      '--data-dir',
      join(dir.path, 'cp'),
      '--json',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const host = JSON.parse(res.stdout.trim()) as Record<string, unknown>;
    assert.equal(host.hostId, 'host-a');
    assert.equal(host.version, '0.0.0-test');
    assert.equal(host.connectionStatus, 'connected');
    assert.equal(host.tenantId, 'tenant-1');
    assert.ok(host.lastHelloAt);
  });

  it('serve runs the server until SIGTERM, then exits cleanly', async () => {
    const cpDir = join(dir.path, 'cp-serve');
    const added = await runCli(['control-plane', 'clients', 'add', '--data-dir', cpDir, '--json']);
    const creds = JSON.parse(added.stdout) as { clientId: string; clientSecret: string };
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'control-plane',
        'serve',
        '--listen',
        `127.0.0.1:${port}`,
        '--data-dir',
        cpDir,
        '--poll-interval',
        '50',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const served = newAgent(
      agentSettings(`127.0.0.1:${port}`, creds, join(dir.path, 'agent-serve'), { hostId: 'served' }),
    );
    try {
      await served.start(idleHandler, helloInfo);
      await waitFor(() => served.status().connected, 'the agent to reach the served control plane', 20_000);
      assert.match(out, /control plane listening/);
    } finally {
      await served.stop();
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('serve refuses bad flags with a message naming them', async () => {
    const res = await runCli([
      'control-plane',
      'serve',
      '--listen',
      'nowhere',
      '--data-dir',
      join(dir.path, 'cp2'),
    ]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /--listen nowhere: .*HOST:PORT/);
    const tls = await runCli([
      'control-plane',
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      join(dir.path, 'cp2'),
      '--tls-cert',
      'x.pem',
    ]);
    assert.notEqual(tls.code, 0);
    assert.match(tls.stderr, /--tls-cert and --tls-key go together/);
  });
});

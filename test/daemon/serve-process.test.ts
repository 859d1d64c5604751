import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, symlink, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { startControlPlane, type RunningControlPlane } from '../../src/reference-control-plane/server.js';
import { addClient } from '../../src/reference-control-plane/clients.js';
import { CLI, ROOT, cleanEnv } from '../support/cli.js';
import type { LogRecord } from './support/log-events.js';
import { simulatorEnv } from '../support/simulator-env.js';

/** `baton-entra serve` as its own process, with its JSON log lines awaitable. */
class ServeProcess {
  readonly records: LogRecord[] = [];
  readonly child: ChildProcess;
  private waiters: (() => void)[] = [];
  stderr = '';

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
      cwd: ROOT,
      env: { ...cleanEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.records.push(JSON.parse(line) as LogRecord);
      } catch {
        return;
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
  }

  waitFor(
    msg: string,
    where: (r: LogRecord) => boolean = () => true,
    timeoutMs = 90_000,
  ): Promise<LogRecord> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.records.find((r) => r.msg === msg && where(r));
        if (hit) return resolve(hit);
        if (this.child.exitCode !== null)
          return reject(new Error(`serve exited (${this.child.exitCode}): ${this.stderr}`));
        if (Date.now() > deadline)
          return reject(
            new Error(
              `no "${msg}" log; last: ${this.records
                .slice(-4)
                .map((r) => r.msg)
                .join(' | ')}`,
            ),
          );
        this.waiters.push(check);
        setTimeout(check, 1000).unref();
      };
      check();
    });
  }

  exit(): Promise<number | null> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
}

/** Writes settings the way the kubelet updates a Secret volume: a new dir, then a `..data` swap. */
async function writeSecretVolume(
  dir: string,
  files: Record<string, string>,
  generation: number,
): Promise<void> {
  const target = `..data_${generation}`;
  await mkdir(join(dir, target), { recursive: true });
  for (const [name, value] of Object.entries(files)) await writeFile(join(dir, target, name), value);
  await symlink(target, join(dir, '..data_tmp'));
  await rename(join(dir, '..data_tmp'), join(dir, '..data'));
  for (const name of Object.keys(files)) {
    await rm(join(dir, name), { force: true });
    await symlink(join('..data', name), join(dir, name));
  }
}

describe('serve as a process', function () {
  let sim: Simulator;
  let plane: RunningControlPlane;
  let dir: string;
  let base: Record<string, string>;

  before(async () => {
    sim = await startSimulator({ preset: 'demo', seed: 11 });
  });
  after(async () => {
    await sim.close();
  });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'serve-proc-'));
    plane = await startControlPlane({ listen: '127.0.0.1:0', dataDir: join(dir, 'cp'), pollIntervalMs: 50 });
    const creds = await addClient(plane.store, 'test', new Date());
    base = {
      NODE_EXTRA_CA_CERTS: sim.caCertPath,
      ...simulatorEnv(sim),
      BATON_CONTROL_PLANE_ADDRESS: plane.address,
      BATON_CONTROL_PLANE_TLS: 'insecure',
      BATON_CLIENT_ID: creds.clientId,
      BATON_CLIENT_SECRET: creds.clientSecret,
      BATON_HTTP_HOST: '127.0.0.1',
      BATON_HTTP_PORT: '0',
      BATON_DATA_DIR: join(dir, 'data'),
      BATON_SYNC_INTERVAL: '1h',
    };
  });
  afterEach(async () => {
    sim.setFaults([]);
    await plane.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies a changed mounted secret without a restart, and rejects an invalid one keeping the old', async () => {
    const secrets = join(dir, 'secrets');
    await mkdir(secrets);
    await writeSecretVolume(secrets, { BATON_PROVISIONING: 'false' }, 1);
    const serve = new ServeProcess({ ...base, BATON_CONFIG_DIR: secrets, BATON_SYNC_ON_START: 'false' });
    try {
      await serve.waitFor('connected to the control plane');
      await writeSecretVolume(secrets, { BATON_PROVISIONING: 'true' }, 2);
      const reloaded = await serve.waitFor('configuration reloaded');
      assert.equal(reloaded.provisioning, true);
      await writeSecretVolume(secrets, { BATON_PROVISIONING: 'maybe' }, 3);
      const rejected = await serve.waitFor('configuration change rejected; the previous configuration stays');
      assert.match(String(rejected.err), /BATON_PROVISIONING/);
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exit(), 0);
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('on SIGTERM mid-sync stops the sync at a checkpoint and exits 0 within the bound', async () => {
    // Slow Graph pages keep the sync running long enough to be interrupted.
    sim.setFaults([{ path: '^/(v1\\.0|beta)/', kind: 'slow', value: 400 }]);
    const serve = new ServeProcess({ ...base, BATON_SHUTDOWN_TIMEOUT: '10s' });
    try {
      await serve.waitFor('sync starting');
      const t0 = Date.now();
      serve.child.kill('SIGTERM');
      const code = await serve.exit();
      const ms = Date.now() - t0;
      assert.equal(code, 0, serve.stderr);
      assert.ok(ms < 10_000, `took ${ms} ms to stop`);
      assert.equal(
        serve.records.filter((r) => r.msg === 'sync finished' || r.msg === 'snapshot ready').length,
        0,
        'the sync did not run to the end',
      );
      assert.ok(
        (await readdir(join(dir, 'data', 'state'))).length > 0,
        'a checkpoint was kept for the next run',
      );
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('exits non-zero naming the settings when the control plane refuses its credential', async () => {
    const other = await startControlPlane({ listen: '127.0.0.1:0', dataDir: join(dir, 'other') });
    const stranger = await addClient(other.store, 'stranger', new Date());
    await other.close();
    const serve = new ServeProcess({
      ...base,
      BATON_CLIENT_ID: stranger.clientId,
      BATON_CLIENT_SECRET: stranger.clientSecret,
      BATON_SYNC_ON_START: 'false',
    });
    try {
      assert.equal(await serve.exit(), 1);
      assert.match(
        serve.stderr,
        /control plane refused Hello: UNAUTHENTICATED.*BATON_CLIENT_ID and BATON_CLIENT_SECRET/,
      );
    } finally {
      serve.child.kill('SIGKILL');
    }
  });

  it('exits non-zero naming the variable on bad configuration', async () => {
    const serve = new ServeProcess({ ...base, BATON_SYNC_INTERVAL: 'often' });
    assert.notEqual(await serve.exit(), 0);
    assert.match(serve.stderr, /BATON_SYNC_INTERVAL/);
  });
});

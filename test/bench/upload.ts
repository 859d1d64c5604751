/**
 * Upload throughput over loopback: one snapshot (256 MiB by default, BENCH_UPLOAD_MIB to change)
 * from a daemon agent to the reference control plane (`control-plane serve` in its own process),
 * plaintext, measured from the moment it is spooled until the control plane has verified and
 * stored it.
 *
 *   npx node --import tsx test/bench/upload.ts
 */
import { randomBytes } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { ControlPlaneStore } from '../../src/reference-control-plane/store.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import { CLI, ROOT, runCli } from '../support/cli.js';
import { ControlPlaneAgent } from '../../src/daemon/agent/agent.js';
import type { SnapshotHeader } from '../../src/framework/engine/api.js';
import { freePort, sha256File, tempDir, waitFor } from '../reference-control-plane/helpers.js';

const MIB = 1024 * 1024;
const size = Number(process.env.BENCH_UPLOAD_MIB ?? 256) * MIB;

/** utime + stime of a process in ms, from /proc (Linux); NaN elsewhere. */
async function processCpuMs(pid: number | undefined): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const dir = await tempDir('bench-upload');
  const cpDir = join(dir.path, 'cp');
  const added = await runCli(['control-plane', 'clients', 'add', '--data-dir', cpDir, '--json']);
  const creds = JSON.parse(added.stdout) as { clientId: string; clientSecret: string };
  const port = await freePort();
  const server = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof-server'] : []),
      '--import',
      'tsx',
      CLI,
      'control-plane',
      'serve',
      '--listen',
      `127.0.0.1:${port}`,
      '--data-dir',
      cpDir,
      '--log-level',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  const store = new ControlPlaneStore(cpDir);
  const agent = new ControlPlaneAgent({
    address: `127.0.0.1:${port}`,
    ...creds,
    tls: { mode: 'insecure' },
    hostId: 'bench',
    dataDir: join(dir.path, 'agent'),
    version: 'bench',
  });
  try {
    const file = join(dir.path, 'snap.bin');
    const block = randomBytes(MIB);
    const fh = await open(file, 'w');
    for (let i = 0; i < size / MIB; i++) {
      block.writeUInt32LE(i, 0); // no two blocks alike
      await fh.write(block);
    }
    await fh.close();
    const sha256 = await sha256File(file);
    const header = { syncId: 'bench-1', kind: 'full', sha256, bodyBytes: size } as unknown as SnapshotHeader;
    await agent.start(
      async () => ({ ok: true }),
      async () => ({ connectionStatus: 'connected', capabilities: [] }),
    );
    await waitFor(() => agent.status().connected, 'the control plane to start', 60_000);
    const cpu0 = process.cpuUsage();
    const srv0 = await processCpuMs(server.pid);
    const t0 = performance.now();
    await agent.submitSnapshot(file, header);
    const t1 = performance.now();
    await waitFor(() => agent.status().spoolDepth === 0, 'the upload', 600_000);
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const serverCpuMs = (await processCpuMs(server.pid)) - srv0;
    const stored = listSyncs(store)[0]!;
    if (stored.sha256 !== sha256 || (await sha256File(stored.path)) !== sha256)
      throw new Error('stored bytes differ');
    const mb = size / 1e6;
    console.log(
      JSON.stringify({
        bench: 'upload',
        bytes: size,
        spoolMs: Math.round(t1 - t0),
        uploadMs: Math.round(t2 - t1),
        uploadMBps: Math.round((mb / ((t2 - t1) / 1000)) * 10) / 10,
        endToEndMBps: Math.round((mb / ((t2 - t0) / 1000)) * 10) / 10,
        // CPU time spent per side (the host is shared; wall time depends on its load).
        daemonCpuMs: Math.round((cpu.user + cpu.system) / 1000),
        controlPlaneCpuMs: Math.round(serverCpuMs),
        loadAverage: loadavg()[0],
      }),
    );
  } finally {
    await agent.stop();
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    store.close();
    await dir.cleanup();
  }
}

await main();

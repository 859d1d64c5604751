/**
 * Runs one sync in a child process (test/bench/sync-child.ts) against a simulator served by this
 * process, so that the child's peak RSS is the sync's own.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Simulator } from '../../src/simulator/index.js';
import type { SnapshotHeader } from '../../src/framework/engine/api.js';
import { simulatorEnv } from '../support/simulator-env.js';

export interface ChildResult {
  /** The snapshot file the sync wrote. */
  file: string;
  header: SnapshotHeader;
  ms: number;
  cpuMs: number;
  peakRssMb: number;
}

export interface ChildOptions {
  /** Caps the child's V8 heap (MiB). */
  heapMb?: string;
  /** Directory for a V8 CPU profile of the child. */
  cpuProfDir?: string;
}

/** The BATON_* settings of a sync against `sim` (devices included). */
export function benchEnv(sim: Simulator): Record<string, string> {
  return {
    ...simulatorEnv(sim),
    BATON_SYNC_DEVICES: 'true',
    BATON_LOG_LEVEL: process.env.BENCH_LOG ? 'info' : 'silent',
  };
}

export async function syncInChild(
  sim: Simulator,
  outFile: string,
  from?: string,
  o: ChildOptions = {},
): Promise<ChildResult> {
  const child = spawn(
    process.execPath,
    [
      ...(o.heapMb ? [`--max-old-space-size=${o.heapMb}`] : []),
      ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
      '--import',
      'tsx',
      fileURLToPath(new URL('./sync-child.ts', import.meta.url)),
      outFile,
      ...(from ? [from] : []),
    ],
    {
      env: {
        // As the image sets it (Dockerfile): the benchmark measures the process as it ships.
        MALLOC_TRIM_THRESHOLD_: '0',
        ...process.env,
        ...benchEnv(sim),
        NODE_EXTRA_CA_CERTS: sim.caCertPath,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`sync child exited ${code}`);
  return { ...(JSON.parse(out.trim().split('\n').at(-1)!) as Omit<ChildResult, 'file'>), file: outFile };
}

/**
 * The daemon (`baton-entra serve`, its own process) syncing every second and uploading to a
 * control plane that loses acknowledgements of stored snapshots, is killed (SIGKILL) while the
 * answer of a stored upload is held back, and goes down for a while. Oracle: every snapshot the
 * daemon spooled is at the control plane exactly once, as sent, and nothing else is.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { addClient } from '../../src/reference-control-plane/clients.js';
import { listSyncs } from '../../src/reference-control-plane/syncs.js';
import type { Simulator } from '../../src/simulator/index.js';
import { CLI, ROOT, cleanEnv } from '../support/cli.js';
import { simulatorEnv } from '../support/simulator-env.js';
import { ChaosControlPlane } from './control-plane.js';
import { deliveredOnce, filesUnder, secretLeaks, type Spooled, type Violation } from './oracles.js';
import type { RunResult } from './run-result.js';
import type { RunPlan } from './schedule.js';

/** How long the daemon gets to deliver everything it spooled once the faults are over: a bound on a
 * hang, generous because a loaded machine starts the daemon process slowly. */
const SETTLE_MS = 180_000;

class Daemon {
  readonly proc: ChildProcess;
  output = '';
  readonly spooled = new Set<string>();

  constructor(env: Record<string, string>) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
      cwd: ROOT,
      env: { ...cleanEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      this.output += `${line}\n`;
      try {
        const r = JSON.parse(line) as { msg?: string; syncId?: string };
        if (r.msg === 'snapshot spooled' && r.syncId) this.spooled.add(r.syncId);
      } catch {
        // not a log line
      }
    });
    this.proc.stderr!.setEncoding('utf8').on('data', (d: string) => (this.output += d));
  }

  async stop(signal: NodeJS.Signals): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    this.proc.kill(signal);
    await exited;
  }
}

export async function runUploadScenario(plan: RunPlan, sim: Simulator, dir: string): Promise<RunResult> {
  const u = plan.upload!;
  const violations: Violation[] = [];
  let stored = 0;
  let cpFaults = 0;
  let killNow = false;
  let goDown = false;
  const cp = new ChaosControlPlane(join(dir, 'cp'), () => {
    const i = stored++;
    if (i < u.lostAcks) {
      cpFaults++;
      return 'lose';
    }
    if (i === u.lostAcks && u.killBeforeAck) {
      cpFaults++;
      killNow = true;
      return 'hold';
    }
    if (i === u.lostAcks + (u.killBeforeAck ? 1 : 0)) goDown = true;
    return 'deliver';
  });
  await cp.start();
  const creds = await addClient(cp.store, 'chaos', new Date());
  const env = {
    ...simulatorEnv(sim),
    NODE_EXTRA_CA_CERTS: sim.caCertPath,
    BATON_CONTROL_PLANE_ADDRESS: cp.address,
    BATON_CONTROL_PLANE_TLS: 'insecure',
    BATON_CLIENT_ID: creds.clientId,
    BATON_CLIENT_SECRET: creds.clientSecret,
    BATON_HTTP_HOST: '127.0.0.1',
    BATON_HTTP_PORT: '0',
    BATON_DATA_DIR: join(dir, 'daemon'),
    // The shortest interval the daemon accepts: several syncs (and uploads) within the run.
    BATON_SYNC_INTERVAL: '5s',
    BATON_LOG_LEVEL: 'debug',
  };
  const daemons = [new Daemon(env)];
  const current = () => daemons.at(-1)!;
  // Sidecars of the spool, read as they come and go: the SHA-256 each snapshot was spooled with.
  const shas = new Map<string, string>();
  const spoolDir = join(dir, 'daemon', 'spool');
  const target = u.lostAcks + 3;
  try {
    const deadline = Date.now() + SETTLE_MS + u.downMs;
    for (;;) {
      for (const f of await readdir(spoolDir).catch(() => [] as string[])) {
        if (!f.endsWith('.json')) continue;
        const e = await readFile(join(spoolDir, f), 'utf8')
          .then((t) => JSON.parse(t) as Spooled)
          .catch(() => undefined);
        if (e) shas.set(e.syncId, e.sha256);
      }
      if (killNow) {
        killNow = false;
        // Killed with the snapshot stored and its acknowledgement not yet sent.
        await current().stop('SIGKILL');
        cp.releaseHeld();
        daemons.push(new Daemon(env));
      }
      if (goDown) {
        goDown = false;
        cpFaults++;
        cp.stop();
        await sleep(u.downMs);
        await cp.start();
      }
      const proc = current().proc;
      if (proc.exitCode !== null && proc.exitCode !== 0) {
        // A daemon that refuses to start (or dies) delivers nothing: say so now, with its words.
        violations.push({
          oracle: 'exactly-once',
          detail: `the daemon exited ${proc.exitCode} before delivering: ${current().output.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`,
        });
        break;
      }
      const spooled = new Set(daemons.flatMap((d) => [...d.spooled]));
      const held = new Set(listSyncs(cp.store).map((s) => s.syncId));
      if (stored >= target && [...spooled].every((id) => held.has(id))) break;
      if (Date.now() > deadline) {
        violations.push({
          oracle: 'exactly-once',
          detail: `after ${Math.round((SETTLE_MS + u.downMs) / 1000)} s, ${[...spooled].filter((id) => !held.has(id)).length} of ${spooled.size} spooled snapshots had not arrived (${stored} stored)`,
        });
        break;
      }
      await sleep(50);
    }
  } finally {
    for (const d of daemons) await d.stop('SIGTERM');
  }
  const spooled = [...new Set(daemons.flatMap((d) => [...d.spooled]))];
  const received = listSyncs(cp.store);
  cp.close();
  violations.push(
    ...(await deliveredOnce(
      spooled.map((syncId) => ({
        syncId,
        sha256: shas.get(syncId) ?? received.find((r) => r.syncId === syncId)?.sha256 ?? '',
      })),
      received,
    )),
  );
  violations.push(
    ...secretLeaks(
      [sim.clientSecret, creds.clientSecret],
      [
        ...daemons.map((d, i) => ({ name: `daemon process ${i + 1} output`, text: d.output })),
        ...(await filesUnder(dir)),
      ],
    ),
  );
  return { faults: cpFaults, records: received.length, violations };
}

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { CliError, USAGE_EXIT } from './errors.js';
import { parseDuration } from '../daemon/scheduler.js';
import { demoClient } from './demo-client.js';

interface DemoOptions {
  preset: string;
  dataDir: string;
  interval: string;
  exitAfter?: string;
  provisioning?: boolean;
}

/**
 * `baton-entra demo`: the simulator, the control plane and the daemon on this machine, each its own
 * process (as they would run in production), wired together over loopback.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole loop locally: Entra simulator + control plane + sync daemon, syncing every few seconds',
    )
    .option('--preset <name>', 'simulated tenant size: demo | small | large', 'demo')
    .option('--data-dir <dir>', 'where the demo keeps snapshots, uploads and certificates', '.data/demo')
    .option('--interval <duration>', 'time between syncs (e.g. 20s, 1m)', '20s')
    .option('--exit-after <n>', 'stop after this many uploads have arrived at the control plane')
    .option(
      '--provisioning',
      'start with provisioning on (BATON_PROVISIONING=true in the daemon\u2019s config directory)',
    )
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(opts);
    });
}

/** Each child is this same CLI, started the way this process was (tsx in development, dist when built). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Their own process group: Ctrl-C reaches the demo alone, which then stops them in order.
    detached: true,
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolvePort(port));
    });
  });
}

/** Runs a CLI command to completion and returns its stdout; a failure names the command. */
async function cliOutput(args: string[]): Promise<string> {
  const child = cli(args);
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  if (code !== 0) throw new CliError(`demo: \`baton-entra ${args.join(' ')}\` failed: ${err.trim()}`);
  return out;
}

/** Waits for the first stdout line that parses as JSON (the `--json` ready line). */
function firstJsonLine(child: ChildProcess, what: string): Promise<Record<string, string>> {
  return new Promise((resolveLine, reject) => {
    const rl = createInterface({ input: child.stdout! });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    rl.on('line', (line) => {
      try {
        resolveLine(JSON.parse(line) as Record<string, string>);
        rl.close();
      } catch {
        /* not the ready line */
      }
    });
    child.once('exit', (code) =>
      reject(new CliError(`demo: the ${what} exited (${code}) before it was ready: ${stderr.trim()}`)),
    );
  });
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function runDemo(opts: DemoOptions): Promise<number> {
  const { preset } = opts;
  if (!['demo', 'small', 'large'].includes(preset)) {
    throw new CliError('--preset: expected demo, small or large', USAGE_EXIT);
  }
  let intervalMs: number;
  try {
    intervalMs = parseDuration(opts.interval);
  } catch (err) {
    throw new CliError(`--interval: ${(err as Error).message}`, USAGE_EXIT);
  }
  const exitAfter = opts.exitAfter === undefined ? undefined : Number(opts.exitAfter);
  if (exitAfter !== undefined && (!Number.isInteger(exitAfter) || exitAfter < 1)) {
    throw new CliError('--exit-after: expected a whole number ≥ 1', USAGE_EXIT);
  }
  const dataDir = resolve(opts.dataDir);
  const dirs = {
    simulator: join(dataDir, 'simulator'),
    controlPlane: join(dataDir, 'control-plane'),
    daemon: join(dataDir, 'daemon'),
  };
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true });
  // The daemon's hot-reloaded settings, one file per variable, as a Kubernetes Secret mounts them:
  // flipping BATON_PROVISIONING here is what an operator does in the Secret.
  const configDir = join(dirs.daemon, 'config');
  const provisioningFile = join(configDir, 'BATON_PROVISIONING');
  await mkdir(configDir, { recursive: true });
  if (opts.provisioning) await writeFile(provisioningFile, 'true\n');
  const provisioning = await readFile(provisioningFile, 'utf8').then(
    (v) => v.trim(),
    async () => {
      await writeFile(provisioningFile, 'false\n');
      return 'false';
    },
  );

  const children: ChildProcess[] = [];
  const stopAll = async (): Promise<void> => {
    for (const c of children.reverse()) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
      }
    }
  };

  try {
    say(`baton-entra demo — everything under ${relative(process.cwd(), dataDir) || '.'}`);
    const sim = cli(['simulate', '--preset', preset, '--json', '--state-dir', dirs.simulator]);
    children.push(sim);
    const simInfo = await firstJsonLine(sim, 'simulator');
    say(`  ✓ Entra simulator   ${simInfo.authorityHost}  tenant ${simInfo.tenantId}  (preset ${preset})`);

    // The same client on every run: the control plane keeps the host id bound to it.
    const client = await demoClient(dataDir, dirs.controlPlane, cliOutput);
    const cpPort = await freePort();
    // The control plane serves TLS with the certificate the simulator made for localhost.
    const cp = cli([
      'control-plane',
      'serve',
      '--listen',
      `127.0.0.1:${cpPort}`,
      '--data-dir',
      dirs.controlPlane,
      '--tls-cert',
      join(dirs.simulator, 'server.pem'),
      '--tls-key',
      join(dirs.simulator, 'server-key.pem'),
    ]);
    children.push(cp);
    await waitForLine(cp, /listening/i, 'control plane');
    say(
      `  ✓ control plane     127.0.0.1:${cpPort} (TLS)  uploads land in ${relative(process.cwd(), dirs.controlPlane)}`,
    );

    const httpPort = await freePort();
    const daemon = cli(['serve'], {
      NODE_EXTRA_CA_CERTS: simInfo.caCertPath,
      BATON_ENTRA_TENANT_ID: simInfo.tenantId,
      BATON_ENTRA_CLIENT_ID: simInfo.clientId,
      BATON_ENTRA_CLIENT_SECRET: simInfo.clientSecret,
      BATON_ENTRA_AUTHORITY_HOST: simInfo.authorityHost,
      BATON_GRAPH_DOMAIN: simInfo.graphDomain,
      BATON_EXCHANGE_BASE_URL: simInfo.exchangeBaseUrl ?? simInfo.authorityHost,
      BATON_CONTROL_PLANE_ADDRESS: `127.0.0.1:${cpPort}`,
      BATON_CONTROL_PLANE_TLS: 'tls',
      BATON_CONTROL_PLANE_CA_FILE: simInfo.caCertPath,
      BATON_CONTROL_PLANE_SERVER_NAME: 'localhost',
      BATON_CLIENT_ID: client.clientId,
      BATON_CLIENT_SECRET: client.clientSecret,
      BATON_HOST_ID: client.hostId,
      BATON_DATA_DIR: dirs.daemon,
      BATON_HTTP_HOST: '127.0.0.1',
      BATON_HTTP_PORT: String(httpPort),
      BATON_SYNC_INTERVAL: `${Math.round(intervalMs / 1000)}s`,
      BATON_FULL_SYNC_INTERVAL: '5m',
      BATON_LOG_FORMAT: 'json',
      BATON_CONFIG_DIR: configDir,
    });
    children.push(daemon);
    say(
      `  ✓ sync daemon       health http://127.0.0.1:${httpPort}/readyz  metrics http://127.0.0.1:${httpPort}/metrics`,
    );
    say(
      `                      local snapshots in ${relative(process.cwd(), join(dirs.daemon, 'snapshots'))}`,
    );
    const rel = (p: string) => relative(process.cwd(), p);
    say(
      provisioning === 'true'
        ? `                      provisioning on (${rel(provisioningFile)})`
        : `                      provisioning off — turn it on: echo true > ${rel(provisioningFile)}`,
    );
    say('');
    say('Inspect a snapshot:   npm run cli -- snapshot inspect <file>   (… export <file> --format jsonl)');
    say(
      `List uploads:         npm run cli -- control-plane syncs list --data-dir ${relative(process.cwd(), dirs.controlPlane)}`,
    );
    say('Stop with Ctrl-C.');
    say('');

    const uploads = await followDaemon(daemon, exitAfter);
    if (exitAfter !== undefined) {
      say(`${uploads} upload(s) arrived; stopping.`);
      return 0;
    }
    return 0;
  } finally {
    await stopAll();
  }
}

/** Waits until a child prints a line matching `pattern` (on stdout or stderr). */
function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolveReady, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        child.stdout!.off('data', onData);
        child.stderr!.off('data', onData);
        resolveReady();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new CliError(`demo: the ${what} exited (${code}): ${seen.trim()}`)));
  });
}

/**
 * Turns the daemon's JSON log into a few readable progress lines, and resolves after `exitAfter`
 * uploads (or on Ctrl-C / the daemon exiting).
 */
function followDaemon(daemon: ChildProcess, exitAfter: number | undefined): Promise<number> {
  return new Promise((done, reject) => {
    let uploads = 0;
    const rl = createInterface({ input: daemon.stdout! });
    let stderr = '';
    daemon.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    rl.on('line', (line) => {
      let rec: Record<string, unknown>;
      try {
        rec = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const time = String(rec.time ?? '').slice(11, 19);
      const msg = String(rec.msg ?? '');
      if (msg === 'sync starting') say(`${time}  sync (${String(rec.kind)}) started`);
      else if (msg === 'snapshot ready') {
        const c = rec.counts as { resources: number; entitlements: number; grants: number } | undefined;
        say(
          `${time}  sync finished: ${c?.resources} resources, ${c?.entitlements} entitlements, ${c?.grants} grants`,
        );
      } else if (msg === 'snapshot delivered') {
        uploads += 1;
        say(`${time}  uploaded ${String(rec.syncId)} (${String(rec.bytes)} bytes) → control plane`);
        if (exitAfter !== undefined && uploads >= exitAfter) done(uploads);
      } else if (msg === 'configuration reloaded') {
        say(`${time}  configuration reloaded: provisioning ${rec.provisioning ? 'on' : 'off'}`);
      } else if (msg === 'provisioning done' || msg === 'provisioning planned') {
        say(`${time}  ${String(rec.kind)} ${String(rec.outcome)} (task ${String(rec.taskId)})`);
      } else if (rec.level === 'error' || rec.level === 'warn')
        say(`${time}  ${String(rec.level)}: ${msg} ${rec.err ? String(rec.err) : ''}`);
    });
    process.once('SIGINT', () => done(uploads));
    process.once('SIGTERM', () => done(uploads));
    daemon.once('exit', (code) => {
      if (code === 0) done(uploads);
      else reject(new CliError(`demo: the daemon exited (${code}): ${stderr.trim()}`));
    });
  });
}

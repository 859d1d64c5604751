import type { Command } from 'commander';
import type { CommandModule } from './commands.js';
import { resolveFileSettings } from '../config/source.js';
import { parsePort } from '../config/parse.js';
import type { DaemonStatus, SyncRecord } from '../daemon/status.js';
import { CliError } from './errors.js';

/** `baton-entra status`: what a running daemon reports at GET /status, for a person at a terminal. */
export const statusCommand: CommandModule = (program: Command) => {
  program
    .command('status')
    .description(
      "Show a running daemon's status (connections, last syncs, spool, credential expiry) from its /status endpoint",
    )
    .option(
      '--url <url>',
      'the daemon\u2019s health address (default: from BATON_HTTP_HOST and BATON_HTTP_PORT)',
    )
    .option('--json', 'print the status document as JSON')
    .action(async (opts: { url?: string; json?: boolean }) => {
      const url = statusUrl(opts.url, resolveFileSettings(process.env));
      let res: Response;
      try {
        res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new CliError(
          `no daemon answered at ${url} (${cause}); is \`baton-entra serve\` running there? Set --url or BATON_HTTP_HOST/BATON_HTTP_PORT`,
        );
      }
      if (!res.ok) throw new CliError(`${url} answered HTTP ${res.status}; expected the daemon's status`);
      const status = (await res.json()) as DaemonStatus;
      process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
    });
};

/** The /status URL from `--url` (a base or the full URL) or the daemon's own settings. */
export function statusUrl(flag: string | undefined, env: Record<string, string>): string {
  if (flag !== undefined) {
    let u: URL;
    try {
      u = new URL(flag);
    } catch {
      throw new CliError(`--url: expected an http(s) URL such as http://127.0.0.1:8080, got "${flag}"`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:')
      throw new CliError(`--url: expected an http(s) URL such as http://127.0.0.1:8080, got "${flag}"`);
    if (u.pathname === '/' || u.pathname === '') u.pathname = '/status';
    return u.toString();
  }
  const portText = env.BATON_HTTP_PORT ?? '8080';
  let port: number;
  try {
    port = parsePort(portText);
  } catch (err) {
    throw new CliError(`BATON_HTTP_PORT: ${(err as Error).message}, got "${portText}"`);
  }
  if (port === 0) throw new CliError('BATON_HTTP_PORT is 0 (a free port picked at start): pass --url');
  // A daemon listening on every address is reached on loopback.
  const configured = env.BATON_HTTP_HOST ?? '0.0.0.0';
  const host =
    configured === '0.0.0.0' || configured === '::' || configured === '' ? '127.0.0.1' : configured;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}/status`;
}

export function formatStatus(s: DaemonStatus): string {
  const lines = [
    `daemon          ${s.hostId}  version ${s.version}  ${s.role}  ${s.ready ? 'ready' : 'not ready'}  since ${s.startedAt}`,
    `Entra           ${s.entra.connectionStatus ?? 'not checked yet'}${s.entra.checkedAt ? `  (checked ${s.entra.checkedAt})` : ''}`,
    `client secret   ${s.entra.credentialExpiresAt ? `expires ${s.entra.credentialExpiresAt}` : 'expiry unknown'}`,
  ];
  if (s.entra.refused) lines.push(`                ${s.entra.refused}`);
  const cp = s.controlPlane;
  lines.push(
    `control plane   ${cp.address ? `${cp.address}  ${cp.connected ? 'connected' : 'not connected'}` : 'not configured (snapshots stay local)'}`,
  );
  if (cp.lastUploadAt) lines.push(`                last upload ${cp.lastUploadAt}`);
  if (cp.refused) lines.push(`                refused: ${cp.refused}`);
  else if (cp.lastError && !cp.connected) lines.push(`                last error: ${cp.lastError}`);
  lines.push(`spool           ${s.spool.depth} snapshot(s), ${s.spool.bytes} bytes waiting`);
  lines.push(
    `sync            ${s.sync.inProgress ? 'running' : 'idle'}${s.sync.nextRunAt ? `  next ${s.sync.nextRunAt}` : ''}`,
  );
  for (const kind of ['full', 'incremental'] as const) {
    const run = s.sync.last[kind];
    lines.push(`  ${kind.padEnd(13)} ${run ? formatRun(run) : 'none yet'}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatRun(r: SyncRecord & { lastSuccessAt?: string }): string {
  const counts = r.counts
    ? `  ${r.counts.resources} resources, ${r.counts.entitlements} entitlements, ${r.counts.grants} grants`
    : '';
  const error = r.error ? `  ${r.error}` : '';
  const success = r.outcome !== 'success' && r.lastSuccessAt ? `  (last success ${r.lastSuccessAt})` : '';
  return `${r.outcome} at ${r.endedAt}${counts}${error}${success}`;
}

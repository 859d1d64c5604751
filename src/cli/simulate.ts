import type { Command } from 'commander';
import { pino } from 'pino';
import { createLogger, registerSecret } from '../observability/logger.js';
import { startSimulator, type Simulator } from '../simulator/index.js';
import type { PresetName } from '../simulator/tenant/model.js';
import type { CommandModule } from './commands.js';
import { CliError, USAGE_EXIT } from './errors.js';

interface SimulateFlags {
  preset: string;
  seed: string;
  port: string;
  host: string;
  stateDir?: string;
  json?: boolean;
  throttling: boolean;
  logLevel: string;
}

const PRESETS: PresetName[] = ['demo', 'small', 'large', 'apps'];
const HOSTS = ['127.0.0.1', 'localhost'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(`${name}: expected an integer from ${min} to ${max}, got '${raw}'`, USAGE_EXIT);
  }
  return n;
}

function check(flags: SimulateFlags): { preset: PresetName; seed: number; port: number; host: string } {
  if (!PRESETS.includes(flags.preset as PresetName))
    throw new CliError(`--preset: expected one of ${PRESETS.join(', ')}, got '${flags.preset}'`, USAGE_EXIT);
  if (!LOG_LEVELS.includes(flags.logLevel))
    throw new CliError(
      `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got '${flags.logLevel}'`,
      USAGE_EXIT,
    );
  if (!HOSTS.includes(flags.host))
    throw new CliError(
      `--host: the simulator listens on loopback only; expected one of ${HOSTS.join(', ')}, got '${flags.host}'`,
      USAGE_EXIT,
    );
  return {
    preset: flags.preset as PresetName,
    seed: int('--seed', flags.seed, 0, 2 ** 31 - 1),
    port: int('--port', flags.port, 0, 65535),
    host: flags.host,
  };
}

function describe(sim: Simulator): string {
  const lines = [
    `Entra simulator ready at ${sim.url}`,
    `  tenant id        ${sim.tenantId}`,
    `  client id        ${sim.clientId}`,
    `  client secret    ${sim.clientSecret}`,
    `  authority host   ${sim.authorityHost}   (use with disableInstanceDiscovery)`,
    `  Graph            ${sim.url}/v1.0   (BATON_GRAPH_DOMAIN=${sim.graphDomain})`,
    `  Exchange admin   ${sim.exchangeBaseUrl}/adminapi/beta/${sim.tenantId}/InvokeCommand`,
    `  trust the CA     NODE_EXTRA_CA_CERTS=${sim.caCertPath}`,
    `  control          ${sim.url}/_sim/counters`,
  ];
  if (sim.demoUser) {
    const via = sim.publicClientId ? ` (public client ${sim.publicClientId})` : '';
    lines.push(`  ROPC demo user   ${sim.demoUser.userPrincipalName} / ${sim.demoUser.password}${via}`);
  }
  lines.push(
    '',
    'To sync against it from another shell:',
    `  export BATON_ENTRA_TENANT_ID=${sim.tenantId} BATON_ENTRA_CLIENT_ID=${sim.clientId} \\`,
    `    BATON_ENTRA_CLIENT_SECRET='${sim.clientSecret}' BATON_ENTRA_AUTHORITY_HOST=${sim.authorityHost} \\`,
    `    BATON_GRAPH_DOMAIN=${sim.graphDomain} BATON_EXCHANGE_BASE_URL=${sim.exchangeBaseUrl} \\`,
    `    NODE_EXTRA_CA_CERTS=${sim.caCertPath}`,
    '  npm run cli -- sync --file tenant.snapshot',
  );
  return lines.join('\n') + '\n';
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** `baton-entra simulate`: serves a generated Entra tenant over HTTPS on loopback until stopped. */
export const simulateCommand: CommandModule = (program: Command) => {
  program
    .command('simulate')
    .description(
      'Serve a simulated Entra tenant (token endpoint, Graph, Exchange admin API) over HTTPS on loopback',
    )
    .option('--preset <name>', `tenant size: ${PRESETS.join(' | ')}`, 'demo')
    .option('--seed <n>', 'seed of the generated tenant', '1')
    .option('--port <p>', 'port to listen on (0 = a free port)', '0')
    .option('--host <h>', `loopback address: ${HOSTS.join(' | ')}`, '127.0.0.1')
    .option('--state-dir <dir>', 'where the CA and server certificate are written (a temp dir by default)')
    .option('--json', 'print one JSON line with the connection details on stdout once ready')
    .option('--no-throttling', 'turn resource-unit throttling off')
    .option('--log-level <level>', 'log level (logs go to stderr)', 'info')
    .action(async (flags: SimulateFlags) => {
      const opts = check(flags);
      const log = createLogger({
        level: flags.logLevel,
        name: 'simulator',
        destination: pino.destination({ dest: 2, sync: true }),
      });
      const stop = untilSignal();
      const started = Date.now();
      let sim: Simulator;
      try {
        sim = await startSimulator({
          ...opts,
          ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
          throttling: flags.throttling,
          onError: (err) => log.error({ err }, 'request failed'),
        });
      } catch (err) {
        throw new CliError(`simulate: could not start: ${err instanceof Error ? err.message : String(err)}`);
      }
      registerSecret(sim.clientSecret);
      if (sim.demoUser) registerSecret(sim.demoUser.password);
      log.info(
        {
          url: sim.url,
          preset: opts.preset,
          seed: opts.seed,
          users: sim.tenant.users.size,
          groups: sim.tenant.groups.size,
          ms: Date.now() - started,
        },
        'simulator ready',
      );
      if (flags.json) {
        const line = {
          tenantId: sim.tenantId,
          clientId: sim.clientId,
          clientSecret: sim.clientSecret,
          authorityHost: sim.authorityHost,
          graphDomain: sim.graphDomain,
          caCertPath: sim.caCertPath,
          url: sim.url,
          exchangeBaseUrl: sim.exchangeBaseUrl,
          ...(sim.demoUser ? { demoUser: sim.demoUser } : {}),
          ...(sim.publicClientId ? { publicClientId: sim.publicClientId } : {}),
        };
        process.stdout.write(JSON.stringify(line) + '\n');
      } else process.stdout.write(describe(sim));
      const sig = await stop;
      log.info({ signal: sig }, 'stopping simulator');
      await sim.close();
    });
};

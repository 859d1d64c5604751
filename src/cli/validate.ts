import type { Command } from 'commander';
import type { CommandModule } from './commands.js';
import { loadEffectiveConfig } from '../daemon/effective-config.js';
import type { ConnectorConfig } from '../config/types.js';
import { createLogger } from '../observability/logger.js';
import type { ProbeResult, ValidationReport } from '../graph/validate.js';

/** `baton-entra validate`: authenticate, probe every enabled feature, report missing permissions. */
export const validateCommand: CommandModule = (program: Command) => {
  program
    .command('validate')
    .description(
      'Check credentials and Graph permissions for every enabled feature; exit 0 only when connected',
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const config = loadOrFail();
      // Loaded on use: the Graph stack is heavy and most commands never need it.
      const [{ createCredential }, { createGraphClient }, { validateConnection }] = await Promise.all([
        import('../graph/credentials.js'),
        import('../graph/client.js'),
        import('../graph/validate.js'),
      ]);
      const credential = createCredential(config);
      const logger = createLogger({
        level: config.logLevel,
        format: config.logFormat,
        destination: { write: (l: string) => void process.stderr.write(l) },
      });
      // A probe is one cheap request: do not sit through minutes of retries to learn it failed.
      const client = createGraphClient(config, { credential, logger, maxAttempts: 3 });
      try {
        const report = await validateConnection(config, client, credential);
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
        process.exitCode = report.status === 'connected' ? 0 : 1;
      } finally {
        await client.close();
      }
    });
};

function loadOrFail(): ConnectorConfig {
  return loadEffectiveConfig(process.env, 'lenient').connector;
}

function line(p: ProbeResult): string {
  if (p.ok) return `  ok    ${p.feature.padEnd(22)} ${p.check}\n`;
  const why = p.missingPermission
    ? `missing permission ${p.missingPermission} (needed for ${p.feature})`
    : (p.message ?? p.kind ?? 'failed');
  return `  FAIL  ${p.feature.padEnd(22)} ${p.check}\n        ${why}\n`;
}

export function formatReport(r: ValidationReport): string {
  let out = `status: ${r.status}\n`;
  out += `tenant ${r.tenantId}, client ${r.clientId}, auth ${r.authMode}, authority ${r.authorityHost}, graph ${r.graphBaseUrl}\n`;
  out += line(r.token);
  for (const p of r.probes) out += line(p);
  if (r.credential?.endDateTime)
    out += `  info  ${r.credential.kind} ends ${r.credential.endDateTime} (${r.credential.daysLeft} days)\n`;
  if (r.grantedPermissions) out += `  info  granted: ${r.grantedPermissions.join(', ') || '(none)'}\n`;
  for (const w of r.warnings) out += `  WARN  ${w}\n`;
  return out;
}

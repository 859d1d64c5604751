import type { Command } from 'commander';
import type { CommandModule } from './commands.js';
import { CliError, refusedCredential } from './errors.js';
import { loadConfig } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { GraphError } from '../graph/errors.js';
import { parseSince } from '../connector/events.js';

/** `baton-entra events --since T`: resource-change events from the directory audit log, one JSON line each. */
export const eventsCommand: CommandModule = (program: Command) => {
  program
    .command('events')
    .description(
      'List resource-change events from the Entra audit log (auditLogs/directoryAudits), one JSON line per event',
    )
    .requiredOption('--since <time>', 'start: ISO date-time or a duration back from now (30m, 24h, 7d)')
    .option('--until <time>', 'end (exclusive): ISO date-time or a duration back from now')
    .option('--all', 'also list events that touch no synced resource type')
    .action(async (opts: { since: string; until?: string; all?: boolean }) => {
      const since = timeArg('--since', opts.since);
      const until = opts.until === undefined ? undefined : timeArg('--until', opts.until);
      if (until && until <= since) throw new CliError('--until: expected a time after --since');
      const config = loadConfig(process.env);
      const logger = createLogger({
        level: config.logLevel,
        format: config.logFormat,
        destination: { write: (l: string) => void process.stderr.write(l) },
      });
      // Loaded on use: the Graph stack is heavy and most commands never need it.
      const [{ createGraphClient }, { listEvents }] = await Promise.all([
        import('../graph/client.js'),
        import('../connector/events.js'),
      ]);
      const client = createGraphClient(config, { logger });
      try {
        for await (const event of listEvents(client, {
          since,
          ...(until ? { until } : {}),
          includeUnmapped: opts.all === true,
        })) {
          process.stdout.write(`${JSON.stringify(event)}\n`);
        }
      } catch (err) {
        const refused = await refusedCredential(config, err);
        if (refused) throw refused;
        if (err instanceof GraphError) throw new CliError(err.message);
        throw err;
      } finally {
        await client.close();
      }
    });
};

function timeArg(flag: string, value: string): Date {
  try {
    return parseSince(value);
  } catch (err) {
    throw new CliError(`${flag}: ${(err as Error).message}`);
  }
}

import type { Command } from 'commander';
import { pino, type DestinationStream } from 'pino';
import pinoPretty from 'pino-pretty';
import { loadConfig } from '../config/load.js';
import { SyncAbortedError } from '../framework/errors.js';
import { createLogger } from '../observability/logger.js';
import { readSnapshotHeader, SnapshotFileError } from '../snapshot/file.js';
import { SyncOptionError } from '../framework/engine/errors.js';
import { runSync } from '../connector/sync.js';
import type { CommandModule } from './commands.js';
import { CliError, refusedCredential } from './errors.js';
import { LiveLine } from './progress-line.js';

interface SyncFlags {
  file: string;
  incrementalFrom?: string;
  stateDir?: string;
}

/** `baton-entra sync`: one sync of the tenant into a snapshot file, then exit. */
export const syncCommand: CommandModule = (program: Command) => {
  program
    .command('sync')
    .description('Sync the tenant (configured by BATON_* variables) into a snapshot file')
    .requiredOption('-f, --file <path>', 'snapshot file to write (atomically)')
    .option('--incremental-from <path>', 'previous snapshot whose delta links to replay')
    .option('--state-dir <dir>', 'directory for the checkpoint database (default: next to --file)')
    .action(async (flags: SyncFlags) => {
      if (flags.incrementalFrom !== undefined) {
        // Named explicitly on the command line, a missing or broken file is an error here (the
        // library would fall back to a full sync, which suits the daemon, not a typo).
        try {
          await readSnapshotHeader(flags.incrementalFrom);
        } catch (err) {
          if (err instanceof SnapshotFileError) throw new CliError(`--incremental-from: ${err.message}`);
          throw err;
        }
      }
      const config = loadConfig(process.env);
      // On a terminal, a live line shows the phases' progress; log lines go above it.
      const live = process.stderr.isTTY ? new LiveLine(process.stderr) : undefined;
      const destination = logDestination(config.logFormat, live);
      const logger = createLogger({
        level: config.logLevel,
        format: config.logFormat,
        ...(destination ? { destination } : {}),
      });
      const ac = new AbortController();
      const stop = () => ac.abort(new Error('interrupted by signal'));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const { header } = await runSync({
          config,
          outFile: flags.file,
          ...(flags.incrementalFrom ? { incrementalFrom: flags.incrementalFrom } : {}),
          ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
          logger,
          signal: ac.signal,
          ...(live ? { onProgress: (running) => live.update(running) } : {}),
        });
        process.stdout.write(`${JSON.stringify(header)}\n`);
      } catch (err) {
        if (err instanceof SyncAbortedError)
          throw new CliError('sync interrupted; run the same command again to resume', 130);
        if (err instanceof SyncOptionError) {
          const flag = { outFile: '--file', incrementalFrom: '--incremental-from', stateDir: '--state-dir' }[
            err.option
          ];
          throw new CliError(`${flag}: ${err.message.slice(err.option.length + 2)}`);
        }
        throw (await refusedCredential(config, err)) ?? err;
      } finally {
        live?.clear();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
};

/**
 * Where the sync's log lines go. JSON goes to stderr (stdout carries the result, the snapshot
 * header); console lines keep the logger's own destination, unless a live line is shown: then they
 * are written synchronously through it, so that it can clear itself first.
 */
function logDestination(
  format: 'json' | 'console',
  live: LiveLine | undefined,
): DestinationStream | undefined {
  const base =
    format === 'json'
      ? pino.destination({ dest: 2, sync: true })
      : live
        ? pinoPretty({ colorize: false, singleLine: true, destination: 1, sync: true })
        : undefined;
  return base && live ? live.around(base) : base;
}

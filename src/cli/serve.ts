import type { Command } from 'commander';
import { Daemon, DaemonConfigError, type EffectiveConfig } from '../daemon/service.js';
import { loadEffectiveConfig } from '../daemon/effective-config.js';
import { ensureWritableDataDir } from '../daemon/data-dir.js';
import { ConfigWatcher } from '../daemon/config-watcher.js';
import { installShutdown } from '../daemon/shutdown.js';
import { probeEntra } from '../daemon/probe.js';
import { runSync } from '../connector/sync.js';
import { createLogger } from '../observability/logger.js';
import { VERSION } from '../version.js';
import { CliError } from './errors.js';

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'Run the sync daemon: scheduled syncs, uploads to the control plane, tasks, health and metrics (configured by BATON_* variables)',
    )
    .action(async () => {
      // Filled in once the daemon exists; a change seen before that is picked up by the first load.
      const current: { daemon?: Daemon } = {};
      // A bad setting throws ConfigError, which the CLI reports with every problem named.
      const dir = process.env.BATON_CONFIG_DIR;
      const watcher = dir
        ? new ConfigWatcher<EffectiveConfig>({
            dir,
            baseEnv: process.env,
            load: loadEffectiveConfig,
            onChange: (next) => current.daemon?.reconfigure(next),
            onError: (err) => current.daemon?.rejectReload(err),
          })
        : undefined;
      const initial = watcher ? watcher.start() : loadEffectiveConfig(process.env);
      const logger = createLogger({ level: initial.connector.logLevel, format: initial.connector.logFormat });
      // A credential Entra refuses cannot start working later: Daemon.start stops, naming the
      // setting, before anything runs.
      try {
        ensureWritableDataDir(initial.daemon.dataDir);
      } catch (err) {
        watcher?.stop();
        throw err;
      }
      // A misconfiguration found while running (the control plane refused this daemon) stops it.
      let fatal: DaemonConfigError | undefined;
      let shutdown: ((reason: string) => Promise<number>) | undefined;
      const running = new Daemon(initial, {
        runSync,
        probeEntra,
        logger,
        version: VERSION,
        onFatal: (err) => {
          fatal ??= err;
          void shutdown?.(err.message);
        },
      });
      current.daemon = running;
      // Signals are handled from here on: a SIGTERM during start-up stops cleanly too.
      const stopped = new Promise<number>((resolve) => {
        ({ shutdown } = installShutdown({
          signals: ['SIGTERM', 'SIGINT'],
          timeoutMs: initial.daemon.shutdownTimeoutMs,
          logger,
          steps: [
            { name: 'config watcher', run: async () => watcher?.stop() },
            { name: 'daemon', run: () => running.stop() },
          ],
          exit: resolve,
        }));
      });
      try {
        await running.start();
      } catch (err) {
        // Whatever started (the health server, the watcher) must not keep a daemon that cannot work alive.
        watcher?.stop();
        await running.stop();
        // The message names the setting.
        if (err instanceof DaemonConfigError) throw new CliError(err.message);
        throw err;
      }
      const code = await stopped;
      if (fatal) throw new CliError(fatal.message);
      process.exitCode = code;
      logger.info({ exitCode: process.exitCode }, 'stopped');
    });
}

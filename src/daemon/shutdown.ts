import { realClock, type Clock, type TimerHandle } from './clock.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/**
 * Graceful shutdown. Node as PID 1 has no default SIGTERM action, so the daemon must handle it:
 * on the first signal the steps run in order (stop the scheduler, abort/finish the sync,
 * checkpoint, release the lease, close servers …), all within `timeoutMs` (keep it below the
 * pod's terminationGracePeriodSeconds). A step that throws or overruns is logged and the next step
 * still runs; once the overall bound is spent the remaining steps are skipped. Exit code: 0 when
 * every step finished, 1 otherwise. A second signal exits at once with 1.
 */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
  /** Bound for this step (default: whatever is left of `timeoutMs`). */
  timeoutMs?: number;
}

/** Where signals come from (the process by default; tests pass an EventEmitter). */
export interface SignalSource {
  on(event: string, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: string, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownOptions {
  signals?: NodeJS.Signals[];
  timeoutMs: number;
  steps: ShutdownStep[];
  logger?: Logger;
  exit: (code: number) => void;
  clock?: Clock;
  source?: SignalSource;
}

export interface ShutdownHandle {
  /** Starts the shutdown without a signal (fatal error, lost leadership …); resolves with the exit code. */
  shutdown(reason: string): Promise<number>;
  /** Removes the signal handlers. */
  uninstall(): void;
  readonly shuttingDown: boolean;
}

export function installShutdown(opts: ShutdownOptions): ShutdownHandle {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const source = opts.source ?? process;
  const clock = opts.clock ?? realClock;
  const log = opts.logger ?? silentLogger;
  let running: Promise<number> | undefined;
  let exited = false;
  const exitOnce = (code: number): void => {
    if (exited) return;
    exited = true;
    opts.exit(code);
  };

  const shutdown = (reason: string): Promise<number> => {
    if (running) return running;
    log.info({ reason, timeoutMs: opts.timeoutMs }, 'shutting down');
    running = runSteps(opts.steps, opts.timeoutMs, clock, log).then((code) => {
      log.info({ code }, 'shutdown complete');
      exitOnce(code);
      return code;
    });
    return running;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (running) {
      log.warn({ signal }, 'second signal: exiting immediately');
      exitOnce(1);
      return;
    }
    void shutdown(signal);
  };
  for (const s of signals) source.on(s, onSignal);

  return {
    shutdown,
    uninstall: () => {
      for (const s of signals) source.off(s, onSignal);
    },
    get shuttingDown() {
      return running !== undefined;
    },
  };
}

async function runSteps(
  steps: ShutdownStep[],
  timeoutMs: number,
  clock: Clock,
  log: Logger,
): Promise<number> {
  const deadline = clock.now() + timeoutMs;
  let code = 0;
  for (const step of steps) {
    const left = deadline - clock.now();
    if (left <= 0) {
      log.error({ step: step.name }, 'shutdown step skipped: time is up');
      code = 1;
      continue;
    }
    const bound = Math.min(step.timeoutMs ?? left, left);
    const started = clock.now();
    const outcome = await bounded(step.run, bound, clock);
    const ms = clock.now() - started;
    if (outcome === 'ok') log.info({ step: step.name, ms }, 'shutdown step done');
    else {
      code = 1;
      if (outcome === 'timeout') log.error({ step: step.name, ms: bound }, 'shutdown step timed out');
      else log.error({ step: step.name, err: outcome.error }, 'shutdown step failed');
    }
  }
  return code;
}

async function bounded(
  run: () => Promise<void>,
  ms: number,
  clock: Clock,
): Promise<'ok' | 'timeout' | { error: unknown }> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<'timeout'>(
    (resolve) => (timer = clock.setTimeout(() => resolve('timeout'), ms)),
  );
  const work = (async () => {
    await run();
    return 'ok' as const;
  })().catch((error: unknown) => ({ error }));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clock.clearTimeout(timer!);
  }
}

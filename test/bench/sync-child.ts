/**
 * One sync in its own process, so the benchmark can report the sync's own peak RSS (the
 * simulator and its tenant live in the parent). Config from BATON_* variables; argv: outFile
 * [incrementalFrom]. Prints one JSON line: the header, the sync's wall time and CPU time (user +
 * system), and the process's peak RSS.
 *
 * BENCH_LOG=1 logs the sync's phases (with the process's RSS and CPU so far, and every 5 s the event
 * loop's delay) to stderr.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../src/config/load.js';
import { pino } from 'pino';
import { boundHeapGrowth } from '../../src/framework/engine/heap.js';
import { runSync } from '../../src/connector/sync.js';

// As the CLI entry point does: the benchmark measures the process as it ships.
boundHeapGrowth();

const [outFile, incrementalFrom] = process.argv.slice(2);
if (!outFile) throw new Error('usage: sync-child.ts OUTFILE [INCREMENTAL_FROM]');
const mib = (bytes: number) => Math.round(bytes / 1048576);
const logger = process.env.BENCH_LOG
  ? pino(
      {
        level: 'info',
        base: null,
        mixin: () => {
          const cpu = process.cpuUsage();
          const m = process.memoryUsage();
          return {
            rssMb: mib(m.rss),
            heapMb: mib(m.heapUsed),
            heapTotalMb: mib(m.heapTotal),
            externalMb: mib(m.external),
            cpuMs: Math.round((cpu.user + cpu.system) / 1000),
          };
        },
      },
      pino.destination({ dest: 2, sync: true }),
    )
  : undefined;
// RSS and heap over time, between the phase lines (every 5 s), with how late the event loop ran
// timers meanwhile: a page answered while the loop is busy waits as long.
if (logger) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  setInterval(() => {
    const ms = (ns: number) => Math.round(ns / 1e6);
    logger.info(
      { loopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) } },
      'memory',
    );
    delay.reset();
  }, 5000).unref();
}
// Wall and CPU time of the sync alone, not of loading the process and its modules.
const started = Date.now();
const cpuAtStart = process.cpuUsage();
const { header } = await runSync({
  config: loadConfig(process.env),
  outFile,
  ...(incrementalFrom ? { incrementalFrom } : {}),
  ...(process.env.BENCH_NO_EARLY ? { earlyOutput: false } : {}),
  ...(logger ? { logger } : {}),
});
const cpu = process.cpuUsage(cpuAtStart);
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(
  `${JSON.stringify({ header, ms: Date.now() - started, cpuMs: Math.round((cpu.user + cpu.system) / 1000), peakRssMb })}\n`,
);

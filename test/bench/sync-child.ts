/**
 * One sync in its own process, so the benchmark can report the sync's own peak RSS (the
 * simulator and its tenant live in the parent). Config from BATON_* variables; argv: outFile
 * [incrementalFrom]. Prints one JSON line: the header, wall time and peak RSS.
 */
import { loadConfig } from '../../src/config/load.js';
import { runSync } from '../../src/sync/run.js';

const [outFile, incrementalFrom] = process.argv.slice(2);
if (!outFile) throw new Error('usage: sync-child.ts OUTFILE [INCREMENTAL_FROM]');
const started = Date.now();
const { header } = await runSync({
  config: loadConfig(process.env),
  outFile,
  ...(incrementalFrom ? { incrementalFrom } : {}),
});
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(`${JSON.stringify({ header, ms: Date.now() - started, peakRssMb })}\n`);

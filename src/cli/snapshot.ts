import type { Command } from 'commander';
import { accessOf, DEFAULT_MAX_DEPTH } from '../snapshot/access.js';
import { materialiseSnapshotFile } from '../snapshot/chain.js';
import { isDiff } from '../snapshot/header.js';
import { diffSnapshots } from '../snapshot/diff.js';
import { CSV_COLUMNS, csvRow, exportRecords } from '../snapshot/export.js';
import { schemaVersionOf, SnapshotFileError } from '../snapshot/file.js';
import { openSnapshot, type OpenOptions, type OpenSnapshot } from '../snapshot/open.js';
import type { CommandModule } from './commands.js';
import { CliError } from './errors.js';

async function open(path: string, options: OpenOptions): Promise<OpenSnapshot> {
  try {
    return await openSnapshot(path, undefined, options);
  } catch (err) {
    if (err instanceof SnapshotFileError) throw new CliError(err.message);
    throw err;
  }
}

/** The reader of our output went away (`… | head`): stop quietly, as Unix tools do. */
class OutputClosed extends Error {}
let outputClosed = false;

let watching = false;
function watchStdout(): void {
  if (watching) return;
  watching = true;
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    outputClosed = true;
  });
}

/** Writes a line to stdout, waiting when the pipe is full (exports can be millions of lines). */
async function emit(line: string): Promise<void> {
  if (outputClosed) throw new OutputClosed();
  if (process.stdout.write(`${line}\n`)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      process.stdout.off('drain', done);
      process.stdout.off('error', done);
      resolve();
    };
    process.stdout.once('drain', done);
    process.stdout.once('error', done);
  });
}

async function withSnapshot<T>(
  path: string,
  fn: (s: OpenSnapshot) => Promise<T>,
  /** anySchema: inspect reads the header and meta table only, which every schema version has. */
  options: OpenOptions = {},
): Promise<T> {
  watchStdout();
  const s = await open(path, options);
  try {
    return await fn(s);
  } catch (err) {
    if (err instanceof OutputClosed) return undefined as T;
    throw err;
  } finally {
    await s.close();
  }
}

function parsePrincipal(value: string): { type: string; id: string } {
  const i = value.indexOf(':');
  if (i <= 0 || i === value.length - 1)
    throw new CliError(`--principal: expected <type>:<id> (e.g. user:<objectId>), got "${value}"`);
  return { type: value.slice(0, i), id: value.slice(i + 1) };
}

/** `baton-entra snapshot inspect|export|diff|access`. */
export const snapshotCommand: CommandModule = (program: Command) => {
  const snap = program.command('snapshot').description('Read snapshot files');

  snap
    .command('inspect <path>')
    .description('Print the header and counts of a snapshot')
    .option('--json', 'print JSON')
    .action(async (path: string, opts: { json?: boolean }) => {
      await withSnapshot(
        path,
        async ({ header, db }) => {
          const deltaLinks = Object.keys(db.metaWithPrefix('delta:'))
            .filter((k) => !k.endsWith(':query'))
            .map((k) => k.slice('delta:'.length));
          if (opts.json) return emit(JSON.stringify({ ...header, deltaLinks }));
          const lines = [
            `sync ${header.syncId} (${header.kind}${header.parentSyncId ? ` from ${header.parentSyncId}` : ''})`,
            ...(isDiff(header)
              ? [
                  `diff snapshot: the changes since sync ${header.base.syncId} (sha256 ${header.base.sha256})`,
                  ...Object.entries(header.changes ?? {}).map(
                    ([t, n]) => `  ${t}: ${n.put} written, ${n.removed} removed`,
                  ),
                ]
              : []),
            `tenant ${header.tenantId}`,
            `schema version ${schemaVersionOf(header)}`,
            `started ${header.startedAt}, ended ${header.endedAt}`,
            `graph requests ${header.graphRequests}`,
            `resource types ${header.counts.resourceTypes}, resources ${header.counts.resources}, entitlements ${header.counts.entitlements}, grants ${header.counts.grants}`,
            ...Object.entries(header.counts.resourcesByType).map(([t, n]) => `  ${t}: ${n}`),
            `delta links: ${deltaLinks.join(', ') || 'none'}`,
            `body ${header.bodyBytes} bytes, sha256 ${header.sha256}`,
          ];
          for (const l of lines) await emit(l);
        },
        // A diff's own body holds its whole meta: no parent is needed to describe it.
        { anySchema: true, diffBody: true },
      );
    });

  snap
    .command('export <path>')
    .description('Write every record: one JSON object a line (jsonl) or CSV with a header row')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option(...CHAIN_OPTION)
    .action(async (path: string, opts: { format: string; chain?: string[] }) => {
      if (opts.format !== 'jsonl' && opts.format !== 'csv') {
        throw new CliError(`--format: expected jsonl or csv, got "${opts.format}"`);
      }
      await withSnapshot(
        path,
        async ({ db }) => {
          if (opts.format === 'csv') await emit(CSV_COLUMNS.join(','));
          for (const r of exportRecords(db))
            await emit(opts.format === 'csv' ? csvRow(r) : JSON.stringify(r));
        },
        chainOf(opts),
      );
    });

  snap
    .command('diff <a> <b>')
    .description('Resources and grants added or removed from snapshot A to snapshot B')
    .option('--json', 'one JSON object a line')
    .option(...CHAIN_OPTION)
    .action(async (a: string, b: string, opts: { json?: boolean; chain?: string[] }) => {
      await withSnapshot(
        a,
        (sa) =>
          withSnapshot(
            b,
            async (sb) => {
              for (const c of diffSnapshots(sa.db, sb.db)) {
                if (opts.json) await emit(JSON.stringify(c));
                else {
                  const sign = c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~';
                  await emit(
                    c.kind === 'grant'
                      ? `${sign} grant ${c.id}`
                      : `${sign} resource ${c.id} (${c.display_name})`,
                  );
                }
              }
            },
            chainOf(opts),
          ),
        chainOf(opts),
      );
    });

  snap
    .command('access <path>')
    .description("A principal's direct and effective (through nested groups) access")
    .requiredOption('--principal <type:id>', 'e.g. user:<objectId>')
    .option('--max-depth <n>', 'expansion depth limit', String(DEFAULT_MAX_DEPTH))
    .option('--json', 'print JSON')
    .option(...CHAIN_OPTION)
    .action(
      async (
        path: string,
        opts: { principal: string; maxDepth: string; json?: boolean; chain?: string[] },
      ) => {
        const principal = parsePrincipal(opts.principal);
        const depth = Number(opts.maxDepth);
        if (!Number.isInteger(depth) || depth < 1)
          throw new CliError(`--max-depth: expected a positive integer, got "${opts.maxDepth}"`);
        await withSnapshot(
          path,
          async ({ db }) => {
            if (!db.resource(principal.type, principal.id)) {
              throw new CliError(`--principal: ${opts.principal} is not in snapshot ${path}`);
            }
            const report = accessOf(db, principal, depth);
            if (opts.json) return emit(JSON.stringify(report));
            await emit(`direct (${report.direct.length}):`);
            for (const d of report.direct) await emit(`  ${d.entitlement}`);
            await emit(`effective (${report.effective.length}):`);
            for (const e of report.effective)
              await emit(`  ${e.entitlement}${e.via.length ? `  via ${e.via.join(' → ')}` : ''}`);
            if (report.truncated) await emit(`(stopped at depth ${depth})`);
          },
          { indexPrincipals: true, ...chainOf(opts) },
        );
      },
    );

  snap
    .command('materialise <path>')
    .alias('materialize')
    .description('Write the whole snapshot a diff snapshot stands for (its chain applied)')
    .requiredOption('--out <file>', 'where the whole snapshot is written (atomically)')
    .option(...CHAIN_OPTION)
    .action(async (path: string, opts: { out: string; chain?: string[] }) => {
      let header;
      try {
        header = await materialiseSnapshotFile(path, opts.out, chainOf(opts).chain ?? {});
      } catch (err) {
        if (err instanceof SnapshotFileError) throw new CliError(err.message);
        throw err;
      }
      await emit(
        `wrote ${opts.out}: sync ${header.syncId}, ${header.counts.resources} resources, ${header.counts.grants} grants, body ${header.bodyBytes} bytes`,
      );
    });
};

/** Where a diff snapshot's parents are looked for. */
const CHAIN_OPTION = [
  '--chain <dir...>',
  "directories holding a diff snapshot's parents (default: the snapshot's own directory)",
] as const;

function chainOf(opts: { chain?: string[] }): OpenOptions {
  return opts.chain?.length ? { chain: { dirs: opts.chain } } : {};
}

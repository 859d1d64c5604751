import { Command, type Option } from 'commander';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './errors.js';
import { ControlPlaneStore } from '../reference-control-plane/store.js';
import { StoredChains } from '../reference-control-plane/stored-chain.js';
import { getSyncWithHeader, syncsWithId, type SyncRecord } from '../reference-control-plane/syncs.js';
import { materialiseSnapshotFile } from '../snapshot/chain.js';
import { SnapshotFileError } from '../snapshot/file.js';

interface MaterialiseOpts {
  dataDir: string;
  out: string;
  client?: string;
  host?: string;
  json?: boolean;
}

/**
 * `control-plane syncs materialise SYNC_ID --out FILE`: the stored sync as one whole snapshot
 * file, a diff applied to its stored chain (a whole one rewritten as it is), readable with no
 * parent beside it.
 */
export function materialiseSyncCommand(dataDirOption: () => Option): Command {
  return new Command('materialise')
    .alias('materialize')
    .description('Write a stored sync as a whole snapshot file (a diff applied to its stored parents)')
    .argument('<sync-id>', 'the sync, as `syncs list` shows it')
    .addOption(dataDirOption())
    .requiredOption('--out <file>', 'the snapshot file to write (must not exist)')
    .option('--client <id>', 'the client whose sync it is, when several clients have a sync of that id')
    .option('--host <id>', 'the host that uploaded it, when several have a sync of that id')
    .option('--json', 'print the written header as JSON')
    .action(async (syncId: string, o: MaterialiseOpts) => {
      const out = resolve(o.out);
      if (existsSync(out)) throw new CliError(`--out ${o.out} already exists; give a new file name`);
      if (!existsSync(dirname(out)))
        throw new CliError(`--out ${o.out}: directory ${dirname(out)} does not exist`);
      const store = new ControlPlaneStore(o.dataDir);
      try {
        const sync = pick(syncId, syncsWithId(store, syncId), o);
        const chains = new StoredChains(store, sync.clientId);
        const stored = getSyncWithHeader(store, sync.clientId, syncId);
        if (!stored)
          throw new CliError(`sync ${syncId} was stored without its header; it cannot be read here`);
        const walked = chains.walk({ syncId, sha256: stored.header.sha256 });
        if ('missing' in walked)
          throw new CliError(
            `sync ${syncId} cannot be made whole: ${walked.missing.syncId === syncId ? 'its file' : `its parent sync ${walked.missing.syncId}`} is not stored for client ${sync.clientId}`,
          );
        const header = await materialiseSnapshotFile(sync.path, out, chains.source()).catch(
          (err: unknown) => {
            if (err instanceof SnapshotFileError) throw new CliError(err.message);
            throw err;
          },
        );
        process.stdout.write(
          `${o.json ? JSON.stringify(header) : `${o.out}  ${header.syncId}  ${header.kind}  whole  resources ${header.counts.resources}  grants ${header.counts.grants}`}\n`,
        );
      } finally {
        store.close();
      }
    });
}

/** The one sync that `--client`/`--host` leave; an error naming the choices when there are several. */
function pick(syncId: string, all: SyncRecord[], o: MaterialiseOpts): SyncRecord {
  const found = all.filter(
    (s) => (o.client === undefined || s.clientId === o.client) && (o.host === undefined || s.host === o.host),
  );
  const scope = [o.client && `client ${o.client}`, o.host && `host ${o.host}`].filter(Boolean).join(', ');
  if (found.length === 0) throw new CliError(`sync ${syncId} is not stored${scope ? ` for ${scope}` : ''}`);
  if (found.length > 1)
    throw new CliError(
      `sync ${syncId} is stored for several clients (${found.map((s) => `--client ${s.clientId} --host ${s.host}`).join('; ')}): give --client`,
    );
  return found[0]!;
}

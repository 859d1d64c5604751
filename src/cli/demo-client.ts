import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../daemon/agent/atomic.js';
import { CliError } from './errors.js';

/** The demo daemon's identity at the control plane: its credentials and the host id it says Hello as. */
export interface DemoClient {
  clientId: string;
  clientSecret: string;
  hostId: string;
}

const HOST_ID = 'demo-daemon';

/** Where the demo keeps its daemon's credentials between runs (mode 0600: it holds a secret). */
export function demoClientPath(dataDir: string): string {
  return join(dataDir, 'demo-client.json');
}

/**
 * The client the demo's daemon uses. A control plane binds a host id to the client that first said
 * Hello with it, so a rerun must come back as the same client: the first run's credentials are kept
 * in the data directory and used again while the control plane still knows them. Otherwise (a first
 * run, or a control plane directory wiped since) a new client is made, with a host id no other
 * client holds, and kept for the next run.
 */
export async function demoClient(
  dataDir: string,
  controlPlaneDir: string,
  run: (args: string[]) => Promise<string>,
): Promise<DemoClient> {
  const path = demoClientPath(dataDir);
  const saved = await readSaved(path);
  const known = (await run(['control-plane', 'clients', 'list', '--data-dir', controlPlaneDir]))
    .split('\n')
    .map((line) => line.split(/\s+/)[0]);
  if (saved && known.includes(saved.clientId)) return saved;
  const made = JSON.parse(
    await run(['control-plane', 'clients', 'add', '--data-dir', controlPlaneDir, '--name', 'demo', '--json']),
  ) as { clientId: string; clientSecret: string };
  const taken = new Set(
    (await run(['control-plane', 'hosts', 'list', '--data-dir', controlPlaneDir, '--json']))
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => (JSON.parse(line) as { hostId: string }).hostId),
  );
  let hostId = HOST_ID;
  for (let n = 2; taken.has(hostId); n++) hostId = `${HOST_ID}-${n}`;
  const client = { ...made, hostId };
  await writeFileAtomic(path, `${JSON.stringify(client)}\n`);
  return client;
}

async function readSaved(path: string): Promise<DemoClient | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let parsed: Partial<DemoClient>;
  try {
    parsed = JSON.parse(text) as Partial<DemoClient>;
  } catch {
    throw new CliError(`demo: ${path} is not JSON; delete it to make the demo a new control-plane client`);
  }
  for (const field of ['clientId', 'clientSecret', 'hostId'] as const) {
    if (typeof parsed[field] !== 'string' || !parsed[field])
      throw new CliError(
        `demo: ${path} has no ${field}; delete it to make the demo a new control-plane client`,
      );
  }
  return parsed as DemoClient;
}

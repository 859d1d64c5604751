import { open } from 'node:fs/promises';

/**
 * Flushes a directory's entries to disk: a file renamed into place (or created, or removed) is on
 * disk only once its directory is, so a power loss right after an atomic rename could otherwise
 * leave the old name.
 */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

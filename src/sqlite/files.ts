import { rm } from 'node:fs/promises';

/** Removes a SQLite database file and whatever journal, WAL or shared-memory file it left beside it. */
export async function removeDatabase(path: string): Promise<void> {
  await Promise.all(
    [path, `${path}-journal`, `${path}-wal`, `${path}-shm`].map((p) => rm(p, { force: true })),
  );
}

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts worker module `name` of this folder (its `.ts` when run from source, `.js` when built)
 * with `data` as its `workerData`.
 */
export function folderWorker(name: string, data: unknown): Worker {
  const ext = extname(fileURLToPath(import.meta.url));
  return new Worker(new URL(`./${name}${ext}`, import.meta.url), { workerData: data });
}

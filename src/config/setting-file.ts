import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A file-mounted value is a secret, a PEM chain or a short setting: anything larger is a wrong path. */
export const MAX_SETTING_FILE_BYTES = 1024 * 1024;

/** Why a `_FILE` path cannot serve as a value; the message says what is expected. */
export class SettingFileError extends Error {}

/**
 * Reads the file named by an `X_FILE` variable. Only a regular file is read: a FIFO or a device
 * would block start-up forever (or never end), so the file is opened without blocking and checked
 * by its descriptor, which also closes the gap between a check and the read. Symbolic links are
 * followed, as a Kubernetes Secret volume's files are links into its `..data` directory.
 */
export function readSettingFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new SettingFileError(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile())
      throw new SettingFileError(
        `${path} is ${kindOf(stat)}, not a regular file; expected a file holding the value`,
      );
    if (stat.size > MAX_SETTING_FILE_BYTES)
      throw new SettingFileError(
        `${path} holds ${stat.size} bytes; expected a value of at most ${MAX_SETTING_FILE_BYTES} bytes`,
      );
    // Read no more than the bound even if the file grows between fstat and read.
    const buffer = Buffer.alloc(Math.min(stat.size, MAX_SETTING_FILE_BYTES));
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function kindOf(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  return 'a device';
}

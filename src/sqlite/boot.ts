import { readFileSync } from 'node:fs';

let cached: { id: string | undefined } | undefined;

/**
 * The running kernel's boot id (Linux: /proc/sys/kernel/random/boot_id), or undefined where there
 * is none. What a process wrote without fsync survives the process (it is in the page cache), not
 * the machine: a database written unsynced is trusted again only under the boot that wrote it.
 */
export function machineBootId(): string | undefined {
  if (!cached) {
    let id: string | undefined;
    try {
      id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      id = undefined;
    }
    cached = { id };
  }
  return cached.id;
}

/**
 * Whether a database that recorded boot id `recorded` (undefined: it was written synced) was
 * written unsynced under another boot than this one, and so cannot be trusted.
 */
export function writtenUnderAnotherBoot(recorded: string | undefined): boolean {
  return recorded !== undefined && recorded !== machineBootId();
}

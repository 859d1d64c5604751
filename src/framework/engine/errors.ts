/** A sync option that cannot work (named as in SyncOptions), found before any Graph request. */
export class SyncOptionError extends Error {
  constructor(
    readonly option: 'outFile' | 'incrementalFrom' | 'stateDir',
    problem: string,
  ) {
    super(`${option}: ${problem}`);
    this.name = 'SyncOptionError';
  }
}

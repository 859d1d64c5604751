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

/**
 * The previous snapshot could not be read whole (a diff whose chain is gone, with no kept store to
 * patch instead): the engine runs a full sync, as it does for a corrupt previous snapshot.
 */
export class ParentUnreadableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParentUnreadableError';
  }
}

/** A broken protocol invariant inside a connector (a page token that repeats, a malformed id). */
export class ConnectorBugError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorBugError';
  }
}

/** The sync was stopped through its AbortSignal; its checkpoint is kept for a resume. */
export class SyncAbortedError extends Error {
  constructor(reason?: unknown) {
    super('sync aborted', reason === undefined ? undefined : { cause: reason });
    this.name = 'SyncAbortedError';
  }
}

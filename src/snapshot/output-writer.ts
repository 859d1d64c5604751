import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { Entitlement, Grant, Resource } from '../framework/types.js';
import { setImmediate } from 'node:timers/promises';
import type { SnapshotDb } from './database.js';
import { batchInserter, queryInserter, RowBuffer, type RowValues } from './output-rows.js';
import type { GrantRange } from './principal-check.js';
import type { FromWorker, GrantsSlice, OutputWorkerData, ToWorker } from './output-worker.js';
import { folderWorker } from './worker.js';

/** Rows per batch: a transaction's worth, and what one message carries. */
const BATCH_ROWS = 4000;
/** A batch of resources goes at this much JSON, before 4,000 of them (~4 MiB) pile up. */
const BATCH_CHARS = 1 << 20;
/** Batches sent and not yet committed before `room()` waits: bounds the memory rows wait in. */
const MAX_IN_FLIGHT = 3;

/** Where a sync's output rows go: a writer thread (OutputWriter) or the sync's own connection. */
export interface OutputSink {
  putResource(r: Resource): void;
  putEntitlement(e: Entitlement): void;
  putGrant(g: Grant): void;
  /**
   * Inserts the grants a syncer's GrantsQuery `select` yields for the resources in (after, upTo]
   * (written and flushed before), after the rows put so far; resolves with how many it wrote.
   */
  insertGrants(select: string, after: string, upTo: string): Promise<number>;
  /** Resolves when the caller may produce more rows. */
  room(): Promise<void>;
  /** Resolves once every row put so far is committed (readable over the sync's connection). */
  flush(): Promise<void>;
}

/** Rows per transaction of a DirectOutput: a few milliseconds of inserts. */
const DIRECT_BATCH_ROWS = 400;

/**
 * Writes output rows over the sync's own connection, a batch per transaction, and gives way to
 * the event loop after each: for output produced while the collection still runs (and writes over
 * the same connection, which a writer thread's connection would contend with for the lock).
 */
export class DirectOutput implements OutputSink {
  private readonly buffer = new RowBuffer();
  private readonly insert: (values: RowValues) => void;
  private readonly insertQuery: (select: string, after: string, upTo: string) => number;
  private written = false;

  constructor(private readonly db: SnapshotDb) {
    this.insert = batchInserter(db.db);
    this.insertQuery = queryInserter(db.db);
  }

  putResource(r: Resource): void {
    this.buffer.resource(r);
    this.writeFull();
  }

  putEntitlement(e: Entitlement): void {
    this.buffer.entitlement(e);
    this.writeFull();
  }

  putGrant(g: Grant): void {
    this.buffer.grant(g);
    this.writeFull();
  }

  async insertGrants(select: string, after: string, upTo: string): Promise<number> {
    await this.flush();
    const rows = this.db.transaction(() => this.insertQuery(select, after, upTo));
    this.written = true;
    return rows;
  }

  async room(): Promise<void> {
    if (!this.written) return;
    this.written = false;
    await setImmediate();
  }

  flush(): Promise<void> {
    if (this.buffer.size) this.write();
    return Promise.resolve();
  }

  private writeFull(): void {
    if (this.buffer.size >= DIRECT_BATCH_ROWS || this.buffer.chars >= BATCH_CHARS) this.write();
  }

  private write(): void {
    const values = this.buffer.take();
    this.db.transaction(() => this.insert(values));
    this.written = true;
  }
}

/** The output writer's thread failed (its message is the database's). */
export class OutputWriterError extends Error {
  constructor(message: string) {
    super(`writing the output: ${message}`);
    this.name = 'OutputWriterError';
  }
}

/**
 * Writes output rows (resources, entitlements, grants) into a working database on a worker thread
 * (output-worker.ts), so that inserting them overlaps deriving them. Rows are buffered and sent in
 * batches, each committed in one transaction; `room()` holds the caller back while too many are
 * in flight, `flush()` waits until everything sent is committed (visible to the caller's own
 * connection), `close()` ends the worker. The database must be between `beginOutput` and
 * `endOutput` (resource keys are recorded), and its own connection must not write meanwhile.
 *
 * The first failure in the worker fails every later call with its message. `stop()` ends the
 * worker whatever state it is in; a caller that fails calls it so no thread outlives the sync.
 */
/** What the worker answers a request with (see output-worker.ts). */
type Answer = { rows?: number; unknown?: [string, number][] };

export class OutputWriter implements OutputSink {
  private readonly buffer = new RowBuffer();
  private seq = 0;
  private acked = 0;
  /** Answers of acknowledged requests (ask) not yet collected, by their batch number. */
  private readonly answers = new Map<number, Answer>();
  private failure: Error | undefined;
  private waiting: { until: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  private exited = false;
  /** Settles when the thread has ended, however it ended. */
  private readonly ended: Promise<void>;
  private static running = 0;

  /** Writer threads running in this process (none once every sync has ended, failed or not). */
  static get live(): number {
    return OutputWriter.running;
  }

  private constructor(private readonly worker: Worker) {
    OutputWriter.running++;
    this.ended = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: FromWorker) => {
      if ('seq' in m) {
        if (m.rows !== undefined || m.unknown !== undefined) this.answers.set(m.seq, m);
        this.acked = m.seq;
        this.wake();
      } else if ('error' in m) this.fail(new OutputWriterError(m.error));
    });
    worker.on('error', (err) => this.fail(new OutputWriterError(err.message)));
    worker.on('exit', () => {
      this.exited = true;
      OutputWriter.running--;
      if (this.acked < this.seq) this.fail(new OutputWriterError('the writer thread ended early'));
    });
  }

  /**
   * Starts the writer on the database at `path` (file-backed, in WAL mode), writing unsynced
   * when the database's own connection does.
   */
  static async open(path: string, options: { unsynced?: boolean } = {}): Promise<OutputWriter> {
    const worker = folderWorker('output-worker', {
      path,
      unsynced: options.unsynced ?? false,
    } satisfies OutputWorkerData);
    const writer = new OutputWriter(worker);
    let first: FromWorker;
    try {
      // Rejects if the thread fails to start (an 'error' event).
      [first] = (await once(worker, 'message')) as [FromWorker];
    } catch (err) {
      await writer.stop();
      throw new OutputWriterError((err as Error).message);
    }
    if (!('ready' in first)) {
      await writer.stop();
      throw writer.failure ?? new OutputWriterError('the writer thread did not start');
    }
    return writer;
  }

  putResource(r: Resource): void {
    this.buffer.resource(r);
    this.sendFull();
  }

  putEntitlement(e: Entitlement): void {
    this.buffer.entitlement(e);
    this.sendFull();
  }

  putGrant(g: Grant): void {
    this.buffer.grant(g);
    this.sendFull();
  }

  async insertGrants(select: string, after: string, upTo: string): Promise<number> {
    return (await this.ask({ grants: { select, after, upTo } })).rows ?? 0;
  }

  /**
   * Sends what is buffered, then has the writer's connection count the grants of `range` whose
   * principal is not among the output's resources (see SnapshotDb.grantsToUnknownPrincipals): the
   * caller counts the rest on its own connection meanwhile. Returns a promise of the counts.
   */
  async unknownPrincipals(range: GrantRange): Promise<Map<string, number>> {
    return new Map((await this.ask({ unknown: range })).unknown);
  }

  /** Sends what is buffered, then `request`, and resolves with the worker's answer to it. */
  private async ask(request: { grants: GrantsSlice } | { unknown: GrantRange }): Promise<Answer> {
    if (this.buffer.size) this.send();
    const seq = ++this.seq;
    this.post({ seq, ...request });
    await this.until(seq);
    const answer = this.answers.get(seq) ?? {};
    this.answers.delete(seq);
    return answer;
  }

  /** Resolves once fewer than MAX_IN_FLIGHT batches wait to be committed. */
  room(): Promise<void> {
    return this.until(this.seq - MAX_IN_FLIGHT + 1);
  }

  /** Sends what is buffered and resolves once all of it is committed. */
  async flush(): Promise<void> {
    if (this.buffer.size) this.send();
    await this.until(this.seq);
  }

  /** Flushes, then closes the worker's connection and waits for the thread to end. */
  async close(): Promise<void> {
    await this.flush();
    this.post({ close: true });
    await this.ended;
    if (this.failure) throw this.failure;
  }

  /** Ends the worker now (what it has not committed is rolled back with its connection). */
  async stop(): Promise<void> {
    if (!this.exited) await this.worker.terminate();
    await this.ended;
  }

  private sendFull(): void {
    if (this.failure) throw this.failure;
    if (this.buffer.size >= BATCH_ROWS || this.buffer.chars >= BATCH_CHARS) this.send();
  }

  private send(): void {
    this.seq++;
    this.post({ seq: this.seq, batch: this.buffer.seal() });
  }

  private post(m: ToWorker): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(m);
  }

  private until(seq: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.acked >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ until: seq, resolve, reject }));
  }

  private wake(): void {
    this.waiting = this.waiting.filter((w) => {
      if (this.acked < w.until) return true;
      w.resolve();
      return false;
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.waiting) w.reject(this.failure);
    this.waiting = [];
  }
}

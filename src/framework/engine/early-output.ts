import type { Logger } from '../../observability/logger.js';
import type { SnapshotDb } from '../../snapshot/database.js';
import { DirectOutput } from '../../snapshot/output-writer.js';
import type { Connector } from '../connector.js';
import type { ResourceSyncer } from '../types.js';
import { beginOutput, emitType, type DropCounter } from './emit.js';

/**
 * A full sync's output of the resource types whose collections are done, written while the other
 * collections still run. Against a real tenant the last big delta round (users) is a minute of
 * round trips during which this process mostly waits: a type produced then (groups and their
 * million memberships) is no longer produced after it.
 *
 * A type is produced early only when the connector names the collection phases its syncer reads
 * (`outputNeeds`) and all of them are done; the others wait for the output step. Types are produced
 * one at a time over the sync's own connection (the collection writes over it too), in slices that
 * give way to the collection's pages. The output is begun (emptied) with the first early type, so a
 * resumed sync produces it again from its source store.
 */
export class EarlyOutput {
  private readonly emitted = new Set<string>();
  private readonly queued = new Set<string>();
  private syncers: ResourceSyncer[] | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private failure: { err: unknown } | undefined;
  private readonly abandon = new AbortController();
  private readonly stopping: AbortSignal;

  constructor(
    private readonly db: SnapshotDb,
    private readonly connector: Connector,
    /** Names of the phases in the collection plan (a need outside it is met). */
    private readonly plan: ReadonlySet<string>,
    /** The syncers, made when the first type is ready (they may read the source as they are made). */
    private readonly makeSyncers: () => ResourceSyncer[],
    /** Called once, before the first type: the output is begun and derived as of now. */
    private readonly onBegin: () => void,
    private readonly drops: DropCounter,
    private readonly logger: Logger,
    signal?: AbortSignal,
  ) {
    this.stopping = signal ? AbortSignal.any([signal, this.abandon.signal]) : this.abandon.signal;
  }

  /** The output has been begun: the output step must not empty it again. */
  get begun(): boolean {
    return this.syncers !== undefined;
  }

  /** Queues every type whose needs are now all done. */
  phasesDone(done: ReadonlySet<string>): void {
    if (this.closed || this.failure || !this.connector.outputNeeds) return;
    for (const type of this.connector.outputTypes?.() ?? []) {
      if (this.queued.has(type)) continue;
      const needs = this.connector.outputNeeds(type);
      if (!needs || !needs.every((n) => done.has(n) || !this.plan.has(n))) continue;
      this.queued.add(type);
      this.chain = this.chain.then(() => this.produce(type));
    }
  }

  /**
   * Stops queueing, waits for the type being produced (stopped at its next page when `abandon`:
   * the sync failed), and returns the types written; the first failure of any is thrown here.
   */
  async close(abandon = false): Promise<ReadonlySet<string>> {
    this.closed = true;
    if (abandon) this.abandon.abort(new Error('the collection failed'));
    await this.chain;
    if (this.failure) throw this.failure.err;
    return this.emitted;
  }

  private async produce(type: string): Promise<void> {
    if (this.closed || this.failure) return;
    try {
      if (!this.syncers) {
        this.onBegin();
        this.syncers = this.makeSyncers();
        beginOutput(this.db, this.syncers);
      }
      const s = this.syncers.find((x) => x.resourceType.id === type);
      if (!s) return;
      const out = new DirectOutput(this.db);
      await emitType(this.db, out, s, this.drops, this.logger, this.stopping);
      await out.flush();
      this.emitted.add(type);
    } catch (err) {
      this.failure = { err };
    }
  }
}

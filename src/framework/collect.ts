import type { Logger } from '../observability/logger.js';
import type { SyncKind } from './types.js';
import type { SourceStore } from './source.js';
import type { PhaseProgress } from './progress.js';

/**
 * Collection: how a connector fills its source store, as a plan of resumable phases that the
 * engine runs (side by side where the plan allows) and checkpoints. A phase sees only what it
 * needs: the source store, its own durable state, checkpoints, and the sync's work state — never
 * the snapshot database itself.
 */

/** A string key/value store. */
export interface KeyValue {
  get(key: string): string | undefined;
  set(key: string, value: string): void;
  delete(key: string): void;
}

/** Where a phase has got to: `token` is the next page to read (absent when done or at the start). */
export interface Checkpoint {
  phase: string;
  /**
   * `applying`: the round has been read whole and its staged items are being applied; `token`
   * is then the position (see StagedPosition) of the last one applied.
   */
  status: 'running' | 'applying' | 'done';
  token?: string;
  items: number;
}

/** Where a staged item sits in key order: its key, then its arrival sequence. */
export type StagedPosition = readonly [key: string, seq: number];

export interface StagedItem<T> {
  at: StagedPosition;
  data: T;
}

/** Page checkpoints and staged items of the running sync (gone once its snapshot is written). */
export interface CheckpointStore {
  get(phase: string): Checkpoint | undefined;
  save(c: Checkpoint): void;
  /** Items of a round kept in arrival order, to be applied in key order when the round ends. */
  stage(phase: string, items: { key: string; data: unknown }[]): void;
  /**
   * A phase's staged items in key order (arrival order within a key), after position `after`
   * (from the start when absent). The order is fixed when the first item is read: the iteration
   * may go on across transactions.
   */
  staged<T>(phase: string, after?: StagedPosition): Generator<StagedItem<T>, void, undefined>;
  clearStaged(phase: string): void;
}

export interface PhaseStore {
  readonly source: SourceStore;
  /** The connector's state carried from sync to sync in the snapshot (delta links, modes). */
  readonly state: KeyValue;
  /** This sync's own notes (what the audit poll decided, modes chosen): not in the snapshot. */
  readonly scratch: KeyValue;
  readonly checkpoints: CheckpointStore;
  /** Runs `fn` in one transaction: a page and the checkpoint recording it land together or not at all. */
  transaction<T>(fn: () => T): T;
}

/** What the engine tells a phase about the sync it runs in. */
export interface WorkState {
  kind: SyncKind;
  /** For an incremental: when the parent sync started (the reach of a change-log poll). */
  parentStartedAt?: string;
}

export interface PhaseContext {
  store: PhaseStore;
  work: WorkState;
  /** True when this sync builds on a previous snapshot's state. */
  incremental: boolean;
  logger: Logger;
  signal?: AbortSignal;
  /** The sync's clock (ms since epoch). */
  now: () => number;
  /** Where a phase tells how far it has got (see progress.ts); absent when nobody listens. */
  progress?: PhaseProgress;
  /**
   * What this sync's collection has changed in the source store so far, when the engine records
   * it (an incremental that patches its parent's store); absent otherwise.
   */
  sourceLog?: SourceLog;
}

/** Questions about the source rows a sync's collection has changed since its parent. */
export interface SourceLog {
  /** Whether an object of one of `kinds` that the parent held is gone. */
  removedObjects(kinds: readonly string[]): boolean;
  /** Whether an edge of one of `kinds` the parent did not hold has come. */
  addedLinks(kinds: readonly string[]): boolean;
}

/**
 * One step of a collection plan: fills part of the source store, resumable at page boundaries. A
 * connector may write its phases against a wider context of its own and bind them to this one.
 */
export interface CollectPhase<C extends PhaseContext = PhaseContext> {
  name: string;
  /**
   * Phases of the plan that must have finished before this one starts (`*`: all the others).
   * Phases without an order between them run side by side.
   */
  after?: readonly string[];
  /** Returns the number of items read. */
  run(ctx: C): Promise<number>;
}

/**
 * Incremental state recorded by a previous snapshot could not be replayed (a delta link expired):
 * the engine starts the sync again as a full one.
 */
export class DeltaExpiredError extends Error {
  constructor(
    readonly phase: string,
    cause: unknown,
  ) {
    super(`${phase}: the stored delta link has expired`, { cause });
    this.name = 'DeltaExpiredError';
  }
}

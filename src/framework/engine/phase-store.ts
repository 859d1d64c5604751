import type { SnapshotDb } from '../../snapshot/database.js';
import type { KeyValue, PhaseStore } from '../collect.js';

/** Meta keys the engine keeps for itself: the working sync's identity and progress. */
const ENGINE_PREFIXES = ['work:', 'sync:', 'store:'];

/** The engine's own `work:` keys (see working.ts), out of reach of a connector's scratch notes. */
const ENGINE_WORK_KEYS = new Set([
  'syncId',
  'plan',
  'startedAt',
  'graphRequests',
  'parentStartedAt',
  'patch',
  'since',
  'patched',
  'derivedAt',
  'countDelta',
  'bootId',
]);

function refuseEngineKey(key: string): void {
  if (ENGINE_PREFIXES.some((p) => key.startsWith(p)))
    throw new Error(`connector state key ${key} is reserved for the sync engine`);
}

/**
 * What a collection phase may touch of the working database: the source tables, the connector's
 * own keys in `meta` (durable, carried into the snapshot) and its scratch keys (`work:<key>`,
 * dropped from the snapshot), and the checkpoints — not the output tables nor the engine's keys.
 */
export function phaseStore(db: SnapshotDb): PhaseStore {
  const state: KeyValue = {
    get: (key) => db.getMeta(key),
    set: (key, value) => {
      refuseEngineKey(key);
      db.setMeta(key, value);
    },
    delete: (key) => {
      refuseEngineKey(key);
      db.deleteMeta(key);
    },
  };
  const scratch: KeyValue = {
    get: (key) => db.getMeta(`work:${key}`),
    set: (key, value) => {
      if (ENGINE_WORK_KEYS.has(key)) throw new Error(`scratch key ${key} is reserved for the sync engine`);
      db.setMeta(`work:${key}`, value);
    },
    delete: (key) => {
      if (ENGINE_WORK_KEYS.has(key)) throw new Error(`scratch key ${key} is reserved for the sync engine`);
      db.deleteMeta(`work:${key}`);
    },
  };
  return {
    source: db.source,
    state,
    scratch,
    checkpoints: {
      get: (phase) => db.checkpoint(phase),
      save: (c) => db.saveCheckpoint(c),
      stage: (phase, items) => db.stageItems(phase, items),
      staged: (phase, after) => db.stagedItems(phase, after),
      clearStaged: (phase) => db.clearStaged(phase),
    },
    transaction: (fn) => db.transaction(fn),
  };
}

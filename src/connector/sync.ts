import type { ConnectorConfig } from '../config/types.js';
import { runEngine } from '../framework/engine/run.js';
import type { EngineOptions, SyncResult } from '../framework/engine/api.js';
import { ProgressReporter, type ProgressListener } from '../framework/progress.js';
import { createGraphClient } from '../graph/client.js';
import type { GraphClient, GraphObserver } from '../graph/types.js';
import { silentLogger } from '../observability/logger.js';
import { entraConnector } from './connector.js';

export interface SyncOptions extends Omit<EngineOptions, 'connector'> {
  config: ConnectorConfig;
  /** Injected Graph client; built from `config` when absent. */
  graph?: GraphClient;
  /** Told about each Graph request of the client built here (not of an injected one). */
  graphObserver?: GraphObserver;
  /** Told of every change in the running phases' counts (a terminal's live line). */
  onProgress?: ProgressListener;
}

export type RunSync = (options: SyncOptions) => Promise<SyncResult>;

/**
 * One sync of an Entra tenant into a snapshot file (see runEngine for the guarantees). The
 * collection phases log their progress every 10 s.
 */
export const runSync: RunSync = async (options) => {
  const { config, graph: given, graphObserver, onProgress, ...engine } = options;
  const progress = new ProgressReporter({
    logger: options.logger ?? silentLogger,
    now: options.now ?? Date.now,
    ...(onProgress ? { listener: onProgress } : {}),
  });
  const own = given
    ? undefined
    : createGraphClient(config, {
        logger: options.logger ?? silentLogger,
        ...(graphObserver ? { observer: graphObserver } : {}),
      });
  const graph = given ?? own!;
  try {
    return await runEngine({ ...engine, connector: entraConnector(config, graph, progress) });
  } finally {
    await own?.close();
  }
};

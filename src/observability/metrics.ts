import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The daemon's Prometheus metrics, on a registry of its own (never the global one, so tests and
 * several daemons in one process don't collide). Label values are kept to small fixed sets.
 */
export interface Metrics {
  registry: Registry;
  /** kind: full | incremental | targeted; result: success | failure | aborted. */
  syncDuration: Histogram<'kind' | 'result'>;
  syncRuns: Counter<'kind' | 'result'>;
  syncLastSuccess: Gauge;
  /** Objects in the last snapshot per resource type (user, group, grant …). */
  syncObjects: Gauge<'type'>;
  graphRequests: Counter<'status'>;
  graphThrottled: Counter;
  /** result: success | failure | retry */
  uploads: Counter<'result'>;
  uploadBytes: Counter;
  /** Snapshots waiting on disk for the control plane. */
  spoolDepth: Gauge;
  /** kind: sync | grant | revoke | create_account | action …; result: success | failure. */
  tasks: Counter<'kind' | 'result'>;
  leader: Gauge;
  leaderTransitions: Counter;
  /** result: applied | rejected | unchanged */
  configReloads: Counter<'result'>;
}

export interface MetricsOptions {
  /** Process/runtime metrics (CPU, memory, event loop lag …); on by default. */
  defaultMetrics?: boolean;
  /** Extra labels on every series (e.g. `{ tenant }`). */
  labels?: Record<string, string>;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'baton_' });
  const registers = [registry];
  return {
    registry,
    syncDuration: new Histogram({
      name: 'baton_sync_duration_seconds',
      help: 'Duration of sync runs',
      labelNames: ['kind', 'result'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 900, 1200, 1800],
      registers,
    }),
    syncRuns: new Counter({
      name: 'baton_sync_runs_total',
      help: 'Sync runs by kind and result',
      labelNames: ['kind', 'result'],
      registers,
    }),
    syncLastSuccess: new Gauge({
      name: 'baton_sync_last_success_timestamp_seconds',
      help: 'Unix time of the last successful sync',
      registers,
    }),
    syncObjects: new Gauge({
      name: 'baton_sync_objects',
      help: 'Objects in the last snapshot by type',
      labelNames: ['type'],
      registers,
    }),
    graphRequests: new Counter({
      name: 'baton_graph_requests_total',
      help: 'Microsoft Graph requests by HTTP status',
      labelNames: ['status'],
      registers,
    }),
    graphThrottled: new Counter({
      name: 'baton_graph_throttled_total',
      help: 'Microsoft Graph responses that asked us to back off (429/503)',
      registers,
    }),
    uploads: new Counter({
      name: 'baton_uploads_total',
      help: 'Snapshot uploads by result',
      labelNames: ['result'],
      registers,
    }),
    uploadBytes: new Counter({
      name: 'baton_upload_bytes_total',
      help: 'Snapshot bytes uploaded',
      registers,
    }),
    spoolDepth: new Gauge({
      name: 'baton_spool_depth',
      help: 'Snapshots spooled on disk awaiting upload',
      registers,
    }),
    tasks: new Counter({
      name: 'baton_tasks_total',
      help: 'Control-plane tasks by kind and result',
      labelNames: ['kind', 'result'],
      registers,
    }),
    leader: new Gauge({
      name: 'baton_leader',
      help: '1 while this replica holds the leader lease, else 0',
      registers,
    }),
    leaderTransitions: new Counter({
      name: 'baton_leader_transitions_total',
      help: 'Times this replica became leader',
      registers,
    }),
    configReloads: new Counter({
      name: 'baton_config_reloads_total',
      help: 'Configuration reloads by result',
      labelNames: ['result'],
      registers,
    }),
  };
}

/** Times `fn` into the sync histogram and counters; records last success. */
export async function observeSync<T>(
  m: Metrics,
  kind: string,
  fn: () => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  const start = now();
  let result = 'failure';
  try {
    const out = await fn();
    result = 'success';
    m.syncLastSuccess.set(now() / 1000);
    return out;
  } catch (err) {
    if ((err as Error | undefined)?.name === 'AbortError') result = 'aborted';
    throw err;
  } finally {
    m.syncDuration.observe({ kind, result }, (now() - start) / 1000);
    m.syncRuns.inc({ kind, result });
  }
}

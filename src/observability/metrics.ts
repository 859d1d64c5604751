import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The daemon's Prometheus metrics, on a registry of its own (never the global one, so tests and
 * several daemons in one process don't collide). Label values are kept to small fixed sets. Each
 * is updated where its event happens, never recomputed from a summary afterwards.
 */
export interface Metrics {
  registry: Registry;
  /** Always 1; the labels carry the version. */
  buildInfo: Gauge<'version' | 'node_version'>;
  /** kind: full | incremental; result: success | failure | aborted. */
  syncDuration: Histogram<'kind' | 'result'>;
  syncRuns: Counter<'kind' | 'result'>;
  /** 1 while a sync runs. */
  syncInProgress: Gauge;
  /** Per kind: the Unix time the last successful sync of that kind ended. */
  syncLastSuccess: Gauge<'kind'>;
  /** Objects in the last snapshot per resource type (user, group, grant …). */
  syncObjects: Gauge<'type'>;
  /** outcome: success | client_error | throttled | server_error | network_error. */
  graphRequests: Counter<'outcome'>;
  graphRequestDuration: Histogram;
  graphThrottled: Counter;
  /** result: success | duplicate | failure | rejected */
  uploads: Counter<'result'>;
  uploadBytes: Counter;
  /** Snapshots waiting on disk for the control plane, and their size. */
  spoolDepth: Gauge;
  spoolBytes: Gauge;
  /** kind: sync | grant | revoke | create_account | action …; result: success | failure. */
  tasks: Counter<'kind' | 'result'>;
  leader: Gauge;
  leaderTransitions: Counter;
  /** result: applied | rejected | unchanged */
  configReloads: Counter<'result'>;
  /** 1 while the control plane accepts this daemon's calls. */
  controlPlaneConnected: Gauge;
  /** kind: client_secret | certificate. Unix time the Entra credential in use expires; absent until known. */
  credentialExpiry: Gauge<'kind'>;
}

export interface MetricsOptions {
  /** Process/runtime metrics (CPU, memory, event loop lag …); on by default. */
  defaultMetrics?: boolean;
  /** Extra labels on every series (e.g. `{ tenant }`). */
  labels?: Record<string, string>;
  /** For `baton_build_info`. */
  version?: string;
}

export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  // Unprefixed: the standard Node.js dashboards look for process_* and nodejs_*.
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const m: Metrics = {
    registry,
    buildInfo: new Gauge({
      name: 'baton_build_info',
      help: 'Always 1; labelled with the running version',
      labelNames: ['version', 'node_version'],
      registers,
    }),
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
    syncInProgress: new Gauge({
      name: 'baton_sync_in_progress',
      help: '1 while a sync runs, else 0',
      registers,
    }),
    syncLastSuccess: new Gauge({
      name: 'baton_sync_last_success_timestamp_seconds',
      help: 'Unix time the last successful sync of each kind ended',
      labelNames: ['kind'],
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
      help: 'Microsoft Graph HTTP requests (each attempt; a $batch envelope once) by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    graphRequestDuration: new Histogram({
      name: 'baton_graph_request_duration_seconds',
      help: 'Time from sending a Microsoft Graph request to its response headers (or failure)',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 100],
      registers,
    }),
    graphThrottled: new Counter({
      name: 'baton_graph_throttled_total',
      help: 'Microsoft Graph 429 answers, to requests and to requests inside $batch',
      registers,
    }),
    uploads: new Counter({
      name: 'baton_uploads_total',
      help: 'Snapshot deliveries to the control plane by result',
      labelNames: ['result'],
      registers,
    }),
    uploadBytes: new Counter({
      name: 'baton_upload_bytes_total',
      help: 'Bytes of the snapshots delivered to the control plane',
      registers,
    }),
    spoolDepth: new Gauge({
      name: 'baton_spool_depth',
      help: 'Snapshots spooled on disk awaiting upload',
      registers,
    }),
    spoolBytes: new Gauge({
      name: 'baton_spool_bytes',
      help: 'Bytes of the snapshots spooled on disk awaiting upload',
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
      help: '1 while this replica is the active one (holds the lease, or runs without leader election)',
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
    controlPlaneConnected: new Gauge({
      name: 'baton_control_plane_connected',
      help: '1 while the control plane accepts this daemon, else 0',
      registers,
    }),
    credentialExpiry: new Gauge({
      name: 'baton_entra_credential_expiry_timestamp_seconds',
      help: 'Unix time the Entra client secret or certificate in use expires (absent until known)',
      labelNames: ['kind'],
      registers,
    }),
  };
  m.buildInfo.set({ version: opts.version ?? 'unknown', node_version: process.version }, 1);
  return m;
}

/**
 * What the Graph client reports as it works (its `GraphObserver`, declared here by shape so that
 * observability, the bottom layer, imports nothing above it).
 */
export interface RequestObserver {
  request(event: { outcome: string; durationMs: number }): void;
  throttled(): void;
}

/** Counts the requests of a Graph client into these metrics as they happen. */
export function graphObserver(m: Metrics): RequestObserver {
  return {
    request: ({ outcome, durationMs }) => {
      m.graphRequests.inc({ outcome });
      m.graphRequestDuration.observe(durationMs / 1000);
    },
    throttled: () => m.graphThrottled.inc(),
  };
}

/** Records one finished sync run: its duration, its outcome, and when `kind` last succeeded. */
export function recordSync(m: Metrics, kind: string, outcome: string, startMs: number, endMs: number): void {
  m.syncDuration.observe({ kind, result: outcome }, (endMs - startMs) / 1000);
  m.syncRuns.inc({ kind, result: outcome });
  if (outcome === 'success') m.syncLastSuccess.set({ kind }, endMs / 1000);
}

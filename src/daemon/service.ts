import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { ConnectorConfig } from '../config/types.js';
import type { SyncKind, SyncResult } from '../framework/engine/api.js';
import type { RunSync } from '../connector/sync.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, graphObserver, recordSync, type Metrics } from '../observability/metrics.js';
import { realClock, type Clock } from './clock.js';
import { SyncScheduler, type RunTrigger } from './scheduler.js';
import type { LeaderElector } from './lease.js';
import { startHttpServer, type ReadyReport } from './http.js';
import { ControlPlaneAgent, type AgentObserver, type AgentTask, type TaskResult } from './agent/agent.js';
import type { GraphObserver } from '../graph/types.js';
import type { EntraProbe } from './probe.js';
import { connectionLabel, SyncHistory, type DaemonStatus, type SyncRecord } from './status.js';
import { LocalSnapshots } from './snapshots.js';
import { spooledFiles } from './agent/spool.js';
import { createGraphClient } from '../graph/client.js';
import { createCredential } from '../graph/credentials.js';
import { collectEvents } from '../connector/events.js';
import type { DaemonSettings } from './settings.js';
import { handleTask, type TaskContext } from './tasks.js';
import { openProvisioning, type OpenProvisioning } from '../connector/provisioning.js';

/** Everything the daemon is configured with: the connector's settings and its own. */
export interface EffectiveConfig {
  connector: ConnectorConfig;
  daemon: DaemonSettings;
}

export interface DaemonDeps {
  runSync: RunSync;
  /** Cheap check that Entra answers with the current credentials (used for Hello and the status). */
  probeEntra: (config: ConnectorConfig, logger?: Logger, observer?: GraphObserver) => Promise<EntraProbe>;
  /**
   * A permanent misconfiguration found after start() returned (the control plane refused this
   * daemon, or a replica that became leader could not start): the caller stops and exits non-zero.
   */
  onFatal?: (err: DaemonConfigError) => void;
  logger: Logger;
  clock?: Clock;
  version: string;
  /** Where the Lease API is; in-cluster (or the default kubeconfig) when absent. */
  kubeConfig?: KubeConfig;
}

/**
 * A setting that no retry will fix (a malformed or refused credential): the daemon must stop with a
 * non-zero exit, the message naming the setting.
 */
export class DaemonConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DaemonConfigError';
  }
}

/** What a sync run was asked for: by the schedule, or by a control-plane task. */
interface SyncRequest {
  kind?: SyncKind;
  taskId?: string;
  /** Told the run's promise once the scheduler starts it (task-triggered syncs wait on it). */
  onStart?: (run: Promise<SyncResult>) => void;
}

/**
 * `baton-entra serve`: syncs on a schedule (only while leader, when leader election is on), uploads
 * every snapshot through the control-plane agent, runs tasks, serves health and metrics, and applies
 * configuration changes without a restart.
 */
export class Daemon {
  private config: EffectiveConfig;
  private readonly clock: Clock;
  private readonly metrics: Metrics;
  private readonly snapshots: LocalSnapshots;
  private scheduler: SyncScheduler | undefined;
  private agent: ControlPlaneAgent | undefined;
  private elector: LeaderElector | undefined;
  private http: { port: number; close(): Promise<void> } | undefined;
  private lastFullAt = 0;
  /** Why the next scheduled sync must be a full one, whatever the interval says. */
  private fullNeeded: string | undefined;
  private pending: SyncRequest = {};
  private lastProbe: { info: EntraProbe; at: string } | undefined;
  private startProbe: EntraProbe | undefined;
  private readonly graphObserver: GraphObserver;
  private readonly agentObserver: AgentObserver;
  private readonly history = new SyncHistory();
  private readonly startedAt: string;
  private started = false;
  private working = false;
  private stopping: Promise<void> | undefined;
  /** The provisioning service of the current connector configuration, opened on first use. */
  private prov: { key: string; open: OpenProvisioning } | undefined;

  constructor(
    initial: EffectiveConfig,
    private readonly deps: DaemonDeps,
  ) {
    this.config = initial;
    this.clock = deps.clock ?? realClock;
    this.metrics = createMetrics({ version: deps.version });
    this.graphObserver = graphObserver(this.metrics);
    this.agentObserver = {
      upload: ({ result, bytes }) => {
        this.metrics.uploads.inc({ result });
        if (result === 'success') this.metrics.uploadBytes.inc(bytes);
      },
      spool: ({ depth, bytes }) => {
        this.metrics.spoolDepth.set(depth);
        this.metrics.spoolBytes.set(bytes);
      },
      connection: (connected) => this.metrics.controlPlaneConnected.set(connected ? 1 : 0),
    };
    this.startedAt = new Date(this.clock.now()).toISOString();
    this.snapshots = new LocalSnapshots(initial.daemon.dataDir, initial.daemon.keepSnapshots);
  }

  get registry(): Registry {
    return this.metrics.registry;
  }

  get httpPort(): number | undefined {
    return this.http?.port;
  }

  get log(): Logger {
    return this.deps.logger;
  }

  /**
   * Starts serving probes, checks the credentials no retry would fix (throws DaemonConfigError
   * naming the setting), then starts work: right away, or on becoming leader.
   */
  async start(): Promise<void> {
    const { daemon } = this.config;
    await this.snapshots.init();
    this.http = await startHttpServer({
      host: daemon.http.host,
      port: daemon.http.port,
      live: () => this.elector?.healthy() ?? true,
      ready: () => this.readiness(),
      status: () => this.status(),
      metrics: this.metrics.registry,
    });
    this.log.info({ port: this.http.port }, 'health and metrics listening');
    try {
      // Entra refusing the credential at start-up is a misconfiguration; Entra unreachable is not.
      const probe = await this.hello();
      if (probe.refused) throw new DaemonConfigError(probe.refused);
      this.startProbe = probe;
      if (daemon.leaderElection) await this.standForLeader(daemon.leaderElection);
      else await this.startWork();
    } catch (err) {
      await this.stop();
      throw err;
    }
    this.started = true;
  }

  private async standForLeader(le: NonNullable<DaemonSettings['leaderElection']>): Promise<void> {
    // Loaded only here: the Kubernetes client is the largest module the daemon would load
    // (~55 MiB of RSS), and a single replica never uses it.
    const { LeaderElector } = await import('./lease.js');
    this.elector = new LeaderElector({
      namespace: le.namespace,
      name: le.name,
      identity: le.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      ...(this.deps.kubeConfig ? { kubeConfig: this.deps.kubeConfig } : {}),
      clock: this.clock,
      logger: this.log.child({ component: 'lease' }),
      onStartedLeading: () => {
        this.metrics.leaderTransitions.inc();
        this.startWork().catch((err: unknown) => this.fatal(err));
      },
      onStoppedLeading: () => void this.stopWork(),
      onNewLeader: (identity: string) => this.log.info({ leader: identity }, 'leader observed'),
    });
    this.elector.start();
    this.log.info({ identity: le.identity, lease: `${le.namespace}/${le.name}` }, 'standing for leadership');
  }

  /** Hands a misconfiguration found while running to the caller (which exits non-zero). */
  private fatal(err: unknown): void {
    const e =
      err instanceof DaemonConfigError ? err : new DaemonConfigError(String((err as Error)?.message ?? err));
    this.log.error({ err: e.message }, 'stopping: this configuration cannot work');
    this.deps.onFatal?.(e);
  }

  /** Starts scheduled syncs and task polling (on this replica being the leader, or right away). */
  private async startWork(): Promise<void> {
    if (this.working || this.stopping) return;
    this.working = true;
    // The active replica: the lease holder, or the only one when there is no election.
    this.metrics.leader.set(1);
    const { daemon } = this.config;
    this.scheduler = new SyncScheduler({
      schedule: daemon.schedule,
      run: (trigger, signal) => this.syncCycle(trigger, signal).then(() => undefined),
      clock: this.clock,
      logger: this.log.child({ component: 'scheduler' }),
    });
    this.scheduler.start();
    if (daemon.controlPlane) {
      this.agent = new ControlPlaneAgent({
        ...daemon.controlPlane,
        hostId: daemon.hostId,
        dataDir: daemon.dataDir,
        version: this.deps.version,
        // The agent names its own component.
        logger: this.log,
        now: () => this.clock.now(),
        observer: this.agentObserver,
        onRefused: (err) => this.fatal(refusedByControlPlane(err)),
        chain: this.snapshots.chain,
        onChainLost: (syncId) => {
          this.fullNeeded = `diff snapshot ${syncId} could not be delivered`;
          this.log.warn({ syncId }, 'the next sync will be a full one: a snapshot was lost before delivery');
        },
      });
      await this.agent
        .start(
          (task, ctx) => this.runTask(task, ctx.signal),
          // The first Hello carries the start-up probe instead of probing Entra twice in a row.
          () => this.takeStartProbe() ?? this.hello(),
        )
        .catch((err: Error) => {
          throw refusedByControlPlane(err);
        });
    } else {
      this.log.warn('BATON_CONTROL_PLANE_ADDRESS is not set: snapshots stay local');
    }
  }

  private async stopWork(): Promise<void> {
    if (!this.working) return;
    this.working = false;
    this.metrics.leader.set(0);
    await this.scheduler?.stop();
    this.scheduler = undefined;
    await this.agent?.stop();
    this.agent = undefined;
  }

  /** One sync: full or incremental, written locally, promoted, then handed to the agent for upload. */
  private async syncCycle(trigger: RunTrigger, signal: AbortSignal): Promise<SyncResult> {
    const request = this.pending;
    this.pending = {};
    const run = this.doSync(trigger, request, signal);
    request.onStart?.(run);
    return run;
  }

  private async doSync(trigger: RunTrigger, request: SyncRequest, signal: AbortSignal): Promise<SyncResult> {
    const { connector, daemon } = this.config;
    const now = this.clock.now();
    const hasBase = await this.snapshots.hasLatest();
    const fullDue = !hasBase || now - this.lastFullAt >= daemon.fullSyncIntervalMs;
    let kind: SyncKind = request.kind ?? (fullDue ? 'full' : 'incremental');
    // The engine logs the kind it actually runs (an incremental may fall back to full): one key each.
    const log = this.log.child({ component: 'sync', trigger, taskId: request.taskId });
    // The control plane's copy stops at a snapshot that was lost: an incremental would not reach it.
    if (kind === 'incremental' && this.fullNeeded) {
      log.info({ reason: this.fullNeeded }, 'running a full sync in place of an incremental');
      kind = 'full';
    }
    // The engine reads the base's chain when its kept store is unusable: a base it cannot read would
    // fail every incremental until the next full sync.
    const chainProblem =
      kind === 'incremental' && hasBase ? await this.snapshots.latestChainProblem() : undefined;
    if (chainProblem) {
      log.warn({ problem: chainProblem }, 'the last snapshot cannot be read whole; running a full sync');
      kind = 'full';
    }
    const outFile = this.snapshots.nextPath(now, kind);
    const startedAt = new Date(now).toISOString();
    this.metrics.syncInProgress.set(1);
    log.info({ kind }, 'sync starting');
    let result: SyncResult;
    try {
      result = await this.deps.runSync({
        config: connector,
        outFile,
        incrementalFrom: kind === 'incremental' && hasBase ? this.snapshots.latest : undefined,
        chain: this.snapshots.chain,
        stateDir: this.snapshots.stateDir,
        logger: log,
        signal,
        now: () => this.clock.now(),
        graphObserver: this.graphObserver,
      });
    } catch (err) {
      this.metrics.syncInProgress.set(0);
      const outcome = signal.aborted ? 'aborted' : 'failure';
      this.endSync(kind, startedAt, { outcome, error: (err as Error).message });
      if (!signal.aborted)
        log.error({ kind, err: (err as Error).message }, 'sync failed; the previous snapshot stays');
      throw err;
    }
    this.metrics.syncInProgress.set(0);
    const { header } = result;
    this.endSync(header.kind, startedAt, {
      outcome: 'success',
      syncId: header.syncId,
      counts: {
        resources: header.counts.resources,
        entitlements: header.counts.entitlements,
        grants: header.counts.grants,
      },
      graphRequests: header.graphRequests,
    });
    for (const [type, n] of Object.entries(header.counts.resourcesByType)) {
      this.metrics.syncObjects.set({ type }, n);
    }
    if (header.kind === 'full') {
      this.lastFullAt = now;
      this.fullNeeded = undefined;
    }
    await this.snapshots.promote(result.file, header);
    log.info(
      { kind: header.kind, file: result.file, syncId: header.syncId, counts: header.counts },
      'snapshot ready',
    );
    if (this.agent) await this.agent.submitSnapshot(result.file, header, { taskId: request.taskId });
    // The spool as it is on disk, whether or not an agent runs: its diffs need their chains.
    await this.snapshots.prune(await spooledFiles(daemon.dataDir), log);
    return result;
  }

  /** Records a finished run in the metrics and the status. */
  private endSync(kind: SyncKind, startedAt: string, run: Omit<SyncRecord, 'startedAt' | 'endedAt'>): void {
    const end = this.clock.now();
    recordSync(this.metrics, kind, run.outcome, Date.parse(startedAt), end);
    this.history.record(kind, { startedAt, endedAt: new Date(end).toISOString(), ...run });
  }

  private async runTask(task: AgentTask, signal: AbortSignal): Promise<TaskResult> {
    const ctx: TaskContext = {
      config: this.config.connector,
      logger: this.log.child({ component: 'task', taskId: task.id, kind: task.kind }),
      signal,
      now: () => this.clock.now(),
      sync: (kind) => this.syncForTask(task.id, kind),
      listEvents: (since, sig) => this.listEvents(since, sig),
      provisioning: () => this.provisioning(),
    };
    const result = await handleTask(task, ctx);
    this.metrics.tasks.inc({ kind: task.kind, result: result.ok ? 'success' : 'failure' });
    return result;
  }

  /**
   * One provisioning service per connector configuration: its Graph client, its coalescing queues
   * and the journal in BATON_DATA_DIR. A reloaded configuration opens a new one; the old one's
   * requests under way finish on their own client.
   */
  private provisioning(): OpenProvisioning['service'] {
    const config = this.config.connector;
    const key = JSON.stringify(config);
    if (this.prov?.key !== key) {
      const old = this.prov;
      this.prov = {
        key,
        open: openProvisioning(config, {
          dataDir: this.config.daemon.dataDir,
          logger: this.log,
          graphObserver: this.graphObserver,
          now: () => this.clock.now(),
          controlPlaneRecipient: () => this.agent?.passwordRecipient,
        }),
      };
      if (old) setTimeout(() => void old.open.close(), 120_000).unref();
    }
    return this.prov.open.service;
  }

  /** Runs a sync for a task through the scheduler's no-overlap gate and waits for its result. */
  private async syncForTask(taskId: string, kind: SyncKind): Promise<SyncResult | 'busy' | 'paused'> {
    if (!this.scheduler) return 'paused';
    const result = new Promise<SyncResult>((resolve, reject) => {
      this.pending = { kind, taskId, onStart: (run) => run.then(resolve, reject) };
    });
    const started = await this.scheduler.trigger('manual');
    if (started !== 'started') {
      this.pending = {};
      return started;
    }
    return result;
  }

  /** The directoryAudits feed since `since` (bounded), for a list_events task. */
  private async listEvents(
    since: Date,
    signal: AbortSignal,
  ): Promise<{ events: object[]; truncated: boolean }> {
    const config = this.config.connector;
    const graph = createGraphClient(config, {
      credential: createCredential(config),
      logger: this.log,
      observer: this.graphObserver,
    });
    try {
      return await collectEvents(graph, { since, signal, max: 5_000 });
    } finally {
      await graph.close();
    }
  }

  private takeStartProbe(): Promise<EntraProbe> | undefined {
    const probe = this.startProbe;
    this.startProbe = undefined;
    return probe && Promise.resolve(probe);
  }

  /** Probes Entra (for Hello and the status); never throws: an outage is a status, not an error. */
  private async hello(): Promise<EntraProbe> {
    let info: EntraProbe;
    try {
      info = await this.deps.probeEntra(
        this.config.connector,
        this.log.child({ component: 'probe' }),
        this.graphObserver,
      );
    } catch (err) {
      info = { connectionStatus: 'unconnected', capabilities: [] };
      this.log.warn({ err: (err as Error).message }, 'Entra probe failed');
    }
    this.lastProbe = { info, at: new Date(this.clock.now()).toISOString() };
    const expires = info.credentialExpiresAt ? Date.parse(info.credentialExpiresAt) : NaN;
    if (Number.isFinite(expires))
      this.metrics.credentialExpiry.set({ kind: info.credentialKind ?? 'client_secret' }, expires / 1000);
    return info;
  }

  /**
   * Ready once started (active, or a standby): this replica can do its job. An Entra or
   * control-plane outage shows in the metrics and /status, never here, so a drain with
   * minAvailable 1 does not stall on someone else's outage.
   */
  private readiness(): ReadyReport {
    const checks: ReadyReport['checks'] = {
      started: { ok: this.started, detail: this.started ? 'started' : 'starting' },
      stopping: { ok: !this.stopping, detail: this.stopping ? 'stopping' : 'running' },
    };
    return { ready: Object.values(checks).every((c) => c.ok), checks };
  }

  /** What GET /status answers. */
  status(): DaemonStatus {
    const agent = this.agent?.status();
    const probe = this.lastProbe?.info;
    const { daemon } = this.config;
    return {
      version: this.deps.version,
      hostId: daemon.hostId,
      startedAt: this.startedAt,
      ready: this.readiness().ready,
      role: this.elector ? (this.elector.isLeader ? 'leader' : 'standby') : 'single',
      entra: {
        ...(probe ? { connectionStatus: connectionLabel(probe.connectionStatus) } : {}),
        ...(this.lastProbe ? { checkedAt: this.lastProbe.at } : {}),
        ...(probe?.credentialExpiresAt ? { credentialExpiresAt: probe.credentialExpiresAt } : {}),
        ...(probe?.refused ? { refused: probe.refused } : {}),
      },
      controlPlane: {
        ...(daemon.controlPlane ? { address: daemon.controlPlane.address } : {}),
        connected: agent?.connected ?? false,
        ...(agent?.lastUploadAt ? { lastUploadAt: agent.lastUploadAt } : {}),
        ...(agent?.lastError ? { lastError: agent.lastError } : {}),
        ...(agent?.refused ? { refused: agent.refused } : {}),
      },
      spool: { depth: agent?.spoolDepth ?? 0, bytes: agent?.spoolBytes ?? 0 },
      sync: {
        inProgress: this.scheduler?.busy ?? false,
        ...(this.scheduler?.nextRunAt() ? { nextRunAt: this.scheduler.nextRunAt()!.toISOString() } : {}),
        last: this.history.view(),
      },
    };
  }

  /** Applies a new configuration from a hot reload. Settings that need a restart are reported. */
  async reconfigure(next: EffectiveConfig): Promise<void> {
    const prev = this.config;
    this.config = next;
    const restartOnly: string[] = [];
    if (prev.daemon.http.port !== next.daemon.http.port || prev.daemon.http.host !== next.daemon.http.host) {
      restartOnly.push('BATON_HTTP_PORT/BATON_HTTP_HOST');
    }
    if (prev.daemon.dataDir !== next.daemon.dataDir) restartOnly.push('BATON_DATA_DIR');
    if (Boolean(prev.daemon.leaderElection) !== Boolean(next.daemon.leaderElection)) {
      restartOnly.push('BATON_LEADER_ELECTION');
    }
    if (restartOnly.length) this.log.warn({ settings: restartOnly }, 'these settings apply after a restart');
    if (prev.connector.logLevel !== next.connector.logLevel) this.log.level = next.connector.logLevel;
    this.scheduler?.update(next.daemon.schedule);
    if (
      JSON.stringify(prev.daemon.controlPlane) !== JSON.stringify(next.daemon.controlPlane) &&
      this.working
    ) {
      this.log.info('control plane settings changed: reconnecting');
      await this.agent?.stop();
      this.agent = undefined;
      this.working = false;
      await this.startWork().catch((err: unknown) => this.fatal(err));
    }
    this.metrics.configReloads.inc({ result: 'applied' });
    this.log.info({ provisioning: next.connector.provisioning }, 'configuration reloaded');
  }

  rejectReload(err: Error): void {
    this.metrics.configReloads.inc({ result: 'rejected' });
    this.log.error({ err: err.message }, 'configuration change rejected; the previous configuration stays');
  }

  /** Stops scheduling and tasks (a running sync is aborted and checkpoints), releases the lease. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.stopWork();
      await this.elector?.stop();
      await this.http?.close();
      await this.prov?.open.close();
    })();
    return this.stopping;
  }
}

/** The control plane refused this daemon: names the settings to fix. */
function refusedByControlPlane(err: Error): DaemonConfigError {
  if (err instanceof DaemonConfigError) return err;
  // Messages that already name a setting (a malformed secret, a missing id) stand as they are.
  if (/\bBATON_[A-Z_]+/.test(err.message)) return new DaemonConfigError(err.message, { cause: err });
  const credential = /UNAUTHENTICATED|PERMISSION_DENIED/.test(err.message);
  return new DaemonConfigError(
    `${err.message}: check ${credential ? 'BATON_CLIENT_ID and BATON_CLIENT_SECRET' : 'BATON_CONTROL_PLANE_ADDRESS'}`,
    { cause: err },
  );
}

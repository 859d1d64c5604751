import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { ConnectorConfig } from '../config/types.js';
import type { SyncKind, SyncResult } from '../framework/engine/api.js';
import type { RunSync } from '../connector/sync.js';
import type { Logger } from '../observability/logger.js';
import { createMetrics, type Metrics } from '../observability/metrics.js';
import { realClock, type Clock } from './clock.js';
import { SyncScheduler, type RunTrigger } from './scheduler.js';
import type { LeaderElector } from './lease.js';
import { startHttpServer, type ReadyReport } from './http.js';
import { ControlPlaneAgent, type AgentTask, type HelloInfo, type TaskResult } from './agent/agent.js';
import { LocalSnapshots } from './snapshots.js';
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
  /** Cheap check that Entra answers with the current credentials (used for readiness and Hello). */
  probeEntra: (config: ConnectorConfig, logger?: Logger) => Promise<HelloInfo>;
  logger: Logger;
  clock?: Clock;
  version: string;
  /** Where the Lease API is; in-cluster (or the default kubeconfig) when absent. */
  kubeConfig?: KubeConfig;
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
  private pending: SyncRequest = {};
  private entraOk: boolean | undefined;
  private lastHello: HelloInfo | undefined;
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
    this.metrics = createMetrics();
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

  async start(): Promise<void> {
    const { daemon } = this.config;
    await this.snapshots.init();
    this.http = await startHttpServer({
      host: daemon.http.host,
      port: daemon.http.port,
      live: () => this.elector?.healthy() ?? true,
      ready: () => this.readiness(),
      metrics: this.metrics.registry,
    });
    this.log.info({ port: this.http.port }, 'health and metrics listening');
    void this.probe();

    if (daemon.leaderElection) {
      const le = daemon.leaderElection;
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
          this.metrics.leader.set(1);
          this.metrics.leaderTransitions.inc();
          void this.startWork();
        },
        onStoppedLeading: () => {
          this.metrics.leader.set(0);
          void this.stopWork();
        },
        onNewLeader: (identity: string) => this.log.info({ leader: identity }, 'leader observed'),
      });
      this.elector.start();
      this.log.info(
        { identity: le.identity, lease: `${le.namespace}/${le.name}` },
        'standing for leadership',
      );
    } else {
      await this.startWork();
    }
  }

  /** Starts scheduled syncs and task polling (on this replica being the leader, or right away). */
  private async startWork(): Promise<void> {
    if (this.working || this.stopping) return;
    this.working = true;
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
        logger: this.log.child({ component: 'agent' }),
        now: () => this.clock.now(),
      });
      await this.agent
        .start(
          (task, ctx) => this.runTask(task, ctx.signal),
          () => this.hello(),
        )
        .catch((err: Error) => {
          this.log.error({ err: err.message }, 'control plane refused this daemon; uploads stay spooled');
        });
    } else {
      this.log.warn('BATON_CONTROL_PLANE_ADDRESS is not set: snapshots stay local');
    }
  }

  private async stopWork(): Promise<void> {
    if (!this.working) return;
    this.working = false;
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
    const kind: SyncKind = request.kind ?? (fullDue ? 'full' : 'incremental');
    const outFile = this.snapshots.nextPath(now, kind);
    const log = this.log.child({ component: 'sync', trigger, kind, taskId: request.taskId });
    const end = this.metrics.syncDuration.startTimer({ kind });
    log.info('sync starting');
    try {
      const result = await this.deps.runSync({
        config: connector,
        outFile,
        incrementalFrom: kind === 'incremental' && hasBase ? this.snapshots.latest : undefined,
        stateDir: this.snapshots.stateDir,
        logger: log,
        signal,
        now: () => this.clock.now(),
      });
      end({ result: 'success' });
      this.metrics.syncRuns.inc({ kind: result.header.kind, result: 'success' });
      this.metrics.syncLastSuccess.set(this.clock.now() / 1000);
      this.metrics.graphRequests.inc({ status: 'all' }, result.header.graphRequests);
      for (const [type, n] of Object.entries(result.header.counts.resourcesByType)) {
        this.metrics.syncObjects.set({ type }, n);
      }
      if (result.header.kind === 'full') this.lastFullAt = now;
      this.entraOk = true;
      await this.snapshots.promote(result.file);
      log.info(
        { file: result.file, syncId: result.header.syncId, counts: result.header.counts },
        'snapshot ready',
      );
      if (this.agent) {
        await this.agent.submitSnapshot(result.file, result.header, { taskId: request.taskId });
        this.metrics.spoolDepth.set(this.agent.status().spoolDepth);
      }
      await this.snapshots.prune();
      return result;
    } catch (err) {
      end({ result: 'failure' });
      this.metrics.syncRuns.inc({ kind, result: 'failure' });
      if (!signal.aborted)
        log.error({ err: (err as Error).message }, 'sync failed; the previous snapshot stays');
      throw err;
    }
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
    const graph = createGraphClient(config, { credential: createCredential(config), logger: this.log });
    try {
      return await collectEvents(graph, { since, signal, max: 5_000 });
    } finally {
      await graph.close();
    }
  }

  private async hello(): Promise<HelloInfo> {
    try {
      this.lastHello = await this.deps.probeEntra(
        this.config.connector,
        this.log.child({ component: 'probe' }),
      );
      this.entraOk = this.lastHello.connectionStatus === 'connected';
    } catch (err) {
      this.entraOk = false;
      this.lastHello = { connectionStatus: 'unconnected', capabilities: [] };
      this.log.warn({ err: (err as Error).message }, 'Entra probe failed');
    }
    return this.lastHello;
  }

  private async probe(): Promise<void> {
    await this.hello();
  }

  private readiness(): ReadyReport {
    const agent = this.agent?.status();
    const cp = this.config.daemon.controlPlane;
    const checks: ReadyReport['checks'] = {
      config: { ok: true },
      entra:
        this.entraOk === undefined
          ? { ok: true, detail: 'not probed yet' }
          : { ok: this.entraOk, detail: this.lastHello?.connectionStatus },
      controlPlane: !cp
        ? { ok: true, detail: 'disabled' }
        : agent
          ? { ok: true, detail: agent.connected ? 'connected' : `spooling (${agent.spoolDepth} waiting)` }
          : { ok: Boolean(this.elector), detail: this.elector ? 'standby' : 'not started' },
      leader: {
        ok: true,
        detail: this.elector ? (this.elector.isLeader ? 'leader' : 'standby') : 'disabled',
      },
    };
    // A standby replica is ready: rollouts and PodDisruptionBudgets would stall otherwise.
    return { ready: Object.values(checks).every((c) => c.ok), checks };
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
      await this.startWork();
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

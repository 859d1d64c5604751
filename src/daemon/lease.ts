import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  CoordinationV1Api,
  KubeConfig,
  V1MicroTime,
  Observable,
  type ConfigurationOptions,
  type ObservableMiddleware,
  type RequestContext,
  type ResponseContext,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/**
 * Leader election on a coordination.k8s.io/v1 Lease, following client-go's leaderelection package
 * (https://pkg.go.dev/k8s.io/client-go/tools/leaderelection):
 * - expiry is measured from the LOCAL time we last saw the record change, never from its renewTime,
 *   so clock skew between pods does not matter;
 * - every write carries the resourceVersion we read; a 409 means someone else wrote first and we
 *   simply try again next period;
 * - a leader steps down once `renewDeadlineMs` has passed since its last successful renew was sent.
 *   Because renewDeadline < leaseDuration and others count from when they saw that renew, the old
 *   leader always stops before anyone else can take over.
 * acquireTime/renewTime are sent as V1MicroTime: the apiserver rejects a Date's 3-digit fraction.
 */

/** The subset of CoordinationV1Api used here (object-parameter API, client-node 1.x/2.x). */
export type LeaseApi = Pick<
  CoordinationV1Api,
  'readNamespacedLease' | 'createNamespacedLease' | 'replaceNamespacedLease'
>;

export interface LeaderElectorOptions {
  api?: LeaseApi;
  kubeConfig?: KubeConfig;
  namespace: string;
  name: string;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Waits are `retryPeriod × [1, jitterFactor]`; client-go's factor is 1.2. */
  jitterFactor?: number;
  /** `healthy()` fails when leading and the last renew is older than leaseDuration + this. */
  healthToleranceMs?: number;
  clock?: Clock;
  logger?: Logger;
  random?: () => number;
  /** Called on becoming leader; `signal` aborts when leadership is lost or the elector stops. */
  onStartedLeading: (signal: AbortSignal) => void;
  onStoppedLeading: () => void;
  onNewLeader?: (identity: string) => void;
}

export type ElectorPhase = 'stopped' | 'requesting' | 'waiting';
type Attempt = 'acquired' | 'renewed' | 'held' | 'failed';

export interface LeaderElectorEvents {
  phase: [ElectorPhase];
}

export class LeaderElector extends EventEmitter<LeaderElectorEvents> {
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  private readonly api: LeaseApi;
  private readonly o: LeaderElectorOptions;
  private readonly clock: Clock;
  private readonly log: Logger;
  private leading: AbortController | undefined;
  private loop: Promise<void> | undefined;
  private stopper: AbortController | undefined;
  private observed: { key: string; at: number; lease: V1Lease } | undefined;
  private lastRenewSentAt = 0;
  private lastRenewAt = 0;
  private currentLeader: string | undefined;
  private phaseNow: ElectorPhase = 'stopped';
  /** Total leadership acquisitions by this elector (for metrics). */
  transitions = 0;

  constructor(opts: LeaderElectorOptions) {
    super();
    this.o = opts;
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    const jitter = opts.jitterFactor ?? 1.2;
    if (!(this.leaseDurationMs > this.renewDeadlineMs))
      throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
    if (!(this.renewDeadlineMs > jitter * this.retryPeriodMs))
      throw new Error(`renewDeadlineMs must be greater than ${jitter} × retryPeriodMs`);
    if (!(this.retryPeriodMs > 0)) throw new Error('retryPeriodMs must be greater than zero');
    if (!opts.namespace) throw new Error('namespace: expected the namespace of the Lease');
    if (!opts.name) throw new Error('name: expected the name of the Lease');
    this.identity = opts.identity ?? defaultIdentity();
    this.api = opts.api ?? (opts.kubeConfig ?? loadKubeConfig()).makeApiClient(CoordinationV1Api);
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? silentLogger).child({
      lease: `${opts.namespace}/${opts.name}`,
      identity: this.identity,
    });
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** The holder we last observed (may be us), if any. */
  get leader(): string | undefined {
    return this.currentLeader;
  }

  get phase(): ElectorPhase {
    return this.phaseNow;
  }

  /** Watchdog for /livez: a leader whose renew loop has stalled past the lease is unhealthy. */
  healthy(): boolean {
    if (!this.leading) return true;
    return this.clock.now() - this.lastRenewAt <= this.leaseDurationMs + (this.o.healthToleranceMs ?? 10_000);
  }

  start(): void {
    if (this.loop) return;
    this.stopper = new AbortController();
    this.loop = this.run(this.stopper.signal).finally(() => this.setPhase('stopped'));
  }

  /** Stops campaigning; a leader releases the Lease (empty holder, 1 s duration) so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopper?.abort();
    await this.loop;
    this.loop = undefined;
    if (!this.leading) return;
    const lease = this.observed?.lease;
    if (lease?.spec?.holderIdentity === this.identity) {
      const now = new V1MicroTime(this.clock.now());
      const spec: V1LeaseSpec = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaseTransitions: lease.spec.leaseTransitions ?? 0,
      };
      const released = await this.withDeadline(
        this.api.replaceNamespacedLease({
          name: this.o.name,
          namespace: this.o.namespace,
          body: { ...lease, spec },
        }),
        this.renewDeadlineMs,
      );
      this.log.info(
        { released: released !== undefined },
        released ? 'released leader lease' : 'could not release leader lease; it will expire',
      );
    }
    this.stepDown('stopping');
  }

  private async run(stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const result = await this.attempt(
        this.isLeader ? this.lastRenewSentAt + this.renewDeadlineMs : undefined,
        stop,
      );
      if (stop.aborted) return;
      if (!this.isLeader && result === 'acquired') this.becomeLeader();
      if (this.isLeader && result === 'held') this.stepDown('another holder has the lease');
      const deadline = this.lastRenewSentAt + this.renewDeadlineMs;
      if (this.isLeader && result === 'failed' && this.clock.now() >= deadline)
        this.stepDown(`could not renew within ${this.renewDeadlineMs} ms`);
      let wait = this.isLeader ? this.retryPeriodMs : this.jittered();
      if (this.isLeader) wait = Math.max(0, Math.min(wait, deadline - this.clock.now()));
      this.setPhase('waiting');
      try {
        await this.clock.sleep(wait, stop);
      } catch {
        return;
      }
    }
  }

  /** One GET + create/update round, like client-go's tryAcquireOrRenew. Never throws. */
  private async attempt(deadline: number | undefined, stop: AbortSignal): Promise<Attempt> {
    this.setPhase('requesting');
    const sentAt = this.clock.now();
    const budget = deadline === undefined ? this.renewDeadlineMs : Math.max(1, deadline - sentAt);
    // Requests still in flight at the deadline are aborted, so a partition does not pile up sockets.
    const cancel = new AbortController();
    const result = await this.withDeadline(
      this.tryAcquireOrRenew(sentAt, requestOptions(cancel.signal)),
      budget,
      stop,
    );
    cancel.abort();
    if (result === 'acquired' || result === 'renewed') {
      this.lastRenewSentAt = sentAt;
      this.lastRenewAt = this.clock.now();
    }
    return result ?? 'failed';
  }

  private async tryAcquireOrRenew(now: number, options: ConfigurationOptions): Promise<Attempt> {
    const ref = { name: this.o.name, namespace: this.o.namespace };
    const spec = (prev?: V1LeaseSpec): V1LeaseSpec => {
      const mine = prev?.holderIdentity === this.identity;
      return {
        holderIdentity: this.identity,
        leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
        acquireTime: mine && prev?.acquireTime ? new V1MicroTime(prev.acquireTime) : new V1MicroTime(now),
        renewTime: new V1MicroTime(now),
        leaseTransitions: mine ? (prev?.leaseTransitions ?? 0) : (prev?.leaseTransitions ?? -1) + 1,
      };
    };
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease(ref, options);
    } catch (err) {
      if (statusOf(err) !== 404) return this.failed('get', err);
      try {
        const created = await this.api.createNamespacedLease({
          namespace: this.o.namespace,
          body: { metadata: { name: this.o.name, namespace: this.o.namespace }, spec: spec() },
        });
        this.observe(created);
        return 'acquired';
      } catch (e) {
        return this.failed('create', e);
      }
    }
    this.observe(current);
    const holder = current.spec?.holderIdentity;
    const durationMs = (current.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (holder && holder !== this.identity && this.observed!.at + durationMs > this.clock.now())
      return 'held';
    const wasMine = holder === this.identity;
    try {
      const updated = await this.api.replaceNamespacedLease({
        ...ref,
        body: { ...current, spec: spec(current.spec) },
      });
      this.observe(updated);
      return wasMine && this.isLeader ? 'renewed' : 'acquired';
    } catch (err) {
      return this.failed('update', err);
    }
  }

  private observe(lease: V1Lease): void {
    const key = `${lease.metadata?.resourceVersion}|${JSON.stringify(lease.spec ?? {})}`;
    if (this.observed?.key !== key) this.observed = { key, at: this.clock.now(), lease };
    const holder = lease.spec?.holderIdentity || undefined;
    if (holder && holder !== this.currentLeader) {
      this.currentLeader = holder;
      this.log.info({ leader: holder }, 'new leader observed');
      this.callback('onNewLeader', () => this.o.onNewLeader?.(holder));
    }
  }

  private failed(op: string, err: unknown): Attempt {
    const code = statusOf(err);
    // 409: someone else wrote first (or the lease appeared); the next period re-reads it.
    this.log[code === 409 ? 'debug' : 'warn'](
      { op, status: code, err: code ? undefined : err },
      `lease ${op} failed`,
    );
    return 'failed';
  }

  private becomeLeader(): void {
    this.leading = new AbortController();
    this.transitions++;
    this.log.info('started leading');
    const signal = this.leading.signal;
    this.callback('onStartedLeading', () => this.o.onStartedLeading(signal));
  }

  private stepDown(reason: string): void {
    const leading = this.leading;
    if (!leading) return;
    this.leading = undefined;
    this.log.warn({ reason }, 'stopped leading');
    leading.abort(new Error(`leadership lost: ${reason}`));
    this.callback('onStoppedLeading', () => this.o.onStoppedLeading());
  }

  /** A throwing callback must not kill the election loop (which would leave a stale leader). */
  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, callback: name }, 'leader election callback failed');
    }
  }

  private jittered(): number {
    const factor = this.o.jitterFactor ?? 1.2;
    return this.retryPeriodMs * (1 + (this.o.random ?? Math.random)() * (factor - 1));
  }

  /** Resolves with the promise's value, or undefined once `ms` has passed on our clock or `signal` aborts. */
  private withDeadline<T>(p: Promise<T>, ms: number, signal?: AbortSignal): Promise<T | undefined> {
    let timer: TimerHandle | undefined;
    let onAbort: (() => void) | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(undefined), ms);
      onAbort = () => resolve(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([p.catch(() => undefined), timeout]).finally(() => {
      this.clock.clearTimeout(timer!);
      signal?.removeEventListener('abort', onAbort!);
    });
  }

  private setPhase(p: ElectorPhase): void {
    this.phaseNow = p;
    this.emit('phase', p);
  }
}

/** Per-request options that tie the HTTP request to `signal` (client-node's middleware hook). */
function requestOptions(signal: AbortSignal): ConfigurationOptions {
  const middleware: ObservableMiddleware = {
    pre: (ctx: RequestContext) => {
      ctx.setSignal(signal);
      return new Observable(Promise.resolve(ctx));
    },
    post: (ctx: ResponseContext) => new Observable(Promise.resolve(ctx)),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** `${POD_NAME ?? hostname}_${random}`: unique even when a pod restarts with the same name. */
export function defaultIdentity(env: NodeJS.ProcessEnv = process.env): string {
  return `${env.POD_NAME || hostname()}_${randomBytes(6).toString('hex')}`;
}

/** In a pod: the service-account token and CA; elsewhere: ~/.kube/config (or KUBECONFIG). */
export function loadKubeConfig(env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new KubeConfig();
  if (env.KUBERNETES_SERVICE_HOST) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

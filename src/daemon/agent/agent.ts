import { status } from '@grpc/grpc-js';
import { arch, hostname, platform, release } from 'node:os';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConnectionStatus,
  type ControlPlaneServiceClient,
  type HelloRequest,
  type HelloResponse,
} from '../../gen/baton_entra/v1/control_plane.js';
import { registerSecret, silentLogger, type Logger } from '../../observability/logger.js';
import type { SnapshotHeader } from '../../framework/engine/api.js';
import { materialiseSnapshotFile } from '../../snapshot/chain.js';
import { SnapshotFileError } from '../../snapshot/file.js';
import { isDiff } from '../../snapshot/header.js';
import type { AgentContext } from './context.js';
import type { AgentSettings, AgentStatus, HelloInfo, TaskHandler } from './types.js';
import { backoffDelay } from '../../retry/backoff.js';
import { Waker } from './waker.js';
import { parseClientSecret, TokenSource } from './credentials.js';
import { describe, isPermanent, isServiceError, openClient, unary } from './rpc.js';
import { Spool, type SpoolEntry } from './spool.js';
import { TaskResults } from './task-results.js';
import { TaskRunner } from './task-runner.js';
import { BaseMissing, UploadRejected, uploadSnapshot, type UploadOutcome } from './upload.js';

export type {
  AgentObserver,
  AgentSettings,
  AgentStatus,
  AgentTask,
  AgentTaskKind,
  HelloInfo,
  TaskHandler,
  TaskResult,
} from './types.js';

const DEFAULT_SPOOL = { maxBytes: 10 * 1024 ** 3, maxFiles: 50 };

/**
 * The daemon's side of the control-plane protocol: says Hello (retrying with backoff), runs the tasks
 * it is handed, and delivers spooled snapshots exactly once, surviving control-plane outages and
 * daemon restarts.
 */
export class ControlPlaneAgent {
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly spool: Spool;
  private readonly stopCtl = new AbortController();
  private readonly uploadWaker = new Waker();
  private readonly helloWaker = new Waker();
  private spoolReady?: Promise<void>;
  private client?: ControlPlaneServiceClient;
  private ctx?: AgentContext;
  private hello?: () => Promise<HelloInfo>;
  private helloed = false;
  private recipient: string | undefined;
  /** The control plane said in Hello that it stores diff snapshots (an older one does not say). */
  private acceptsDiffs = false;
  private helloing?: Promise<void>;
  private loops: Promise<unknown>[] = [];
  private state: Omit<AgentStatus, 'spoolDepth' | 'spoolBytes'> = { connected: false };

  constructor(private readonly settings: AgentSettings) {
    this.log = (settings.logger ?? silentLogger).child({ component: 'control-plane-agent' });
    this.now = settings.now ?? Date.now;
    registerSecret(settings.clientSecret);
    this.spool = new Spool(settings.dataDir, { ...DEFAULT_SPOOL, ...settings.spool }, this.log, this.now);
  }

  async start(handler: TaskHandler, hello: () => Promise<HelloInfo>): Promise<void> {
    const s = this.settings;
    if (this.client) throw new Error('the control-plane agent is already started');
    if (!s.address) throw new Error('BATON_CONTROL_PLANE_ADDRESS is required');
    if (!s.clientId) throw new Error('BATON_CLIENT_ID is required');
    if (!s.hostId) throw new Error('BATON_HOST_ID is required');
    const key = await parseClientSecret(s.clientSecret);
    await this.openSpool();
    await mkdir(s.dataDir, { recursive: true });
    this.hello = hello;
    const retry = { initialMs: s.retry?.initialMs ?? 1_000, maxMs: s.retry?.maxMs ?? 60_000 };
    this.client = openClient(s.address, s.tls, Math.min(retry.maxMs, 10_000));
    if (s.tls.mode === 'insecure')
      this.log.warn({ address: s.address }, 'control plane connection is not encrypted');
    const ctx: AgentContext = (this.ctx = {
      client: this.client,
      tokens: new TokenSource(s.clientId, key, this.now),
      hostId: s.hostId,
      log: this.log,
      signal: this.stopCtl.signal,
      retry,
      minIntervalMs: s.minIntervalMs ?? 1_000,
      now: this.now,
      markOk: () => {
        this.state.connected = true;
        this.tell((o) => o.connection(true));
      },
      markError: (err) => {
        this.state.connected = false;
        this.state.lastError = describe(err);
        this.tell((o) => o.connection(false));
      },
      rehello: () => {
        this.helloed = false;
        return this.ensureHello();
      },
      fatal: (err) => this.fatal(err),
    });
    try {
      await this.sayHello();
    } catch (err) {
      ctx.markError(err);
      if (isPermanent(err)) {
        this.client.close();
        this.state.refused = describe(err);
        throw new Error(`control plane refused Hello: ${describe(err)}`, { cause: err });
      }
      this.log.warn(
        { err: describe(err), address: s.address },
        'control plane unreachable; will keep trying',
      );
    }
    const runner = new TaskRunner(ctx, handler, new TaskResults(s.dataDir), s.taskConcurrency ?? 3);
    this.loops.push(
      this.ensureHello().then(() => runner.run()),
      this.ensureHello().then(() => this.uploadLoop()),
    );
    for (const l of this.loops)
      l.catch((err: unknown) => this.log.error({ err: describe(err) }, 'agent loop failed'));
  }

  /** The age recipient the control plane asked generated passwords to be sealed to (from Hello). */
  get passwordRecipient(): string | undefined {
    return this.recipient;
  }

  async submitSnapshot(file: string, header: SnapshotHeader, opts: { taskId?: string } = {}): Promise<void> {
    await this.openSpool();
    const entry = await this.spool.add(file, header, opts.taskId);
    this.reportSpool();
    this.log.info(
      { syncId: entry.syncId, kind: entry.kind, bytes: entry.bytes, spoolDepth: this.spool.depth() },
      'snapshot spooled',
    );
    this.uploadWaker.wake();
  }

  status(): AgentStatus {
    return { ...this.state, spoolDepth: this.spool.depth(), spoolBytes: this.spool.bytes() };
  }

  async stop(): Promise<void> {
    this.stopCtl.abort();
    await Promise.allSettled(this.loops);
    this.client?.close();
    this.state.connected = false;
  }

  private openSpool(): Promise<void> {
    this.spoolReady ??= this.spool.open().then(() => this.reportSpool());
    return this.spoolReady;
  }

  private reportSpool(): void {
    this.tell((o) => o.spool({ depth: this.spool.depth(), bytes: this.spool.bytes() }));
  }

  /** Tells the observer, if any; counting never breaks delivery. */
  private tell(fn: (o: NonNullable<AgentSettings['observer']>) => void): void {
    const o = this.settings.observer;
    if (!o) return;
    try {
      fn(o);
    } catch (err) {
      this.log.debug({ err: describe(err) }, 'agent observer failed');
    }
  }

  private async sayHello(): Promise<void> {
    const info = await this.hello!();
    const expiresAt = info.credentialExpiresAt ? new Date(info.credentialExpiresAt) : undefined;
    const s = this.settings;
    const req: HelloRequest = {
      hostId: s.hostId,
      version: s.version,
      capabilities: info.capabilities,
      connectionStatus: connectionStatus(info.connectionStatus),
      tenantId: info.tenantId ?? '',
      buildInfo: { langVersion: process.version, package: 'baton-entra', packageVersion: s.version },
      osInfo: { os: platform(), arch: arch(), hostname: hostname(), release: release() },
      ...(expiresAt && !Number.isNaN(expiresAt.getTime()) ? { credentialExpiresAt: expiresAt } : {}),
    };
    const res = await unary<HelloRequest, HelloResponse>(
      this.client!,
      this.client!.hello,
      req,
      this.ctx!.tokens,
    );
    this.recipient = res.passwordRecipient || undefined;
    this.acceptsDiffs = res.acceptsDiffSnapshots;
    this.helloed = true;
    this.ctx!.markOk();
    this.helloWaker.wake();
    this.log.info({ hostId: s.hostId, address: s.address }, 'connected to the control plane');
  }

  /** One Hello retry loop at a time, shared by everyone waiting for it. */
  private ensureHello(): Promise<void> {
    if (this.helloed) return Promise.resolve();
    this.helloing ??= this.helloLoop().finally(() => {
      this.helloing = undefined;
    });
    return this.helloing;
  }

  /** Retries Hello (1 s doubling to 5 min, Baton's pacing) until it works, stop, or a refusal. */
  private async helloLoop(): Promise<void> {
    const maxMs = this.settings.retry?.helloMaxMs ?? 5 * 60_000;
    for (let attempt = 0; !this.helloed && !this.stopCtl.signal.aborted; attempt++) {
      await this.helloWaker.sleep(
        backoffDelay(attempt + 1, { initialMs: this.ctx!.retry.initialMs, maxMs }),
        this.stopCtl.signal,
      );
      if (this.helloed || this.stopCtl.signal.aborted) break;
      try {
        await this.sayHello();
      } catch (err) {
        this.ctx!.markError(err);
        if (isPermanent(err)) return this.fatal(err);
        this.log.warn({ err: describe(err), attempt: attempt + 1 }, 'Hello failed; retrying');
      }
    }
  }

  private fatal(err: unknown): void {
    this.state.lastError = describe(err);
    this.state.refused = describe(err);
    this.state.connected = false;
    this.tell((o) => o.connection(false));
    this.settings.onRefused?.(
      new Error(`control plane refused this daemon: ${describe(err)}`, { cause: err }),
    );
    this.log.error({ err: describe(err) }, 'control plane refused this daemon; stopping the agent');
    this.stopCtl.abort();
  }

  /** Delivers the spool oldest first; an entry leaves the spool only once the control plane holds it. */
  private async uploadLoop(): Promise<void> {
    const ctx = this.ctx!;
    let failures = 0;
    while (!ctx.signal.aborted) {
      const entry = this.spool.next();
      if (!entry) {
        await this.uploadWaker.sleep(60_000, ctx.signal);
        continue;
      }
      try {
        await this.deliver(entry);
        failures = 0;
      } catch (err) {
        if (ctx.signal.aborted) break;
        this.tell((o) => o.upload({ result: 'failure', bytes: entry.bytes }));
        ctx.markError(err);
        if (isServiceError(err) && err.code === status.UNAUTHENTICATED) return this.fatal(err);
        if (isPermanent(err)) await ctx.rehello();
        const delay = backoffDelay(++failures, ctx.retry);
        this.log.warn(
          { syncId: entry.syncId, err: describe(err), delayMs: delay },
          'snapshot upload failed; will retry',
        );
        await this.uploadWaker.sleep(delay, ctx.signal);
      }
    }
  }

  /**
   * Uploads one entry. A diff goes as it is when the control plane takes diffs and holds its
   * parent; otherwise the whole snapshot of its sync replaces it in the spool and goes instead.
   */
  private async deliver(first: SpoolEntry): Promise<void> {
    const ctx = this.ctx!;
    let entry = first;
    this.spool.busy = entry.name;
    try {
      if (isDiff(entry.header) && !this.acceptsDiffs) {
        const whole = await this.makeWhole(entry, 'the control plane takes whole snapshots only');
        if (!whole) return;
        entry = whole;
      }
      let out: UploadOutcome;
      try {
        out = await this.upload(entry);
      } catch (err) {
        if (!(err instanceof BaseMissing)) throw err;
        const whole = await this.makeWhole(entry, err.message);
        if (!whole) return;
        entry = whole;
        out = await this.upload(entry);
      }
      await this.spool.remove(entry);
      this.reportSpool();
      this.tell((o) => o.upload({ result: out.duplicate ? 'duplicate' : 'success', bytes: entry.bytes }));
      ctx.markOk();
      this.state.lastUploadAt = new Date(this.now()).toISOString();
      this.log.info(
        {
          syncId: entry.syncId,
          bytes: out.bytes,
          diff: isDiff(entry.header),
          duplicate: out.duplicate,
          startOffsets: out.startOffsets,
        },
        'snapshot delivered',
      );
    } catch (err) {
      if (!(err instanceof UploadRejected)) throw err;
      // Kept aside for a person to look at; it must not block the snapshots behind it.
      const dir = join(this.settings.dataDir, 'spool-rejected');
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rename(this.spool.file(entry), join(dir, `${entry.name}.snapshot`)).catch(() => undefined);
      await this.spool.remove(entry);
      this.reportSpool();
      this.tell((o) => o.upload({ result: 'rejected', bytes: entry.bytes }));
      this.state.lastError = `snapshot ${entry.syncId} rejected: ${err.message}`;
      this.log.error(
        { syncId: entry.syncId, err: err.message, keptIn: dir },
        'control plane rejected a snapshot',
      );
    } finally {
      this.spool.busy = undefined;
    }
  }

  private upload(entry: SpoolEntry): Promise<UploadOutcome> {
    const ctx = this.ctx!;
    return uploadSnapshot(
      {
        client: ctx.client,
        tokens: ctx.tokens,
        hostId: ctx.hostId,
        logger: this.log,
        signal: ctx.signal,
        backoff: ctx.retry,
        ...(this.settings.retry?.uploadAttempts ? { maxAttempts: this.settings.retry.uploadAttempts } : {}),
      },
      this.spool.file(entry),
      entry,
    );
  }

  /**
   * Replaces a spooled diff by the whole snapshot of its sync, built from its chain (the daemon's
   * local chain, and the spool). When the chain cannot be read (a parent gone, or corrupt), the
   * diff can never be delivered: it is dropped, the daemon told, and undefined returned. Any other
   * failure (a full disk) is thrown, for the upload loop to try again later.
   */
  private async makeWhole(entry: SpoolEntry, reason: string): Promise<SpoolEntry | undefined> {
    const diff = this.spool.file(entry);
    const own = this.settings.chain;
    const source = { dirs: [...(own?.dirs ?? []), this.spool.dir], ...(own?.find ? { find: own.find } : {}) };
    try {
      const whole = await this.spool.replace(entry, (file) => materialiseSnapshotFile(diff, file, source));
      this.reportSpool();
      this.log.info(
        { syncId: entry.syncId, reason, diffBytes: entry.bytes, bytes: whole.bytes },
        'sending a diff snapshot whole',
      );
      return whole;
    } catch (err) {
      if (!(err instanceof SnapshotFileError)) throw err;
      await this.spool.remove(entry);
      this.reportSpool();
      this.state.lastError = `snapshot ${entry.syncId} dropped: ${err.message}`;
      this.log.error(
        { syncId: entry.syncId, reason, err: err.message },
        'a diff snapshot can be sent neither as it is nor whole (its local chain cannot be read): dropped it; the next sync will be a full one',
      );
      this.settings.onChainLost?.(entry.syncId);
      return undefined;
    }
  }
}

function connectionStatus(s: HelloInfo['connectionStatus']): ConnectionStatus {
  if (s === 'connected') return ConnectionStatus.CONNECTION_STATUS_CONNECTED;
  if (s === 'expired') return ConnectionStatus.CONNECTION_STATUS_EXPIRED;
  return ConnectionStatus.CONNECTION_STATUS_UNCONNECTED;
}

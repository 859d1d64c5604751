import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { ConfigError } from '../config/source.js';
import { silentLogger, type Logger } from '../observability/logger.js';

/**
 * Hot reload of settings mounted from a Kubernetes Secret/ConfigMap volume: one file per variable
 * (file name = variable name). The kubelet updates such a volume by writing a new hidden
 * `..<timestamp>` directory and atomically swapping the `..data` symlink the visible files point
 * through (https://kubernetes.io/docs/concepts/configuration/secret/#mounted-secrets-are-updated-automatically),
 * so we hash the whole file set, re-read if `..data` moved while reading, and ignore dotfiles.
 * Env vars never update in a running pod, hence the volume. Changes are found by polling (the
 * source of truth) with fs.watch on the directory as a hint for a prompt check.
 */
export interface ConfigWatcherOptions<T> {
  dir: string;
  baseEnv: NodeJS.ProcessEnv;
  load: (env: Record<string, string>) => T;
  onChange: (next: T, prev: T) => void | Promise<void>;
  onError: (err: Error) => void;
  pollMs?: number;
  /** Use fs.watch as a hint (default true). */
  watch?: boolean;
  clock?: Clock;
  logger?: Logger;
}

interface Snapshot {
  files: Record<string, string>;
  hash: string;
}

export class ConfigWatcher<T> {
  private readonly o: ConfigWatcherOptions<T>;
  private readonly clock: Clock;
  private readonly log: Logger;
  private value: T | undefined;
  private hash = '';
  private lastFiles: Record<string, string> = {};
  /** Hash of content that failed validation (or key of the last read error), reported once. */
  private rejectedHash = '';
  private timer: TimerHandle | undefined;
  private watcher: FSWatcher | undefined;
  private checking: Promise<void> | undefined;
  private again = false;
  private running = false;

  constructor(opts: ConfigWatcherOptions<T>) {
    this.o = opts;
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? silentLogger).child({ configDir: opts.dir });
  }

  /** The configuration currently in force. */
  get current(): T {
    if (this.value === undefined) throw new Error('ConfigWatcher.start() has not been called');
    return this.value;
  }

  /** Loads the initial configuration (throws ConfigError if invalid) and starts watching. */
  start(): T {
    let snap: Snapshot;
    try {
      snap = readDir(this.o.dir);
    } catch (err) {
      throw new ConfigError([
        `BATON_CONFIG_DIR: cannot read settings directory ${this.o.dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      ]);
    }
    this.value = this.o.load(this.effectiveEnv(snap));
    this.hash = snap.hash;
    this.lastFiles = snap.files;
    this.running = true;
    this.arm();
    if (this.o.watch ?? true) {
      try {
        this.watcher = watch(this.o.dir, { persistent: false }, () => void this.check());
        this.watcher.on('error', () => this.watcher?.close());
      } catch (err) {
        this.log.warn({ err }, 'cannot watch settings directory; relying on polling');
      }
    }
    return this.value;
  }

  stop(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Re-reads the directory now; concurrent calls coalesce into one extra pass. */
  check(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.checking) {
      this.again = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.again = false;
        await this.checkOnce();
      } while (this.again && this.running);
    })().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async checkOnce(): Promise<void> {
    let snap: Snapshot;
    try {
      snap = readDir(this.o.dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      return this.fail(
        `cannot read settings directory ${this.o.dir} (${code}); keeping the previous configuration`,
        `read:${code}`,
        err,
      );
    }
    if (snap.hash === this.hash || snap.hash === this.rejectedHash) return;
    const prev = this.value as T;
    const changed = changedNames(this.lastFiles, snap.files);
    let next: T;
    try {
      next = this.o.load(this.effectiveEnv(snap));
    } catch (err) {
      return this.fail(
        `settings change rejected (changed: ${changed.join(', ') || 'none'}); keeping the previous configuration: ${(err as Error).message}`,
        snap.hash,
        err,
      );
    }
    try {
      await this.o.onChange(next, prev);
    } catch (err) {
      // Not committed: the next poll tries to apply it again.
      return this.fail(
        `applying changed settings (${changed.join(', ')}) failed: ${(err as Error).message}`,
        '',
        err,
      );
    }
    this.value = next;
    this.hash = snap.hash;
    this.lastFiles = snap.files;
    this.rejectedHash = '';
    this.log.info({ changed }, 'settings reloaded');
  }

  /** Reports a problem once per distinct cause (not on every poll). */
  private fail(message: string, key: string, cause?: unknown): void {
    if (key && key === this.rejectedHash) return;
    this.rejectedHash = key;
    this.log.warn({ err: cause }, message);
    this.o.onError(new Error(message, { cause }));
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      void this.check().finally(() => this.running && this.arm());
    }, this.o.pollMs ?? 10_000);
  }

  private effectiveEnv(snap: Snapshot): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(this.o.baseEnv)) if (v !== undefined) env[k] = v;
    return Object.assign(env, snap.files);
  }
}

/** Reads every visible regular file; retries if the kubelet swapped `..data` mid-read. */
function readDir(dir: string): Snapshot {
  for (let attempt = 0; ; attempt++) {
    const before = dataTarget(dir);
    const files: Record<string, string> = {};
    for (const name of readdirSync(dir).sort()) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      try {
        if (!statSync(path).isFile()) continue;
        files[name] = readFileSync(path, 'utf8').trimEnd();
      } catch (err) {
        // A file can vanish between readdir and read during a swap; the retry sees the new set.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 3) throw err;
      }
    }
    if (dataTarget(dir) === before || attempt >= 3) {
      const hash = createHash('sha256')
        .update(JSON.stringify(Object.entries(files)))
        .digest('hex');
      return { files, hash };
    }
  }
}

function dataTarget(dir: string): string | undefined {
  try {
    return readlinkSync(join(dir, '..data'));
  } catch {
    return undefined;
  }
}

function changedNames(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

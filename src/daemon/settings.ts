import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { bool, cleanEnv, makeValidator, str } from 'envalid';
import { ConfigError } from '../config/source.js';
import { registerSecret } from '../observability/logger.js';
import { parseDuration, type ScheduleSettings } from './scheduler.js';
import type { AgentSettings } from './agent/agent.js';

/** Settings of `baton-entra serve` beyond the connector's own (src/config/). */
export interface DaemonSettings {
  controlPlane: Omit<AgentSettings, 'version' | 'logger' | 'now' | 'dataDir' | 'hostId'> | undefined;
  hostId: string;
  dataDir: string;
  http: { host: string; port: number };
  schedule: ScheduleSettings;
  /** A full sync at least this often; incremental syncs in between. */
  fullSyncIntervalMs: number;
  leaderElection:
    | {
        namespace: string;
        name: string;
        identity: string;
        leaseDurationMs: number;
        renewDeadlineMs: number;
        retryPeriodMs: number;
      }
    | undefined;
  /** Directory of file-mounted settings watched for hot reload (a Kubernetes Secret volume). */
  configDir: string | undefined;
  shutdownTimeoutMs: number;
  /** Local snapshots kept besides the one in use for incremental syncs. */
  keepSnapshots: number;
}

const duration = makeValidator<number>((input) => parseDuration(input));

const isoTime = makeValidator<Date>((input) => {
  const d = new Date(input);
  if (Number.isNaN(d.getTime())) throw new Error('expected an ISO 8601 time such as 2026-01-01T02:00:00Z');
  return d;
});

const count = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isInteger(n) || n < 0) throw new Error('expected a whole number ≥ 0');
  return n;
});

/** A TCP port; 0 asks the system for a free one. */
const port = makeValidator<number>((input) => {
  const n = Number(input);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('expected a port number 0–65535');
  return n;
});

const hostPort = makeValidator<string>((input) => {
  if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(input)) {
    throw new Error('expected host:port, e.g. control-plane.example.com:443');
  }
  return input;
});

/**
 * Reads the daemon's settings from an environment already resolved for `_FILE` variables (see
 * `resolveFileSettings`). Every problem is reported at once, naming the variable.
 */
export function loadDaemonSettings(env: Record<string, string | undefined>): DaemonSettings {
  const problems: string[] = [];
  const e = cleanEnv(
    env,
    {
      BATON_CONTROL_PLANE_ADDRESS: hostPort({ default: undefined, desc: 'control plane gRPC address' }),
      BATON_CLIENT_ID: str({ default: undefined }),
      BATON_CLIENT_SECRET: str({ default: undefined }),
      BATON_CONTROL_PLANE_TLS: str({ choices: ['tls', 'insecure'], default: 'tls' }),
      BATON_CONTROL_PLANE_CA: str({ default: undefined }),
      BATON_CONTROL_PLANE_CLIENT_CERT: str({ default: undefined }),
      BATON_CONTROL_PLANE_CLIENT_KEY: str({ default: undefined }),
      BATON_CONTROL_PLANE_SERVER_NAME: str({ default: undefined }),
      BATON_HOST_ID: str({ default: hostname() }),
      BATON_DATA_DIR: str({ default: '/tmp/baton' }),
      BATON_HTTP_HOST: str({ default: '0.0.0.0' }),
      BATON_HTTP_PORT: port({ default: 8080 }),
      BATON_SYNC_INTERVAL: duration({ default: undefined }),
      BATON_SYNC_CRON: str({ default: undefined }),
      BATON_SYNC_TIMEZONE: str({ default: undefined }),
      BATON_SYNC_START_AT: isoTime({ default: undefined }),
      BATON_SYNC_ACTIVE: bool({ default: true }),
      BATON_SYNC_ON_START: bool({ default: true }),
      BATON_FULL_SYNC_INTERVAL: duration({ default: parseDuration('24h') }),
      BATON_LEADER_ELECTION: bool({ default: false }),
      BATON_LEASE_NAME: str({ default: 'baton-entra' }),
      BATON_LEASE_NAMESPACE: str({ default: undefined }),
      BATON_LEASE_DURATION: duration({ default: 15_000 }),
      BATON_LEASE_RENEW_DEADLINE: duration({ default: 10_000 }),
      BATON_LEASE_RETRY_PERIOD: duration({ default: 2_000 }),
      POD_NAME: str({ default: undefined }),
      BATON_CONFIG_DIR: str({ default: undefined }),
      BATON_SHUTDOWN_TIMEOUT: duration({ default: 25_000 }),
      BATON_KEEP_SNAPSHOTS: count({ default: 2 }),
      BATON_SPOOL_MAX_BYTES: count({ default: 2 * 1024 ** 3 }),
      BATON_SPOOL_MAX_FILES: count({ default: 50 }),
    },
    {
      reporter: ({ errors }) => {
        for (const [name, err] of Object.entries(errors)) {
          problems.push(`${name}: ${(err as Error).message}`);
        }
      },
    },
  );
  if (problems.length) throw new ConfigError(problems);

  if (e.BATON_SYNC_INTERVAL !== undefined && e.BATON_SYNC_CRON !== undefined) {
    problems.push('BATON_SYNC_INTERVAL and BATON_SYNC_CRON are both set; set one of them');
  }
  const address = e.BATON_CONTROL_PLANE_ADDRESS;
  if (address && (!e.BATON_CLIENT_ID || !e.BATON_CLIENT_SECRET)) {
    problems.push(
      'BATON_CONTROL_PLANE_ADDRESS is set: BATON_CLIENT_ID and BATON_CLIENT_SECRET are required too',
    );
  }
  if (!address && (e.BATON_CLIENT_ID || e.BATON_CLIENT_SECRET)) {
    problems.push(
      'BATON_CLIENT_ID/BATON_CLIENT_SECRET are set but BATON_CONTROL_PLANE_ADDRESS is not (host:port)',
    );
  }
  if (Boolean(e.BATON_CONTROL_PLANE_CLIENT_CERT) !== Boolean(e.BATON_CONTROL_PLANE_CLIENT_KEY)) {
    problems.push('BATON_CONTROL_PLANE_CLIENT_CERT and BATON_CONTROL_PLANE_CLIENT_KEY go together (mTLS)');
  }
  const lease = e.BATON_LEASE_DURATION;
  const renew = e.BATON_LEASE_RENEW_DEADLINE;
  const retry = e.BATON_LEASE_RETRY_PERIOD;
  if (e.BATON_LEADER_ELECTION && !(lease > renew && renew > 1.2 * retry && retry > 0)) {
    problems.push(
      'BATON_LEASE_DURATION > BATON_LEASE_RENEW_DEADLINE > 1.2 × BATON_LEASE_RETRY_PERIOD > 0 is required',
    );
  }
  const namespace = e.BATON_LEASE_NAMESPACE ?? readServiceAccountNamespace();
  if (e.BATON_LEADER_ELECTION && !namespace) {
    problems.push(
      'BATON_LEADER_ELECTION=true needs BATON_LEASE_NAMESPACE (or an in-cluster service account)',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  registerSecret(e.BATON_CLIENT_SECRET);
  registerSecret(e.BATON_CONTROL_PLANE_CLIENT_KEY);

  const intervalMs = e.BATON_SYNC_INTERVAL ?? (e.BATON_SYNC_CRON ? undefined : parseDuration('1h'));
  return {
    controlPlane: address
      ? {
          address,
          clientId: e.BATON_CLIENT_ID!,
          clientSecret: e.BATON_CLIENT_SECRET!,
          tls: {
            mode: e.BATON_CONTROL_PLANE_TLS as 'tls' | 'insecure',
            caPem: e.BATON_CONTROL_PLANE_CA,
            certPem: e.BATON_CONTROL_PLANE_CLIENT_CERT,
            keyPem: e.BATON_CONTROL_PLANE_CLIENT_KEY,
            serverName: e.BATON_CONTROL_PLANE_SERVER_NAME,
          },
          spool: { maxBytes: e.BATON_SPOOL_MAX_BYTES, maxFiles: e.BATON_SPOOL_MAX_FILES },
        }
      : undefined,
    hostId: e.BATON_HOST_ID,
    dataDir: resolve(e.BATON_DATA_DIR),
    http: { host: e.BATON_HTTP_HOST, port: e.BATON_HTTP_PORT },
    schedule: {
      intervalMs,
      cron: e.BATON_SYNC_CRON,
      timezone: e.BATON_SYNC_TIMEZONE,
      startAt: e.BATON_SYNC_START_AT,
      active: e.BATON_SYNC_ACTIVE,
      runOnStart: e.BATON_SYNC_ON_START,
    },
    fullSyncIntervalMs: e.BATON_FULL_SYNC_INTERVAL,
    leaderElection: e.BATON_LEADER_ELECTION
      ? {
          namespace: namespace!,
          name: e.BATON_LEASE_NAME,
          identity: `${e.POD_NAME ?? hostname()}_${Math.random().toString(36).slice(2, 10)}`,
          leaseDurationMs: lease,
          renewDeadlineMs: renew,
          retryPeriodMs: retry,
        }
      : undefined,
    configDir: e.BATON_CONFIG_DIR,
    shutdownTimeoutMs: e.BATON_SHUTDOWN_TIMEOUT,
    keepSnapshots: e.BATON_KEEP_SNAPSHOTS,
  };
}

/** The namespace of the pod's service account, when running in a cluster. */
function readServiceAccountNamespace(): string | undefined {
  try {
    return (
      readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined
    );
  } catch {
    return undefined;
  }
}

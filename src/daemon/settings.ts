import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../config/source.js';
import {
  DAEMON,
  DAEMON_SETTINGS,
  readSettings,
  type ParsedValues,
  type SettingSpec,
} from '../config/settings.js';
import { parseDurationMs } from '../config/parse.js';
import { registerSecret } from '../observability/logger.js';
import type { ScheduleSettings } from './scheduler.js';
import type { AgentSettings } from './agent/agent.js';

/**
 * Settings of `baton-entra serve` beyond the connector's own, composed from the catalogue's parsed
 * values (src/config/settings/daemon.ts declares the variables, their parsers and shown defaults).
 */
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

/**
 * Reads the daemon's settings (the catalogue's `DAEMON` entries) from an environment already
 * resolved for `_FILE` variables (see `resolveFileSettings`). Every problem is reported at once,
 * naming the variable.
 */
export function loadDaemonSettings(env: Record<string, string | undefined>): DaemonSettings {
  const { values: e, problems } = readSettings(DAEMON, env);
  if (problems.length) throw new ConfigError(problems);
  const or = <K extends keyof Daemon>(name: K): NonNullable<ParsedValues<Daemon>[K]> =>
    (e[name] ?? withDefault(name)) as NonNullable<ParsedValues<Daemon>[K]>;

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
  const lease = or('BATON_LEASE_DURATION');
  const renew = or('BATON_LEASE_RENEW_DEADLINE');
  const retry = or('BATON_LEASE_RETRY_PERIOD');
  const leaderElection = or('BATON_LEADER_ELECTION');
  if (leaderElection && !(lease > renew && renew > 1.2 * retry && retry > 0)) {
    problems.push(
      'BATON_LEASE_DURATION > BATON_LEASE_RENEW_DEADLINE > 1.2 × BATON_LEASE_RETRY_PERIOD > 0 is required',
    );
  }
  const namespace = e.BATON_LEASE_NAMESPACE ?? readServiceAccountNamespace();
  if (leaderElection && !namespace) {
    problems.push(
      'BATON_LEADER_ELECTION=true needs BATON_LEASE_NAMESPACE (or an in-cluster service account)',
    );
  }
  if (problems.length) throw new ConfigError(problems);

  for (const s of DAEMON_SETTINGS) if (s.secret) registerSecret(env[s.name]);

  const intervalMs = e.BATON_SYNC_INTERVAL ?? (e.BATON_SYNC_CRON ? undefined : parseDurationMs('1h'));
  return {
    controlPlane: address
      ? {
          address,
          clientId: e.BATON_CLIENT_ID!,
          clientSecret: e.BATON_CLIENT_SECRET!,
          tls: {
            mode: or('BATON_CONTROL_PLANE_TLS'),
            caPem: e.BATON_CONTROL_PLANE_CA,
            certPem: e.BATON_CONTROL_PLANE_CLIENT_CERT,
            keyPem: e.BATON_CONTROL_PLANE_CLIENT_KEY,
            serverName: e.BATON_CONTROL_PLANE_SERVER_NAME,
          },
          spool: { maxBytes: or('BATON_SPOOL_MAX_BYTES'), maxFiles: or('BATON_SPOOL_MAX_FILES') },
          taskConcurrency: Math.max(1, or('BATON_TASK_CONCURRENCY')),
        }
      : undefined,
    hostId: e.BATON_HOST_ID ?? hostname(),
    dataDir: resolve(or('BATON_DATA_DIR')),
    http: { host: or('BATON_HTTP_HOST'), port: or('BATON_HTTP_PORT') },
    schedule: {
      intervalMs,
      cron: e.BATON_SYNC_CRON,
      timezone: e.BATON_SYNC_TIMEZONE,
      startAt: e.BATON_SYNC_START_AT,
      active: or('BATON_SYNC_ACTIVE'),
      runOnStart: or('BATON_SYNC_ON_START'),
    },
    fullSyncIntervalMs: or('BATON_FULL_SYNC_INTERVAL'),
    leaderElection: leaderElection
      ? {
          namespace: namespace!,
          name: or('BATON_LEASE_NAME'),
          identity: `${env.POD_NAME ?? hostname()}_${Math.random().toString(36).slice(2, 10)}`,
          leaseDurationMs: lease,
          renewDeadlineMs: renew,
          retryPeriodMs: retry,
        }
      : undefined,
    configDir: e.BATON_CONFIG_DIR,
    shutdownTimeoutMs: or('BATON_SHUTDOWN_TIMEOUT'),
    keepSnapshots: or('BATON_KEEP_SNAPSHOTS'),
  };
}

type Daemon = typeof DAEMON;

/** The value of a setting's default as the catalogue shows it (settings whose default is a value). */
function withDefault(name: keyof Daemon): unknown {
  const spec: SettingSpec = DAEMON[name];
  if (spec.default === undefined) throw new Error(`${name} has no default in the settings catalogue`);
  return spec.parse(spec.default);
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

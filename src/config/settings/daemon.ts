import {
  durationWithin,
  parseAddress,
  parseChoice,
  parseCount,
  parseIsoTime,
  parsePort,
  parseSwitch,
  parseVerbatim,
} from '../parse.js';
import { parseCron, parseListenHost, parsePath, parseServerName, parseTimeZone } from '../parse-daemon.js';
import { parsePemCertificates, parsePemPrivateKey } from '../parse-pem.js';
import { parseClientSecret } from '../client-secret.js';
import type { SettingSpecs } from '../settings.js';

export const CONTROL_PLANE_TLS_MODES = ['tls', 'insecure'] as const;

/**
 * The daemon's own settings, read by `loadDaemonSettings` (`baton-entra serve` only). Empty values
 * reach their parsers (unlike the connector's, where "" means unset).
 */
export const DAEMON = {
  BATON_CONTROL_PLANE_ADDRESS: {
    group: 'control-plane',
    description: 'host:port of the control plane (gRPC); without it snapshots stay local.',
    secret: false,
    parse: parseAddress,
  },
  BATON_CLIENT_ID: {
    group: 'control-plane',
    description: 'This daemon\u2019s client id at the control plane (`control-plane clients add`).',
    secret: false,
    parse: parseVerbatim,
  },
  BATON_CLIENT_SECRET: {
    group: 'control-plane',
    description: 'This daemon\u2019s client secret at the control plane.',
    secret: true,
    parse: parseClientSecret,
  },
  BATON_CONTROL_PLANE_TLS: {
    group: 'control-plane',
    description: `Transport to the control plane: tls, or insecure (plaintext, for loopback).`,
    default: 'tls',
    secret: false,
    parse: (r: string) => parseChoice(r, CONTROL_PLANE_TLS_MODES),
  },
  BATON_CONTROL_PLANE_CA: {
    group: 'control-plane',
    description: 'PEM trust anchor for the control plane\u2019s certificate (system roots when unset).',
    secret: false,
    parse: parsePemCertificates,
  },
  BATON_CONTROL_PLANE_CLIENT_CERT: {
    group: 'control-plane',
    description: 'PEM client certificate for mTLS, with BATON_CONTROL_PLANE_CLIENT_KEY.',
    secret: false,
    parse: parsePemCertificates,
  },
  BATON_CONTROL_PLANE_CLIENT_KEY: {
    group: 'control-plane',
    description: 'PEM private key of the mTLS client certificate.',
    secret: true,
    parse: parsePemPrivateKey,
  },
  BATON_CONTROL_PLANE_SERVER_NAME: {
    group: 'control-plane',
    description:
      'Name to verify the control plane\u2019s certificate against, instead of the address\u2019s host.',
    secret: false,
    parse: parseServerName,
  },
  BATON_SPOOL_MAX_BYTES: {
    group: 'control-plane',
    description: 'Bound on the bytes of snapshots waiting for upload (2 GiB by default).',
    default: '2147483648',
    secret: false,
    parse: parseCount,
  },
  BATON_SPOOL_MAX_FILES: {
    group: 'control-plane',
    description: 'Bound on the number of snapshots waiting for upload.',
    default: '50',
    secret: false,
    parse: parseCount,
  },
  BATON_TASK_CONCURRENCY: {
    group: 'control-plane',
    description:
      'Tasks run at once. Provisioning tasks mostly wait on Graph, and grants to one group coalesce only when they run together.',
    default: '20',
    secret: false,
    parse: parseCount,
  },
  BATON_SYNC_INTERVAL: {
    group: 'schedule',
    description:
      'Time from the end of one scheduled sync to the start of the next, 5s to 365d (e.g. 1h, 90m, PT1H).',
    default: '1h (none with BATON_SYNC_CRON)',
    secret: false,
    parse: durationWithin('5s', '365d'),
  },
  BATON_SYNC_CRON: {
    group: 'schedule',
    description:
      'Cron expression (5 fields, or 6 with seconds) for scheduled syncs, instead of an interval; an impossible date (31 February) is refused.',
    secret: false,
    parse: parseCron,
  },
  BATON_SYNC_TIMEZONE: {
    group: 'schedule',
    description: 'IANA time zone of BATON_SYNC_CRON, e.g. Europe/Paris.',
    default: 'the system\u2019s',
    secret: false,
    parse: parseTimeZone,
  },
  BATON_SYNC_START_AT: {
    group: 'schedule',
    description: 'No scheduled sync before this ISO 8601 time; interval runs align to it.',
    secret: false,
    parse: parseIsoTime,
  },
  BATON_SYNC_ACTIVE: {
    group: 'schedule',
    description: 'false pauses scheduled and start-up syncs (manual runs and tasks still run).',
    default: 'true',
    secret: false,
    parse: parseSwitch,
  },
  BATON_SYNC_ON_START: {
    group: 'schedule',
    description: 'Sync once at start-up.',
    default: 'true',
    secret: false,
    parse: parseSwitch,
  },
  BATON_FULL_SYNC_INTERVAL: {
    group: 'schedule',
    description: 'A full sync at least this often, 1m to 365d; incremental syncs in between.',
    default: '24h',
    secret: false,
    parse: durationWithin('1m', '365d'),
  },
  BATON_LEADER_ELECTION: {
    group: 'leader-election',
    description: 'Elect one active replica through a Kubernetes Lease.',
    default: 'false',
    secret: false,
    parse: parseSwitch,
  },
  BATON_LEASE_NAME: {
    group: 'leader-election',
    description: 'Name of the Lease.',
    default: 'baton-entra',
    secret: false,
    parse: parseVerbatim,
  },
  BATON_LEASE_NAMESPACE: {
    group: 'leader-election',
    description: 'Namespace of the Lease.',
    default: 'the pod\u2019s (service account)',
    secret: false,
    parse: parseVerbatim,
  },
  BATON_LEASE_DURATION: {
    group: 'leader-election',
    description: 'How long a lease holds without renewal (client-go\u2019s leaseDuration).',
    default: '15s',
    secret: false,
    parse: durationWithin('100ms', '1h'),
  },
  BATON_LEASE_RENEW_DEADLINE: {
    group: 'leader-election',
    description: 'A leader that cannot renew within this stops working (client-go\u2019s renewDeadline).',
    default: '10s',
    secret: false,
    parse: durationWithin('100ms', '1h'),
  },
  BATON_LEASE_RETRY_PERIOD: {
    group: 'leader-election',
    description: 'Time between attempts to acquire or renew the lease (client-go\u2019s retryPeriod).',
    default: '2s',
    secret: false,
    parse: durationWithin('100ms', '1h'),
  },
  BATON_HOST_ID: {
    group: 'daemon',
    description: 'How the control plane knows this daemon.',
    default: 'the host name',
    secret: false,
    parse: parseVerbatim,
  },
  BATON_DATA_DIR: {
    group: 'daemon',
    description:
      'Directory of snapshots, checkpoints and the upload spool; created if missing, and must be writable.',
    default: '/tmp/baton',
    secret: false,
    parse: parsePath,
  },
  BATON_HTTP_HOST: {
    group: 'daemon',
    description: 'Address the health and metrics server listens on.',
    default: '0.0.0.0',
    secret: false,
    parse: parseListenHost,
  },
  BATON_HTTP_PORT: {
    group: 'daemon',
    description: 'Port of /livez, /readyz and /metrics; 0 picks a free one.',
    default: '8080',
    secret: false,
    parse: parsePort,
  },
  BATON_CONFIG_DIR: {
    group: 'daemon',
    description: 'Directory of mounted settings (one file per variable) watched for changes (hot reload).',
    secret: false,
    parse: parseVerbatim,
  },
  BATON_SHUTDOWN_TIMEOUT: {
    group: 'daemon',
    description: 'Bound on a clean stop after SIGTERM (1s to 1h).',
    default: '25s',
    secret: false,
    parse: durationWithin('1s', '1h'),
  },
  BATON_KEEP_SNAPSHOTS: {
    group: 'daemon',
    description: 'Local snapshots kept besides the one in use for incremental syncs.',
    default: '2',
    secret: false,
    parse: parseCount,
  },
} satisfies SettingSpecs;

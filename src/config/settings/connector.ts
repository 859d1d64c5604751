import { GRAPH_EXPAND, RESOURCE_TYPE_IDS } from '../types.js';
import { CLOUD_NAMES } from '../clouds.js';
import {
  parseAgeRecipient,
  parseBool,
  durationWithin,
  parseChoice,
  parseCsvOf,
  parseGuidList,
  parseHostPort,
  parseHttpsOrigin,
  parseIntInRange,
  parsePositiveInt,
  parseProxyUrl,
  parseSecret,
  parseText,
} from '../parse.js';
import type { SettingSpec, SettingSpecs } from '../settings.js';

export const AUTH_MODES = ['client_secret', 'certificate', 'workload_identity', 'password'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const DEVICE_JOIN_TYPES = ['entra', 'hybrid', 'registered'] as const;

const flag = (description: string): SettingSpec<boolean> => ({
  group: 'connector',
  description,
  default: 'false',
  secret: false,
  parse: parseBool,
});

/** The connector's settings, read by `loadConfig` (every command that talks to Entra, `serve` included). */
export const CONNECTOR = {
  BATON_ENTRA_TENANT_ID: {
    group: 'connector',
    description: 'Directory (tenant) id: a GUID or a verified domain. Falls back to AZURE_TENANT_ID.',
    secret: false,
    parse: parseText,
  },
  BATON_ENTRA_CLIENT_ID: {
    group: 'connector',
    description: 'Application (client) id of the app registration (GUID). Falls back to AZURE_CLIENT_ID.',
    secret: false,
    parse: parseText,
  },
  BATON_ENTRA_CLIENT_SECRET: {
    group: 'connector',
    description: 'Client secret of the app registration (client_secret mode; optional with password mode).',
    secret: true,
    parse: parseSecret,
  },
  BATON_ENTRA_CERTIFICATE: {
    group: 'connector',
    description: 'PEM certificate (and chain) for certificate auth; may also hold the private key.',
    secret: false,
    parse: parseText,
  },
  BATON_ENTRA_CERTIFICATE_KEY: {
    group: 'connector',
    description: 'PEM private key of the certificate (PKCS#8 or PKCS#1).',
    secret: true,
    parse: parseSecret,
  },
  BATON_ENTRA_CERTIFICATE_PASSWORD: {
    group: 'connector',
    description: 'Password of an encrypted certificate private key.',
    secret: true,
    parse: parseSecret,
  },
  BATON_ENTRA_USERNAME: {
    group: 'connector',
    description: 'User principal name for the resource-owner password flow (password mode).',
    secret: false,
    parse: parseText,
  },
  BATON_ENTRA_PASSWORD: {
    group: 'connector',
    description: 'Password for the resource-owner password flow (password mode).',
    secret: true,
    parse: parseSecret,
  },
  BATON_ENTRA_AUTH_MODE: {
    group: 'connector',
    description: `How to authenticate: ${AUTH_MODES.join('|')}. Inferred from the credentials given when unset.`,
    secret: false,
    parse: (r: string) => parseChoice(r, AUTH_MODES),
  },
  BATON_ENTRA_CLOUD: {
    group: 'connector',
    description: `Cloud preset for authority, Graph and Exchange hosts: ${CLOUD_NAMES.join('|')}.`,
    default: 'public',
    secret: false,
    parse: (r: string) => parseChoice(r, CLOUD_NAMES),
  },
  BATON_GRAPH_DOMAIN: {
    group: 'connector',
    description: 'Microsoft Graph host, optionally with a port. Token scope is https://<domain>/.default.',
    default: 'graph.microsoft.com (per cloud)',
    secret: false,
    parse: parseHostPort,
  },
  BATON_ENTRA_AUTHORITY_HOST: {
    group: 'connector',
    description: 'Token authority origin (https only). Falls back to AZURE_AUTHORITY_HOST.',
    default: 'https://login.microsoftonline.com (per cloud)',
    secret: false,
    parse: parseHttpsOrigin,
  },
  BATON_EXCHANGE_BASE_URL: {
    group: 'connector',
    description: 'Exchange Online admin API origin (https only).',
    default: 'https://outlook.office365.com (per cloud)',
    secret: false,
    parse: parseHttpsOrigin,
  },
  BATON_HTTPS_PROXY: {
    group: 'connector',
    description: 'Proxy for outbound HTTPS; falls back to HTTPS_PROXY. NO_PROXY is honoured.',
    secret: false,
    parse: parseProxyUrl,
  },
  BATON_GRAPH_MAX_IN_FLIGHT: {
    group: 'connector',
    description: 'Microsoft Graph requests in flight at once (1-64).',
    default: '8',
    secret: false,
    parse: (r: string) => parseIntInRange(r, 1, 64),
  },
  BATON_GRAPH_EXPAND: {
    group: 'connector',
    description: `Read service principals' app-role assignments and owners with $expand in full listings: ${GRAPH_EXPAND.join('|')} (auto: whichever needs fewer requests).`,
    default: 'auto',
    secret: false,
    parse: (r: string) => parseChoice(r, GRAPH_EXPAND),
  },
  BATON_SKIP_AD_GROUPS: flag('Skip groups synchronised from on-premises AD (onPremisesSyncEnabled).'),
  BATON_INCLUDE_ON_PREM_GROUP_MEMBERS: flag(
    'With BATON_SKIP_AD_GROUPS: keep on-premises users as members of cloud groups.',
  ),
  BATON_SIGN_IN_ACTIVITY: flag(
    'Read users\u2019 signInActivity (needs AuditLog.Read.All and Entra ID P1/P2).',
  ),
  BATON_ON_PREMISES_EXTENSION_ATTRIBUTES: flag(
    'Sync onPremisesExtensionAttributes (extensionAttribute1..15) on users.',
  ),
  BATON_SKIP_UNASSIGNED_APPS: flag('Drop enterprise applications that have no app role assignments.'),
  BATON_SYNC_DEVICES: flag('Sync devices (needs Device.Read.All).'),
  BATON_DEVICE_JOIN_TYPES: {
    group: 'connector',
    description: `Device join types to sync, comma-separated: ${DEVICE_JOIN_TYPES.join(',')}.`,
    default: DEVICE_JOIN_TYPES.join(','),
    secret: false,
    parse: (r: string) => parseCsvOf(r, DEVICE_JOIN_TYPES),
  },
  BATON_DEVICE_STALE_DAYS: {
    group: 'connector',
    description: 'Mark devices without sign-in for this many days as stale.',
    secret: false,
    parse: parsePositiveInt,
  },
  BATON_USER_STALE_DAYS: {
    group: 'connector',
    description: 'Mark users without sign-in for this many days as stale (needs BATON_SIGN_IN_ACTIVITY).',
    secret: false,
    parse: parsePositiveInt,
  },
  BATON_SCOPE_GROUPS: {
    group: 'connector',
    description:
      'Sync only users that are (transitive) members of these group object ids (GUIDs), comma-separated; an empty list is refused.',
    secret: false,
    parse: parseGuidList,
  },
  BATON_LICENSED_USERS_ONLY: flag('Sync only users with at least one assigned license.'),
  BATON_SYNC_RESOURCE_TYPES: {
    group: 'connector',
    description: `Resource types to sync, comma-separated: ${RESOURCE_TYPE_IDS.join(',')}.`,
    default: 'all (device only with BATON_SYNC_DEVICES)',
    secret: false,
    parse: (r: string) => parseCsvOf(r, RESOURCE_TYPE_IDS),
  },
  BATON_PROVISIONING: {
    ...flag('Enable grant, revoke, account creation and actions.'),
    group: 'provisioning',
  },
  BATON_DELETION_GUARD_MAX: {
    group: 'provisioning',
    description:
      'Destructive operations (revoke, disable, delete, remove owner) allowed per guard window; beyond it they are held for approval.',
    default: '100',
    secret: false,
    parse: parsePositiveInt,
  },
  BATON_DELETION_GUARD_WINDOW: {
    group: 'provisioning',
    description: 'The deletion guard\u2019s sliding window, 1m to 30d (e.g. 1h, 30m).',
    default: '1h',
    secret: false,
    parse: durationWithin('1m', '30d'),
  },
  BATON_PASSWORD_RECIPIENT: {
    group: 'provisioning',
    description:
      'age X25519 recipient (age1\u2026) generated passwords are sealed to when a task names none.',
    secret: false,
    parse: parseAgeRecipient,
  },
  BATON_SCHEDULE_SCIM_PROVISIONING: {
    ...flag(
      'After an app-role grant, provision the principal on demand through the application\u2019s provisioning job.',
    ),
    group: 'provisioning',
  },
  BATON_LOG_LEVEL: {
    group: 'logging',
    description: `Log level: ${LOG_LEVELS.join('|')}.`,
    default: 'info',
    secret: false,
    parse: (r: string) => parseChoice(r, LOG_LEVELS),
  },
  BATON_LOG_FORMAT: {
    group: 'logging',
    description: 'Log format: json|console.',
    default: 'json',
    secret: false,
    parse: (r: string) => parseChoice(r, ['json', 'console'] as const),
  },
} satisfies SettingSpecs;

import { RESOURCE_TYPE_IDS } from './types.js';
import { CLOUD_NAMES } from './clouds.js';
import {
  parseBool,
  parseChoice,
  parseCsvOf,
  parseGuidList,
  parseHostPort,
  parseHttpsOrigin,
  parseIntInRange,
  parsePositiveInt,
  parseProxyUrl,
} from './parse.js';

/** One entry of the settings catalogue: what `config`, the docs and the loader know about a variable. */
export interface SettingInfo {
  name: string;
  description: string;
  /** The default as shown to people; undefined = unset unless derived (see description). */
  default?: string;
  /** Never printed or logged; registered for log scrubbing. */
  secret: boolean;
  /** Parses and validates a raw value; throws with what is expected. */
  parse: (raw: string) => unknown;
}

export const AUTH_MODES = ['client_secret', 'certificate', 'workload_identity', 'password'] as const;
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const DEVICE_JOIN_TYPES = ['entra', 'hybrid', 'registered'] as const;

const text = (raw: string): string => {
  if (raw.trim() === '') throw new Error('expected a non-empty value');
  return raw.trim();
};
// Secrets are kept byte for byte (only the trailing newline of a file is trimmed, by the _FILE resolver).
const secret = (raw: string): string => {
  if (raw === '') throw new Error('expected a non-empty value');
  return raw;
};
const bool = (name: string, description: string): SettingInfo => ({
  name,
  description,
  default: 'false',
  secret: false,
  parse: parseBool,
});

export const SETTINGS: readonly SettingInfo[] = [
  {
    name: 'BATON_ENTRA_TENANT_ID',
    description: 'Directory (tenant) id: a GUID or a verified domain. Falls back to AZURE_TENANT_ID.',
    secret: false,
    parse: text,
  },
  {
    name: 'BATON_ENTRA_CLIENT_ID',
    description: 'Application (client) id of the app registration (GUID). Falls back to AZURE_CLIENT_ID.',
    secret: false,
    parse: text,
  },
  {
    name: 'BATON_ENTRA_CLIENT_SECRET',
    description: 'Client secret of the app registration (client_secret mode; optional with password mode).',
    secret: true,
    parse: secret,
  },
  {
    name: 'BATON_ENTRA_CERTIFICATE',
    description: 'PEM certificate (and chain) for certificate auth; may also hold the private key.',
    secret: false,
    parse: text,
  },
  {
    name: 'BATON_ENTRA_CERTIFICATE_KEY',
    description: 'PEM private key of the certificate (PKCS#8 or PKCS#1).',
    secret: true,
    parse: secret,
  },
  {
    name: 'BATON_ENTRA_CERTIFICATE_PASSWORD',
    description: 'Password of an encrypted certificate private key.',
    secret: true,
    parse: secret,
  },
  {
    name: 'BATON_ENTRA_USERNAME',
    description: 'User principal name for the resource-owner password flow (password mode).',
    secret: false,
    parse: text,
  },
  {
    name: 'BATON_ENTRA_PASSWORD',
    description: 'Password for the resource-owner password flow (password mode).',
    secret: true,
    parse: secret,
  },
  {
    name: 'BATON_ENTRA_AUTH_MODE',
    description: `How to authenticate: ${AUTH_MODES.join('|')}. Inferred from the credentials given when unset.`,
    secret: false,
    parse: (r) => parseChoice(r, AUTH_MODES),
  },
  {
    name: 'BATON_ENTRA_CLOUD',
    description: `Cloud preset for authority, Graph and Exchange hosts: ${CLOUD_NAMES.join('|')}.`,
    default: 'public',
    secret: false,
    parse: (r) => parseChoice(r, CLOUD_NAMES),
  },
  {
    name: 'BATON_GRAPH_DOMAIN',
    description: 'Microsoft Graph host, optionally with a port. Token scope is https://<domain>/.default.',
    default: 'graph.microsoft.com (per cloud)',
    secret: false,
    parse: parseHostPort,
  },
  {
    name: 'BATON_ENTRA_AUTHORITY_HOST',
    description: 'Token authority origin (https only). Falls back to AZURE_AUTHORITY_HOST.',
    default: 'https://login.microsoftonline.com (per cloud)',
    secret: false,
    parse: parseHttpsOrigin,
  },
  {
    name: 'BATON_EXCHANGE_BASE_URL',
    description: 'Exchange Online admin API origin (https only).',
    default: 'https://outlook.office365.com (per cloud)',
    secret: false,
    parse: parseHttpsOrigin,
  },
  {
    name: 'BATON_HTTPS_PROXY',
    description: 'Proxy for outbound HTTPS; falls back to HTTPS_PROXY. NO_PROXY is honoured.',
    secret: false,
    parse: parseProxyUrl,
  },
  {
    name: 'BATON_GRAPH_MAX_IN_FLIGHT',
    description: 'Microsoft Graph requests in flight at once (1-64).',
    default: '8',
    secret: false,
    parse: (r) => parseIntInRange(r, 1, 64),
  },
  bool('BATON_SKIP_AD_GROUPS', 'Skip groups synchronised from on-premises AD (onPremisesSyncEnabled).'),
  bool(
    'BATON_INCLUDE_ON_PREM_GROUP_MEMBERS',
    'With BATON_SKIP_AD_GROUPS: keep on-premises users as members of cloud groups.',
  ),
  bool(
    'BATON_SIGN_IN_ACTIVITY',
    'Read users\u2019 signInActivity (needs AuditLog.Read.All and Entra ID P1/P2).',
  ),
  bool(
    'BATON_ON_PREMISES_EXTENSION_ATTRIBUTES',
    'Sync onPremisesExtensionAttributes (extensionAttribute1..15) on users.',
  ),
  bool('BATON_SKIP_UNASSIGNED_APPS', 'Drop enterprise applications that have no app role assignments.'),
  bool('BATON_SYNC_DEVICES', 'Sync devices (needs Device.Read.All).'),
  {
    name: 'BATON_DEVICE_JOIN_TYPES',
    description: `Device join types to sync, comma-separated: ${DEVICE_JOIN_TYPES.join(',')}.`,
    default: DEVICE_JOIN_TYPES.join(','),
    secret: false,
    parse: (r) => parseCsvOf(r, DEVICE_JOIN_TYPES),
  },
  {
    name: 'BATON_DEVICE_STALE_DAYS',
    description: 'Mark devices without sign-in for this many days as stale.',
    secret: false,
    parse: parsePositiveInt,
  },
  {
    name: 'BATON_USER_STALE_DAYS',
    description: 'Mark users without sign-in for this many days as stale (needs BATON_SIGN_IN_ACTIVITY).',
    secret: false,
    parse: parsePositiveInt,
  },
  {
    name: 'BATON_SCOPE_GROUPS',
    description: 'Sync only users that are (transitive) members of these group object ids, comma-separated.',
    secret: false,
    parse: parseGuidList,
  },
  bool('BATON_LICENSED_USERS_ONLY', 'Sync only users with at least one assigned license.'),
  {
    name: 'BATON_SYNC_RESOURCE_TYPES',
    description: `Resource types to sync, comma-separated: ${RESOURCE_TYPE_IDS.join(',')}.`,
    default: 'all (device only with BATON_SYNC_DEVICES)',
    secret: false,
    parse: (r) => parseCsvOf(r, RESOURCE_TYPE_IDS),
  },
  bool('BATON_PROVISIONING', 'Enable grant, revoke, account creation and actions.'),
  {
    name: 'BATON_LOG_LEVEL',
    description: `Log level: ${LOG_LEVELS.join('|')}.`,
    default: 'info',
    secret: false,
    parse: (r) => parseChoice(r, LOG_LEVELS),
  },
  {
    name: 'BATON_LOG_FORMAT',
    description: 'Log format: json|console.',
    default: 'json',
    secret: false,
    parse: (r) => parseChoice(r, ['json', 'console'] as const),
  },
];

export const SETTING_NAMES: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.name));

/**
 * Non-BATON variables read as fallbacks (the AKS workload identity webhook injects the AZURE_ ones).
 * https://azure.github.io/azure-workload-identity/docs/topics/service-account-labels-and-annotations.html
 */
export const FALLBACK_VARIABLES = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_AUTHORITY_HOST',
  'AZURE_FEDERATED_TOKEN_FILE',
  'HTTPS_PROXY',
  'https_proxy',
  'NO_PROXY',
  'no_proxy',
] as const;

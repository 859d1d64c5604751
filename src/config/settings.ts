import { cleanEnv, makeValidator } from 'envalid';
import { CONNECTOR } from './settings/connector.js';
import { DAEMON } from './settings/daemon.js';

export { AUTH_MODES, LOG_LEVELS, DEVICE_JOIN_TYPES } from './settings/connector.js';

/** Where a setting belongs, in the order `config --list` shows the groups. */
export const SETTING_GROUPS = {
  connector: 'Connector (tenant, credentials, cloud, what to sync)',
  provisioning: 'Provisioning',
  logging: 'Logging',
  'control-plane': 'Control plane and upload spool (serve)',
  schedule: 'Sync schedule (serve)',
  'leader-election': 'Leader election (serve)',
  daemon: 'Host, storage, health and shutdown (serve)',
} as const;

export type SettingGroup = keyof typeof SETTING_GROUPS;

/** One entry of the settings catalogue: what `config`, the docs and the loaders know about a variable. */
export interface SettingInfo<T = unknown> {
  name: string;
  group: SettingGroup;
  description: string;
  /** The default as shown to people; undefined = unset unless derived (see description). */
  default?: string;
  /** Never printed or logged; registered for log scrubbing. */
  secret: boolean;
  /** Parses and validates a raw value; throws with what is expected (the loader prefixes the name). */
  parse: (raw: string) => T;
}

/** A catalogue entry keyed by its name. */
export type SettingSpec<T = unknown> = Omit<SettingInfo<T>, 'name'>;
export type SettingSpecs = Record<string, SettingSpec>;

/** What `readSettings` found: each setting that was present and valid, parsed. */
export type ParsedValues<M extends SettingSpecs> = { [K in keyof M]?: ReturnType<M[K]['parse']> };

function entriesOf(specs: SettingSpecs): SettingInfo[] {
  return Object.entries(specs).map(([name, spec]) => ({ name, ...spec }));
}

export { CONNECTOR, DAEMON };
export const CONNECTOR_SETTINGS: readonly SettingInfo[] = entriesOf(CONNECTOR);
export const DAEMON_SETTINGS: readonly SettingInfo[] = entriesOf(DAEMON);

/** Every BATON_* variable, the connector's and the daemon's. */
export const SETTINGS: readonly SettingInfo[] = [...CONNECTOR_SETTINGS, ...DAEMON_SETTINGS];

export const SETTING_NAMES: ReadonlySet<string> = new Set(SETTINGS.map((s) => s.name));

/**
 * Parses the settings of `specs` found in `env` (absent ones stay undefined). Returns the valid
 * values and one problem per invalid variable, `NAME: what is expected`, in catalogue order.
 */
export function readSettings<M extends SettingSpecs>(
  specs: M,
  env: Record<string, string | undefined>,
): { values: ParsedValues<M>; problems: string[] } {
  const problems: string[] = [];
  const failed = new Set<string>();
  const validators = Object.fromEntries(
    Object.entries(specs).map(([name, s]) => [name, makeValidator(s.parse)({ default: undefined })]),
  );
  const clean = cleanEnv(env, validators, {
    reporter: ({ errors }) => {
      for (const [name, err] of Object.entries(errors)) {
        failed.add(name);
        problems.push(`${name}: ${(err as Error).message}`);
      }
    },
  }) as Record<string, unknown>;
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(specs)) {
    if (!failed.has(name) && clean[name] !== undefined) values[name] = clean[name];
  }
  return { values: values as ParsedValues<M>, problems };
}

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

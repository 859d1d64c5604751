import { ConfigError, resolveFileSettings } from './source.js';
import { RESOURCE_TYPE_IDS, type ConnectorConfig, type EntraAuth } from './types.js';
import { CONNECTOR, CONNECTOR_SETTINGS, readSettings } from './settings.js';
import { CLOUD_PRESETS } from './clouds.js';
import { parseHttpsOrigin, parseProxyUrl } from './parse.js';
import { unknownNames } from './unknown-names.js';
import { certificateKeyOf, resolveAuthMode, validateConfig, type ParsedSettings } from './validate.js';
import { registerSecret } from '../observability/logger.js';

/**
 * Reads the connector configuration from `env` (BATON_X_FILE resolved first), validates every
 * variable and the rules between them, and returns the typed config. Throws `ConfigError` listing
 * every problem, one line each, naming the variable; secret values never appear in the message.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConnectorConfig {
  const resolved = resolveFileSettings(env);
  for (const s of CONNECTOR_SETTINGS) if (s.secret) registerSecret(resolved[s.name]);

  const problems = unknownNames(resolved, 'lenient');
  const { parsed, problems: parseProblems } = parseSettings(resolved);
  // A private key embedded in the certificate PEM is as secret as BATON_ENTRA_CERTIFICATE_KEY.
  registerSecret(certificateKeyOf(parsed));
  problems.push(...parseProblems, ...validateConfig(parsed));
  if (problems.length) throw new ConfigError(problems);
  return buildConfig(parsed);
}

function parseSettings(env: Record<string, string>): { parsed: ParsedSettings; problems: string[] } {
  // Empty strings count as unset (Helm renders unset values as "").
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''));
  const { values: v, problems } = readSettings(CONNECTOR, present);

  const fallback = (name: string, parse: (raw: string) => string): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      return parse(raw);
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const trimmed = (raw: string): string => raw.trim();

  const parsed: ParsedSettings = {
    tenantId: v.BATON_ENTRA_TENANT_ID ?? fallback('AZURE_TENANT_ID', trimmed),
    clientId: v.BATON_ENTRA_CLIENT_ID ?? fallback('AZURE_CLIENT_ID', trimmed),
    clientSecret: v.BATON_ENTRA_CLIENT_SECRET,
    certificate: v.BATON_ENTRA_CERTIFICATE,
    certificateKey: v.BATON_ENTRA_CERTIFICATE_KEY,
    certificatePassword: v.BATON_ENTRA_CERTIFICATE_PASSWORD,
    username: v.BATON_ENTRA_USERNAME,
    password: v.BATON_ENTRA_PASSWORD,
    federatedTokenFile: fallback('AZURE_FEDERATED_TOKEN_FILE', trimmed),
    authMode: v.BATON_ENTRA_AUTH_MODE,
    cloud: v.BATON_ENTRA_CLOUD,
    graphDomain: v.BATON_GRAPH_DOMAIN,
    authorityHost: v.BATON_ENTRA_AUTHORITY_HOST ?? fallback('AZURE_AUTHORITY_HOST', parseHttpsOrigin),
    exchangeBaseUrl: v.BATON_EXCHANGE_BASE_URL,
    httpsProxy:
      v.BATON_HTTPS_PROXY ?? fallback('HTTPS_PROXY', parseProxyUrl) ?? fallback('https_proxy', parseProxyUrl),
    noProxy: env['NO_PROXY'] || env['no_proxy'] || undefined,
    skipAdGroups: v.BATON_SKIP_AD_GROUPS,
    includeOnPremGroupMembers: v.BATON_INCLUDE_ON_PREM_GROUP_MEMBERS,
    signInActivity: v.BATON_SIGN_IN_ACTIVITY,
    onPremisesExtensionAttributes: v.BATON_ON_PREMISES_EXTENSION_ATTRIBUTES,
    skipUnassignedApps: v.BATON_SKIP_UNASSIGNED_APPS,
    syncDevices: v.BATON_SYNC_DEVICES,
    deviceJoinTypes: v.BATON_DEVICE_JOIN_TYPES,
    deviceStaleDays: v.BATON_DEVICE_STALE_DAYS,
    userStaleDays: v.BATON_USER_STALE_DAYS,
    scopeGroups: v.BATON_SCOPE_GROUPS,
    licensedUsersOnly: v.BATON_LICENSED_USERS_ONLY,
    syncResourceTypes: v.BATON_SYNC_RESOURCE_TYPES,
    provisioning: v.BATON_PROVISIONING,
    deletionGuardMax: v.BATON_DELETION_GUARD_MAX,
    deletionGuardWindowMs: v.BATON_DELETION_GUARD_WINDOW,
    passwordRecipient: v.BATON_PASSWORD_RECIPIENT,
    scheduleScimProvisioning: v.BATON_SCHEDULE_SCIM_PROVISIONING,
    graphMaxInFlight: v.BATON_GRAPH_MAX_IN_FLIGHT,
    graphExpand: v.BATON_GRAPH_EXPAND,
    logLevel: v.BATON_LOG_LEVEL,
    logFormat: v.BATON_LOG_FORMAT,
  };
  if (parsed.httpsProxy) registerSecret(new URL(parsed.httpsProxy).password || undefined);
  return { parsed, problems };
}

/** Applies defaults and cloud presets to settings that passed `validateConfig`. */
export function buildConfig(s: ParsedSettings): ConnectorConfig {
  const cloud =
    s.cloud ?? (s.graphDomain !== undefined || s.authorityHost !== undefined ? 'custom' : 'public');
  const preset = CLOUD_PRESETS[cloud === 'custom' ? 'public' : cloud];
  const graphDomain = s.graphDomain ?? preset.graphDomain;
  const graphBaseUrl = `https://${graphDomain}`;
  const syncDevices = s.syncDevices ?? false;
  return {
    auth: buildAuth(s),
    cloud,
    authorityHost: s.authorityHost ?? preset.authorityHost,
    graphDomain,
    graphBaseUrl,
    // A custom (test or sovereign) deployment serves the Exchange admin API next to Graph unless told otherwise.
    exchangeBaseUrl: s.exchangeBaseUrl ?? (cloud === 'custom' ? graphBaseUrl : preset.exchangeBaseUrl),
    ...(s.httpsProxy !== undefined ? { httpsProxy: s.httpsProxy } : {}),
    ...(s.noProxy !== undefined ? { noProxy: s.noProxy } : {}),
    skipAdGroups: s.skipAdGroups ?? false,
    includeOnPremGroupMembers: s.includeOnPremGroupMembers ?? false,
    signInActivity: s.signInActivity ?? false,
    onPremisesExtensionAttributes: s.onPremisesExtensionAttributes ?? false,
    skipUnassignedApps: s.skipUnassignedApps ?? false,
    syncDevices,
    deviceJoinTypes: s.deviceJoinTypes ?? ['entra', 'hybrid', 'registered'],
    ...(s.deviceStaleDays !== undefined ? { deviceStaleDays: s.deviceStaleDays } : {}),
    ...(s.userStaleDays !== undefined ? { userStaleDays: s.userStaleDays } : {}),
    scopeGroups: s.scopeGroups ?? [],
    licensedUsersOnly: s.licensedUsersOnly ?? false,
    syncResourceTypes: s.syncResourceTypes ?? RESOURCE_TYPE_IDS.filter((t) => t !== 'device' || syncDevices),
    provisioning: s.provisioning ?? false,
    deletionGuard: { max: s.deletionGuardMax ?? 100, windowMs: s.deletionGuardWindowMs ?? 3_600_000 },
    ...(s.passwordRecipient !== undefined ? { passwordRecipient: s.passwordRecipient } : {}),
    scheduleScimProvisioning: s.scheduleScimProvisioning ?? false,
    ...(s.graphMaxInFlight !== undefined ? { graphMaxInFlight: s.graphMaxInFlight } : {}),
    ...(s.graphExpand !== undefined ? { graphExpand: s.graphExpand } : {}),
    logLevel: s.logLevel ?? 'info',
    logFormat: s.logFormat ?? 'json',
  };
}

function buildAuth(s: ParsedSettings): EntraAuth {
  const auth = resolveAuthMode(s);
  if ('problem' in auth) throw new ConfigError([auth.problem]);
  const base = { tenantId: s.tenantId!, clientId: s.clientId!.toLowerCase() };
  switch (auth.mode) {
    case 'client_secret':
      return { mode: 'client_secret', ...base, clientSecret: s.clientSecret! };
    case 'certificate': {
      const certificatePem = s.certificate!.replace(
        /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\s*/g,
        '',
      );
      return {
        mode: 'certificate',
        ...base,
        certificatePem,
        privateKeyPem: certificateKeyOf(s)!,
        ...(s.certificatePassword !== undefined ? { certificatePassword: s.certificatePassword } : {}),
      };
    }
    case 'password':
      return {
        mode: 'password',
        ...base,
        username: s.username!,
        password: s.password!,
        ...(s.clientSecret !== undefined ? { clientSecret: s.clientSecret } : {}),
      };
    case 'workload_identity':
      return { mode: 'workload_identity', ...base, tokenFilePath: s.federatedTokenFile! };
  }
}

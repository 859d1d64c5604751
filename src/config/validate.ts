import type { DeviceJoinType, EntraCloud, GraphExpand, ResourceTypeId } from './types.js';
import type { AUTH_MODES, LOG_LEVELS } from './settings.js';
import { isDomainName, isGuid } from './parse.js';

export type AuthMode = (typeof AUTH_MODES)[number];

/**
 * Settings after per-variable parsing, before defaults: `undefined` means "not set". Fallbacks from
 * AZURE_* / HTTPS_PROXY are already applied (BATON_ values win).
 */
export interface ParsedSettings {
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  certificate?: string;
  certificateKey?: string;
  certificatePassword?: string;
  username?: string;
  password?: string;
  federatedTokenFile?: string;
  authMode?: AuthMode;
  cloud?: EntraCloud;
  graphDomain?: string;
  authorityHost?: string;
  exchangeBaseUrl?: string;
  httpsProxy?: string;
  noProxy?: string;
  skipAdGroups?: boolean;
  includeOnPremGroupMembers?: boolean;
  signInActivity?: boolean;
  onPremisesExtensionAttributes?: boolean;
  skipUnassignedApps?: boolean;
  syncDevices?: boolean;
  deviceJoinTypes?: DeviceJoinType[];
  deviceStaleDays?: number;
  userStaleDays?: number;
  scopeGroups?: string[];
  licensedUsersOnly?: boolean;
  syncResourceTypes?: ResourceTypeId[];
  provisioning?: boolean;
  deletionGuardMax?: number;
  deletionGuardWindowMs?: number;
  passwordRecipient?: string;
  scheduleScimProvisioning?: boolean;
  graphMaxInFlight?: number;
  graphExpand?: GraphExpand;
  logLevel?: (typeof LOG_LEVELS)[number];
  logFormat?: 'json' | 'console';
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PEM_KEY =
  /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/;

/** The private key, from BATON_ENTRA_CERTIFICATE_KEY or embedded in a combined PEM certificate. */
export function certificateKeyOf(s: ParsedSettings): string | undefined {
  return s.certificateKey ?? s.certificate?.match(PEM_KEY)?.[0];
}

/**
 * The authentication mode: explicit, or inferred from which credentials are present. Returns a
 * problem instead when nothing or more than one kind of credential is given.
 */
export function resolveAuthMode(s: ParsedSettings): { mode: AuthMode } | { problem: string } {
  if (s.authMode) return { mode: s.authMode };
  const present: [AuthMode, string][] = [];
  if (s.username !== undefined || s.password !== undefined)
    present.push(['password', 'BATON_ENTRA_USERNAME/BATON_ENTRA_PASSWORD']);
  // With ROPC a client secret is the confidential client's own credential, not a second mode.
  else if (s.clientSecret !== undefined) present.push(['client_secret', 'BATON_ENTRA_CLIENT_SECRET']);
  if (s.certificate !== undefined || s.certificateKey !== undefined)
    present.push(['certificate', 'BATON_ENTRA_CERTIFICATE']);
  if (s.federatedTokenFile !== undefined) present.push(['workload_identity', 'AZURE_FEDERATED_TOKEN_FILE']);
  if (present.length === 1) return { mode: present[0]![0] };
  if (present.length === 0) {
    return {
      problem:
        'BATON_ENTRA_AUTH_MODE: no credentials found; set BATON_ENTRA_CLIENT_SECRET, BATON_ENTRA_CERTIFICATE (+ _KEY), ' +
        'BATON_ENTRA_USERNAME + BATON_ENTRA_PASSWORD, or AZURE_FEDERATED_TOKEN_FILE',
    };
  }
  return {
    problem: `BATON_ENTRA_AUTH_MODE: credentials for several modes are set (${present.map((p) => p[1]).join(', ')}); set BATON_ENTRA_AUTH_MODE to one of ${present.map((p) => p[0]).join(', ')}`,
  };
}

/** Cross-field rules. Pure: returns one line per problem, each naming the variable(s). */
export function validateConfig(s: ParsedSettings): string[] {
  const problems: string[] = [];
  if (s.tenantId === undefined)
    problems.push(
      'BATON_ENTRA_TENANT_ID: required (or AZURE_TENANT_ID); expected a tenant GUID or verified domain',
    );
  else if (!isGuid(s.tenantId) && !isDomainName(s.tenantId)) {
    problems.push(
      'BATON_ENTRA_TENANT_ID: expected a tenant GUID or a verified domain such as contoso.onmicrosoft.com',
    );
  }
  if (s.clientId === undefined)
    problems.push(
      'BATON_ENTRA_CLIENT_ID: required (or AZURE_CLIENT_ID); expected the application (client) id GUID',
    );
  else if (!isGuid(s.clientId))
    problems.push('BATON_ENTRA_CLIENT_ID: expected the application (client) id, a GUID');

  const auth = resolveAuthMode(s);
  if ('problem' in auth) problems.push(auth.problem);
  else problems.push(...authProblems(auth.mode, s));

  if (s.includeOnPremGroupMembers && !s.skipAdGroups) {
    problems.push(
      'BATON_INCLUDE_ON_PREM_GROUP_MEMBERS: only meaningful with BATON_SKIP_AD_GROUPS=true; set both or remove it',
    );
  }
  if (!s.syncDevices) {
    if (s.syncResourceTypes?.includes('device'))
      problems.push('BATON_SYNC_RESOURCE_TYPES: lists device but BATON_SYNC_DEVICES is not true');
    if (s.deviceJoinTypes !== undefined)
      problems.push('BATON_DEVICE_JOIN_TYPES: only meaningful with BATON_SYNC_DEVICES=true');
    if (s.deviceStaleDays !== undefined)
      problems.push('BATON_DEVICE_STALE_DAYS: only meaningful with BATON_SYNC_DEVICES=true');
  }
  if (s.deviceJoinTypes !== undefined && s.deviceJoinTypes.length === 0)
    problems.push('BATON_DEVICE_JOIN_TYPES: expected at least one of entra, hybrid, registered');
  if (s.syncResourceTypes !== undefined && s.syncResourceTypes.length === 0)
    problems.push('BATON_SYNC_RESOURCE_TYPES: expected at least one resource type');
  if (s.userStaleDays !== undefined && !s.signInActivity) {
    problems.push(
      'BATON_USER_STALE_DAYS: needs BATON_SIGN_IN_ACTIVITY=true (staleness is computed from signInActivity)',
    );
  }
  if (s.cloud === 'custom' && (s.graphDomain === undefined || s.authorityHost === undefined)) {
    problems.push('BATON_ENTRA_CLOUD: custom needs BATON_GRAPH_DOMAIN and BATON_ENTRA_AUTHORITY_HOST');
  }
  return problems;
}

function authProblems(mode: AuthMode, s: ParsedSettings): string[] {
  const problems: string[] = [];
  if (s.certificatePassword !== undefined && mode !== 'certificate') {
    problems.push(
      `BATON_ENTRA_CERTIFICATE_PASSWORD: only used with certificate auth, but the auth mode is ${mode}`,
    );
  }
  switch (mode) {
    case 'client_secret':
      if (s.clientSecret === undefined)
        problems.push('BATON_ENTRA_CLIENT_SECRET: required for client_secret auth');
      break;
    case 'certificate': {
      if (s.certificate === undefined)
        problems.push(
          'BATON_ENTRA_CERTIFICATE: required for certificate auth (PEM text, or BATON_ENTRA_CERTIFICATE_FILE)',
        );
      else if (!PEM_CERT.test(s.certificate))
        problems.push('BATON_ENTRA_CERTIFICATE: expected PEM text with a -----BEGIN CERTIFICATE----- block');
      const key = certificateKeyOf(s);
      if (key === undefined)
        problems.push(
          'BATON_ENTRA_CERTIFICATE_KEY: required with BATON_ENTRA_CERTIFICATE (PEM private key), unless the certificate PEM includes the key',
        );
      else if (!PEM_KEY.test(key))
        problems.push(
          'BATON_ENTRA_CERTIFICATE_KEY: expected a PEM private key (-----BEGIN PRIVATE KEY----- or RSA/EC/ENCRYPTED)',
        );
      else if (key.includes('ENCRYPTED') && s.certificatePassword === undefined) {
        problems.push('BATON_ENTRA_CERTIFICATE_PASSWORD: required, the certificate private key is encrypted');
      }
      break;
    }
    case 'password':
      if (s.username === undefined) problems.push('BATON_ENTRA_USERNAME: required for password (ROPC) auth');
      if (s.password === undefined) problems.push('BATON_ENTRA_PASSWORD: required for password (ROPC) auth');
      break;
    case 'workload_identity':
      if (s.federatedTokenFile === undefined)
        problems.push(
          'AZURE_FEDERATED_TOKEN_FILE: required for workload_identity auth (path of the projected service account token)',
        );
      break;
  }
  return problems;
}

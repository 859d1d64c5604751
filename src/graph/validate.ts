import type { TokenCredential } from '@azure/identity';
import type { ConnectorConfig } from '../config/types.js';
import type { GraphClient } from './types.js';
import { GraphError } from './errors.js';
import { classifyCredentialError } from './classify.js';
import { explainTokenFailure } from './credential-refusal.js';
import { exchangeScope, graphScope } from './credentials.js';
import { checkCredentialExpiry, type CredentialExpiry } from './credential-expiry.js';
import { excessPermissions, tokenRoles } from './token-roles.js';
import { missingWritePermissions } from './write-permissions.js';

export type ConnectionStatus = 'connected' | 'unconnected' | 'expired';

export interface ProbeResult {
  /** The feature that needs this call: a resource type id, `sign_in_activity`, `events`, `exchange`. */
  feature: string;
  /** What was tried, e.g. `GET /users?$top=1`. */
  check: string;
  ok: boolean;
  kind?: GraphError['kind'];
  code?: string;
  missingPermission?: string;
  message?: string;
  /**
   * The token was refused by Entra for the configuration (a wrong secret, an unknown tenant …):
   * what it said, naming the setting to fix. No retry can succeed.
   */
  refused?: string;
}

export interface ValidationReport {
  status: ConnectionStatus;
  tenantId: string;
  clientId: string;
  authMode: string;
  authorityHost: string;
  graphBaseUrl: string;
  token: ProbeResult;
  probes: ProbeResult[];
  credential?: CredentialExpiry;
  /** Application permissions in the Graph token (`roles`), when the token is a readable JWT. */
  grantedPermissions?: string[];
  warnings: string[];
}

/** AADSTS codes meaning the credential itself is past its end date. https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes */
const EXPIRED_CODES = new Set(['AADSTS7000222', 'AADSTS700027', 'AADSTS700024']);

interface Probe {
  feature: string;
  path: string;
  /** A follow-up probe on the first item (e.g. members of the first group). */
  then?: (first: { id?: string }) => string;
}

/** The cheap requests that prove each enabled feature's permissions. */
export function probesFor(config: ConnectorConfig): Probe[] {
  const on = new Set<string>(config.syncResourceTypes);
  const probes: Probe[] = [];
  if (on.has('user')) probes.push({ feature: 'user', path: '/users?$top=1&$select=id' });
  if (on.has('group'))
    probes.push({
      feature: 'group',
      path: '/groups?$top=1&$select=id',
      then: (g) => `/groups/${g.id}/members?$top=1&$select=id`,
    });
  if (on.has('role')) {
    probes.push(
      { feature: 'role', path: '/roleManagement/directory/roleDefinitions?$top=1&$select=id' },
      { feature: 'role', path: '/roleManagement/directory/roleAssignments?$top=1' },
      { feature: 'role', path: '/roleManagement/directory/roleEligibilityScheduleInstances?$top=1' },
    );
  }
  if (on.has('enterprise_application') || on.has('managed_identity')) {
    probes.push({
      feature: 'enterprise_application',
      path: '/servicePrincipals?$top=1&$select=id',
      then: (sp) => `/servicePrincipals/${sp.id}/appRoleAssignedTo?$top=1`,
    });
  }
  // Application.Read.All: app registrations' secrets and certificates (metadata only).
  if (on.has('credential'))
    probes.push({ feature: 'credential', path: '/applications?$top=1&$select=id,passwordCredentials' });
  if (on.has('license')) probes.push({ feature: 'license', path: '/subscribedSkus?$select=skuId' });
  if (config.syncDevices && on.has('device'))
    probes.push({ feature: 'device', path: '/devices?$top=1&$select=id' });
  if (config.signInActivity)
    probes.push({ feature: 'sign_in_activity', path: '/users?$top=1&$select=id,signInActivity' });
  probes.push({ feature: 'events', path: '/auditLogs/directoryAudits?$top=1' });
  return probes;
}

function failure(feature: string, check: string, err: unknown, scope = check): ProbeResult {
  const e = err instanceof GraphError ? err : classifyCredentialError(err, scope);
  return {
    feature,
    check,
    ok: false,
    kind: e.kind,
    ...(e.details.code !== undefined ? { code: e.details.code } : {}),
    ...(e.details.missingPermission !== undefined ? { missingPermission: e.details.missingPermission } : {}),
    message: e.message,
  };
}

async function runProbe(client: GraphClient, probe: Probe): Promise<ProbeResult[]> {
  const check = `GET ${probe.path}`;
  try {
    const body = await client.get<{ value?: { id?: string }[] }>(probe.path, { priority: 'low' });
    const results: ProbeResult[] = [{ feature: probe.feature, check, ok: true }];
    const first = body?.value?.[0];
    if (probe.then && first?.id) {
      const next = probe.then(first);
      try {
        await client.get(next, { priority: 'low' });
        results.push({ feature: probe.feature, check: `GET ${next}`, ok: true });
      } catch (err) {
        results.push(failure(probe.feature, `GET ${next}`, err));
      }
    }
    return results;
  } catch (err) {
    return [failure(probe.feature, check, err)];
  }
}

/**
 * Authenticates, then probes every enabled feature with a cheap request and reads the expiry of the
 * credential in use. Never throws for Graph or token failures: they are the report.
 */
export async function validateConnection(
  config: ConnectorConfig,
  client: GraphClient,
  credential: TokenCredential,
  now: () => number = Date.now,
): Promise<ValidationReport> {
  const scope = graphScope(config);
  const base = {
    tenantId: config.auth.tenantId,
    clientId: config.auth.clientId,
    authMode: config.auth.mode,
    authorityHost: config.authorityHost,
    graphBaseUrl: config.graphBaseUrl,
    warnings: [] as string[],
  };
  let token: ProbeResult = { feature: 'token', check: `token for ${scope}`, ok: true };
  let granted: string[] | undefined;
  try {
    const accessToken = await credential.getToken(scope);
    granted = accessToken ? tokenRoles(accessToken.token) : undefined;
  } catch (err) {
    token = failure('token', `token for ${scope}`, err, scope);
    // A refused credential is said in words, naming the setting to fix.
    const refusal = await explainTokenFailure(config, err);
    if (refusal) token.message = token.refused = refusal.message;
    const expired = token.code !== undefined && EXPIRED_CODES.has(token.code);
    return { ...base, status: expired ? 'expired' : 'unconnected', token, probes: [] };
  }

  const probes = (await Promise.all(probesFor(config).map((p) => runProbe(client, p)))).flat();
  const pim = pimLicence(probes, base.warnings);
  if (config.provisioning) probes.push(await exchangeProbe(config, credential));
  // Writes cannot be probed without writing: the token's roles say which features would be refused.
  if (config.provisioning && granted) {
    const o = { scim: config.scheduleScimProvisioning, ...(pim === false ? { pim } : {}) };
    for (const m of missingWritePermissions(granted, o))
      base.warnings.push(
        `provisioning: ${m.what} needs ${m.missingPermission} (feature ${m.feature}); those operations will be refused`,
      );
  }

  const credentialInfo = await checkCredentialExpiry(config, client, now);
  base.warnings.push(...credentialInfo.warnings);
  const excess = granted ? excessPermissions(granted, config.provisioning) : [];
  if (excess.length)
    base.warnings.push(`broader permissions than this configuration needs: ${excess.join(', ')}`);
  const expired = credentialInfo.expiry?.expired === true;
  const status: ConnectionStatus = expired
    ? 'expired'
    : probes.every((p) => p.ok)
      ? 'connected'
      : 'unconnected';
  return {
    ...base,
    status,
    token,
    probes,
    ...(credentialInfo.expiry ? { credential: credentialInfo.expiry } : {}),
    ...(granted ? { grantedPermissions: granted } : {}),
  };
}

/**
 * A tenant without Entra ID P2 answers PIM's listings 400 AadPremiumLicenseRequired: a fact about the
 * tenant, not a fault of the connection. The probe counts as passed, the report says what is
 * missing, and false is returned (undefined when PIM was not probed).
 */
function pimLicence(probes: ProbeResult[], warnings: string[]): boolean | undefined {
  const probe = probes.find((p) => p.check.includes('/roleEligibilityScheduleInstances'));
  if (!probe) return undefined;
  if (probe.ok || probe.code !== 'AadPremiumLicenseRequired') return probe.ok ? true : undefined;
  probe.ok = true;
  warnings.push(
    'tenant has no Microsoft Entra ID P2 (AadPremiumLicenseRequired): PIM eligibility and time-bound role assignments are not synced or provisioned; active role grants use roleAssignments',
  );
  return false;
}

async function exchangeProbe(config: ConnectorConfig, credential: TokenCredential): Promise<ProbeResult> {
  const scope = exchangeScope(config);
  try {
    const t = await credential.getToken(scope);
    const roles = t ? tokenRoles(t.token) : undefined;
    if (roles && !roles.includes('Exchange.ManageAsApp')) {
      return {
        feature: 'exchange',
        check: `token for ${scope}`,
        ok: false,
        missingPermission: 'Exchange.ManageAsApp',
        message:
          'distribution lists and mail-enabled security groups need Exchange.ManageAsApp (Office 365 Exchange Online) and the Exchange Administrator role',
      };
    }
    return { feature: 'exchange', check: `token for ${scope}`, ok: true };
  } catch (err) {
    return failure('exchange', `token for ${scope}`, err);
  }
}

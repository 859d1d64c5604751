import { fetch } from 'undici';
import type { ConnectorConfig, EntraAuth } from '../config/types.js';
import { classifyCredentialError } from './classify.js';
import { createDispatcher } from './dispatcher.js';

/**
 * Entra refused the configured credential: which setting to fix, and what Entra said, in words.
 * `message` reads e.g. "BATON_ENTRA_CLIENT_SECRET: Entra refused the client secret (AADSTS7000215:
 * invalid client secret provided) — check it is the secret's value, not its id".
 */
export interface CredentialRefusal {
  setting: string;
  code: string;
  message: string;
}

type Mode = EntraAuth['mode'];

interface Meaning {
  setting: (mode: Mode) => string;
  what: string;
  /** Entra's description, shortened, never quoting anything the request carried. */
  said: string;
  advice: (mode: Mode) => string;
}

const ASSERTION_SETTING = (mode: Mode): string =>
  mode === 'workload_identity' ? 'AZURE_FEDERATED_TOKEN_FILE' : 'BATON_ENTRA_CERTIFICATE';
const same = (setting: string) => (): string => setting;
const say = (advice: string) => (): string => advice;

/**
 * The AADSTS codes that mean the configuration is wrong (not that Entra is unreachable or busy).
 * https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
const MEANINGS: Record<string, Meaning> = {
  AADSTS7000215: {
    setting: same('BATON_ENTRA_CLIENT_SECRET'),
    what: 'Entra refused the client secret',
    said: 'invalid client secret provided',
    advice: say("check it is the secret's value, not its id"),
  },
  AADSTS7000222: {
    setting: same('BATON_ENTRA_CLIENT_SECRET'),
    what: 'Entra refused the client secret',
    said: 'the client secret has expired',
    advice: say('add a new secret to the app registration and set it here'),
  },
  AADSTS7000218: {
    setting: same('BATON_ENTRA_CLIENT_SECRET'),
    what: 'Entra refused the request',
    said: 'no client secret or client assertion was sent',
    advice: say('this app registration is confidential: set its client secret or certificate'),
  },
  AADSTS700016: {
    setting: same('BATON_ENTRA_CLIENT_ID'),
    what: 'Entra does not know the application',
    said: 'application not found in the directory',
    advice: say(
      "check it is the app registration's application (client) id, registered in the tenant of BATON_ENTRA_TENANT_ID",
    ),
  },
  AADSTS90002: {
    setting: same('BATON_ENTRA_TENANT_ID'),
    what: 'Entra does not know the tenant',
    said: 'tenant not found',
    advice: say('check the tenant id or domain, and the cloud (BATON_ENTRA_CLOUD)'),
  },
  AADSTS900023: {
    setting: same('BATON_ENTRA_TENANT_ID'),
    what: 'Entra does not take the tenant',
    said: 'the tenant identifier is neither a valid GUID nor a verified domain',
    advice: say('check the tenant id or domain'),
  },
  AADSTS50076: {
    setting: same('BATON_ENTRA_USERNAME'),
    what: 'Entra refused the password sign-in',
    said: 'multi-factor authentication is required',
    advice: say(
      'the password flow cannot answer MFA: exclude this account from MFA, or use client_secret or certificate auth',
    ),
  },
  AADSTS50126: {
    setting: same('BATON_ENTRA_PASSWORD'),
    what: 'Entra refused the password sign-in',
    said: 'invalid username or password',
    advice: say('check BATON_ENTRA_USERNAME and BATON_ENTRA_PASSWORD'),
  },
  AADSTS50057: {
    setting: same('BATON_ENTRA_USERNAME'),
    what: 'Entra refused the password sign-in',
    said: 'the user account is disabled',
    advice: say('enable the account, or use another one'),
  },
  AADSTS50027: {
    setting: ASSERTION_SETTING,
    what: 'Entra refused the client assertion',
    said: 'invalid or malformed JWT',
    advice: (mode) =>
      mode === 'workload_identity'
        ? 'check the file holds the projected service account token'
        : 'check the certificate and its private key (BATON_ENTRA_CERTIFICATE_KEY) belong together',
  },
  AADSTS700027: {
    setting: same('BATON_ENTRA_CERTIFICATE'),
    what: 'Entra refused the certificate',
    said: 'client assertion failed signature validation',
    advice: say('check the certificate is registered on the app registration and has not expired'),
  },
  AADSTS700024: {
    setting: ASSERTION_SETTING,
    what: 'Entra refused the client assertion',
    said: 'the assertion is not within its valid time range',
    advice: say("check this machine's clock"),
  },
  AADSTS70021: {
    setting: same('AZURE_FEDERATED_TOKEN_FILE'),
    what: 'Entra refused the federated token',
    said: 'no matching federated identity credential',
    advice: say(
      "check the app registration's federated credential names this token's issuer and subject (the service account)",
    ),
  },
};

/** The refusal an AADSTS code means for this auth mode; undefined for any other code. */
export function explainCredentialCode(code: string | undefined, mode: Mode): CredentialRefusal | undefined {
  const m = code === undefined ? undefined : MEANINGS[code];
  if (!m || code === undefined) return undefined;
  const setting = m.setting(mode);
  return { setting, code, message: `${setting}: ${m.what} (${code}: ${m.said}) — ${m.advice(mode)}` };
}

/**
 * Why getting a token failed, when Entra refused the configuration. MSAL reports an unknown tenant
 * only as `endpoints_resolution_error` (its OpenID discovery failed), which an unreachable authority
 * also causes; the discovery document is then fetched once to tell the two apart by Entra's answer
 * (AADSTS90002). Undefined when Entra did not refuse (unreachable, throttled, …).
 */
export async function explainTokenFailure(
  config: ConnectorConfig,
  err: unknown,
): Promise<CredentialRefusal | undefined> {
  const code = classifyCredentialError(err, 'Entra').details.code;
  const known = explainCredentialCode(code, config.auth.mode);
  if (known) return known;
  if (!messagesOf(err).includes('endpoints_resolution_error')) return undefined;
  return explainCredentialCode(await discoveryCode(config), config.auth.mode);
}

/** The messages of an error and its causes (a GraphError wraps the credential's own error). */
function messagesOf(err: unknown): string {
  const out: string[] = [];
  for (let e = err, i = 0; e instanceof Error && i < 4; e = e.cause, i++) out.push(e.message);
  return out.join('\n');
}

/** The AADSTS code of the authority's answer to the tenant's OpenID discovery, if it refused it. */
async function discoveryCode(config: ConnectorConfig): Promise<string | undefined> {
  const url = `${config.authorityHost}/${encodeURIComponent(config.auth.tenantId)}/v2.0/.well-known/openid-configuration`;
  const dispatcher = createDispatcher(config);
  try {
    const res = await fetch(url, { dispatcher, signal: AbortSignal.timeout(10_000) });
    if (res.ok) return undefined;
    const body = (await res.json().catch(() => ({}))) as { error_codes?: unknown };
    const first = Array.isArray(body.error_codes) ? body.error_codes[0] : undefined;
    return typeof first === 'number' ? `AADSTS${first}` : undefined;
  } catch {
    return undefined;
  } finally {
    await dispatcher.close();
  }
}

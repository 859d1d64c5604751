import { X509Certificate } from 'node:crypto';
import type { ConnectorConfig } from '../config/types.js';
import type { GraphClient } from './types.js';

/** Warn when the credential in use ends within this many days. */
export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 86_400_000;

export interface CredentialExpiry {
  kind: 'client_secret' | 'certificate';
  /** True when the credential in use was identified among the application's credentials. */
  matched: boolean;
  keyId?: string;
  endDateTime?: string;
  daysLeft?: number;
  expired: boolean;
}

interface AppCredential {
  keyId?: string;
  endDateTime?: string;
  hint?: string | null;
  customKeyIdentifier?: string | null;
}

interface Application {
  passwordCredentials?: AppCredential[];
  keyCredentials?: AppCredential[];
}

/**
 * Finds the secret or certificate in use among the app registration's credentials and reports its
 * end date. A secret is recognised by its `hint` (its first characters), a certificate by its
 * thumbprint in `customKeyIdentifier`.
 * https://learn.microsoft.com/en-us/graph/api/resources/passwordcredential
 * https://learn.microsoft.com/en-us/graph/api/resources/keycredential
 */
export async function checkCredentialExpiry(
  config: ConnectorConfig,
  client: GraphClient,
  now: () => number,
): Promise<{ expiry?: CredentialExpiry; warnings: string[] }> {
  const auth = config.auth;
  const secret = auth.mode === 'client_secret' || auth.mode === 'password' ? auth.clientSecret : undefined;
  if (secret === undefined && auth.mode !== 'certificate') return { warnings: [] };

  const warnings: string[] = [];
  let localEnd: string | undefined;
  let thumbprint: Buffer | undefined;
  if (auth.mode === 'certificate') {
    try {
      const cert = new X509Certificate(auth.certificatePem);
      localEnd = new Date(cert.validTo).toISOString();
      thumbprint = Buffer.from(cert.fingerprint.replaceAll(':', ''), 'hex');
    } catch {
      warnings.push('BATON_ENTRA_CERTIFICATE: could not be parsed to read its end date');
    }
  }

  let app: Application | undefined;
  try {
    const filter = encodeURIComponent(`appId eq '${auth.clientId}'`);
    const body = await client.get<{ value?: Application[] }>(
      `/applications?$filter=${filter}&$select=id,appId,passwordCredentials,keyCredentials`,
      { priority: 'low' },
    );
    app = body?.value?.[0];
    if (!app)
      warnings.push(`credential expiry: no application with appId ${auth.clientId} is visible to this app`);
  } catch (err) {
    warnings.push(`credential expiry: cannot read the application's credentials (${(err as Error).message})`);
  }

  const candidates = secret !== undefined ? (app?.passwordCredentials ?? []) : (app?.keyCredentials ?? []);
  const matches = candidates.filter((c) =>
    secret !== undefined
      ? !!c.hint && secret.startsWith(c.hint)
      : matchesThumbprint(c.customKeyIdentifier, thumbprint),
  );
  const pool = matches.length ? matches : candidates;
  // Several candidates: the one ending first is the one to worry about.
  const chosen = [...pool]
    .filter((c) => c.endDateTime)
    .sort((a, b) => Date.parse(a.endDateTime!) - Date.parse(b.endDateTime!))[0];
  const endDateTime = chosen?.endDateTime ?? localEnd;
  if (endDateTime === undefined) return { warnings };

  const daysLeft = Math.floor((Date.parse(endDateTime) - now()) / DAY_MS);
  const expiry: CredentialExpiry = {
    kind: secret !== undefined ? 'client_secret' : 'certificate',
    matched: matches.length > 0,
    ...(chosen?.keyId ? { keyId: chosen.keyId } : {}),
    endDateTime,
    daysLeft,
    expired: Date.parse(endDateTime) <= now() || (localEnd !== undefined && Date.parse(localEnd) <= now()),
  };
  const what = expiry.kind === 'client_secret' ? 'client secret' : 'certificate';
  if (expiry.expired) warnings.push(`${what} expired on ${endDateTime}`);
  else if (daysLeft < EXPIRY_WARNING_DAYS)
    warnings.push(
      `${what} expires on ${endDateTime}, in ${daysLeft} day(s)${expiry.matched ? '' : ' (the earliest-ending one; the one in use was not identified)'}`,
    );
  return { expiry, warnings };
}

function matchesThumbprint(
  customKeyIdentifier: string | null | undefined,
  thumbprint: Buffer | undefined,
): boolean {
  if (!customKeyIdentifier || !thumbprint) return false;
  const hex = thumbprint.toString('hex').toUpperCase();
  // Edm.Binary comes back base64; some tooling stores the hex thumbprint as text instead.
  const decoded = Buffer.from(customKeyIdentifier, 'base64');
  return (
    customKeyIdentifier.toUpperCase() === hex ||
    decoded.equals(thumbprint) ||
    decoded.toString('utf8').toUpperCase() === hex
  );
}

import { X509Certificate } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  importX509,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import type { ClientRegistration } from '../tenant/model.js';
import { aadsts, AadstsError } from './aadsts.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Default audience of a federated identity credential (workload identity). */
export const FEDERATED_AUDIENCE = 'api://AzureADTokenExchange';

export type ClientAuthMethod = 'secret' | 'certificate' | 'federated' | 'public';

export interface ClientCredentialInput {
  clientSecret?: string;
  assertionType?: string;
  assertion?: string;
  /** Every URL the assertion's `aud` may name (the token endpoint as the client addressed it). */
  tokenUrls: string[];
  nowMs: number;
}

/**
 * Proves a confidential client: a secret, a certificate-signed client assertion, or a federated
 * assertion from a trusted issuer. https://learn.microsoft.com/entra/identity-platform/certificate-credentials
 * and https://learn.microsoft.com/entra/workload-id/workload-identity-federation
 */
export async function authenticateClient(
  client: ClientRegistration,
  input: ClientCredentialInput,
): Promise<ClientAuthMethod> {
  if (input.clientSecret !== undefined) return checkSecret(client, input.clientSecret, input.nowMs);
  if (input.assertion !== undefined) {
    if (input.assertionType !== JWT_BEARER) throw aadsts.missingParameter('client_assertion_type');
    const header = safeHeader(input.assertion);
    if (header.x5t !== undefined || header['x5t#S256'] !== undefined) {
      await checkCertificateAssertion(client, input.assertion, header, input);
      return 'certificate';
    }
    await checkFederatedAssertion(client, input.assertion, input.nowMs);
    return 'federated';
  }
  if (client.isPublicClient) return 'public';
  throw aadsts.missingCredential();
}

function checkSecret(client: ClientRegistration, secret: string, nowMs: number): 'secret' {
  const match = client.secrets.find((s) => s.value === secret);
  if (!match) throw aadsts.invalidSecret(client.clientId);
  if (Date.parse(match.endDateTime) <= nowMs) throw aadsts.expiredSecret(client.clientId);
  return 'secret';
}

type Header = ReturnType<typeof decodeProtectedHeader> & { 'x5t#S256'?: string };

function safeHeader(jwt: string): Header {
  try {
    return decodeProtectedHeader(jwt) as Header;
  } catch {
    throw aadsts.malformedJwt('The client assertion is not a JWT.');
  }
}

function thumbprint(fingerprint: string): string {
  return Buffer.from(fingerprint.replace(/:/g, ''), 'hex').toString('base64url');
}

/**
 * RS256 + `x5t` (SHA-1 thumbprint, older clients) and PS256 + `x5t#S256` (SHA-256, current MSAL)
 * are both accepted. https://learn.microsoft.com/entra/identity-platform/certificate-credentials#header
 */
async function checkCertificateAssertion(
  client: ClientRegistration,
  jwt: string,
  header: Header,
  input: ClientCredentialInput,
): Promise<void> {
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'PS256')
    throw aadsts.badAssertionSignature(`Unsupported signing algorithm '${String(alg)}'.`);
  const cert = client.certificates.find((c) => {
    const x = new X509Certificate(c.pem);
    return header['x5t#S256'] !== undefined
      ? thumbprint(x.fingerprint256) === header['x5t#S256']
      : thumbprint(x.fingerprint) === header.x5t;
  });
  if (!cert)
    throw aadsts.badAssertionSignature(
      `The certificate with identifier used to sign the client assertion is not registered on application '${client.clientId}'.`,
    );
  if (Date.parse(cert.endDateTime) <= input.nowMs)
    throw aadsts.badAssertionSignature('The certificate used to sign the client assertion has expired.');
  const key = await importX509(cert.pem, alg);
  const payload = await verifyJwt(jwt, key, input.nowMs);
  if (payload.iss !== client.clientId || payload.sub !== client.clientId) {
    throw aadsts.malformedJwt(
      `The client assertion's iss and sub must both be the client id '${client.clientId}'.`,
    );
  }
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud ?? ''];
  if (!aud.some((a) => input.tokenUrls.includes(a))) throw aadsts.assertionAudience(aud.join(','));
  if (typeof payload.jti !== 'string' || payload.jti === '')
    throw aadsts.malformedJwt("The client assertion must carry a 'jti' claim.");
}

async function checkFederatedAssertion(
  client: ClientRegistration,
  jwt: string,
  nowMs: number,
): Promise<void> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(jwt);
  } catch {
    throw aadsts.malformedJwt('The client assertion is not a JWT.');
  }
  const iss = String(claims.iss ?? '');
  const sub = String(claims.sub ?? '');
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud ?? ''];
  const cred = client.federatedCredentials.find(
    (f) =>
      f.issuer === iss &&
      f.subject === sub &&
      aud.some((a) => (f.audiences.length ? f.audiences : [FEDERATED_AUDIENCE]).includes(a)),
  );
  if (!cred) throw aadsts.noFederatedMatch(iss, sub);
  if (!cred.jwks || cred.jwks.keys.length === 0)
    throw aadsts.badAssertionSignature(`No signing keys are known for issuer '${iss}'.`);
  await verifyJwt(jwt, createLocalJWKSet(cred.jwks as Parameters<typeof createLocalJWKSet>[0]), nowMs);
}

async function verifyJwt(
  jwt: string,
  key: Parameters<typeof jwtVerify>[1],
  nowMs: number,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(jwt, key as never, {
      currentDate: new Date(nowMs),
      clockTolerance: 300,
    });
    if (payload.exp === undefined)
      throw aadsts.malformedJwt("The client assertion must carry an 'exp' claim.");
    return payload;
  } catch (err) {
    if (err instanceof AadstsError) throw err;
    if (
      err instanceof errors.JWTExpired ||
      (err instanceof errors.JWTClaimValidationFailed && err.claim === 'nbf')
    )
      throw aadsts.assertionTime();
    if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
      throw aadsts.badAssertionSignature('The signature does not verify with the registered key.');
    }
    throw aadsts.malformedJwt(err instanceof Error ? err.message : String(err));
  }
}

/**
 * Service principals' own credentials. A gallery app set up for SAML single sign-on carries its
 * token-signing certificate on the service principal, as Entra stores it: a `Sign` and a `Verify`
 * key credential and a password credential (the private key's password), all three sharing the
 * certificate's thumbprint as `customKeyIdentifier`. The certificates are valid for three years;
 * some have expired, some expire within a month.
 * https://learn.microsoft.com/entra/identity/enterprise-apps/tutorial-manage-certificates-for-federated-single-sign-on
 */
import { type GenContext, daysAgo } from './gen-context.js';
import type { KeyCredential, PasswordCredential } from './model.js';

const CERT_NAME = 'CN=Microsoft Azure Federated SSO Certificate';
const VALID_DAYS = 3 * 365;

export function generateSpCredentials(ctx: GenContext): void {
  const { rng, tenant } = ctx;
  let k = 0;
  for (const sp of [...tenant.servicePrincipals.values()]) {
    if (sp.preferredSingleSignOnMode !== 'saml') continue;
    // Age of the certificate in days: expired, expiring within 30 days, or comfortably valid.
    const stage = k++ % 3;
    const age =
      stage === 0
        ? VALID_DAYS + rng.int(1, 90)
        : stage === 1
          ? VALID_DAYS - rng.int(1, 29)
          : rng.int(10, 700);
    const start = daysAgo(ctx, age);
    const end = daysAgo(ctx, age - VALID_DAYS);
    const thumbprint = Buffer.from(rng.hex(40), 'hex').toString('base64');
    const key = (usage: KeyCredential['usage']): KeyCredential => ({
      keyId: rng.guid(),
      displayName: CERT_NAME,
      type: 'AsymmetricX509Cert',
      usage,
      startDateTime: start,
      endDateTime: end,
      customKeyIdentifier: thumbprint,
      key: null,
    });
    const password: PasswordCredential = {
      keyId: rng.guid(),
      displayName: CERT_NAME,
      hint: null,
      startDateTime: start,
      endDateTime: end,
      customKeyIdentifier: thumbprint,
      secretText: null,
    };
    tenant.updateServicePrincipal(sp.id, {
      keyCredentials: [key('Sign'), key('Verify')],
      passwordCredentials: [password],
    });
  }
}

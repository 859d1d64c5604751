import type { ConnectorConfig } from './types.js';
import { maskUrlCredentials } from './parse.js';

/** Shown in place of a secret value: whether it is set, never what it is. */
export const SET = '[set]';

const SECRET_AUTH_FIELDS = new Set(['clientSecret', 'privateKeyPem', 'certificatePassword', 'password']);

/**
 * The effective configuration as a plain object safe to print or log: secret fields read `[set]`,
 * proxy credentials are masked.
 */
export function describeConfig(config: ConnectorConfig): Record<string, unknown> {
  const auth = Object.fromEntries(
    Object.entries(config.auth).map(([k, v]) => [
      k,
      SECRET_AUTH_FIELDS.has(k) ? SET : k === 'certificatePem' ? describePem(String(v)) : v,
    ]),
  );
  return {
    ...config,
    auth,
    ...(config.httpsProxy !== undefined ? { httpsProxy: maskUrlCredentials(config.httpsProxy) } : {}),
  };
}

function describePem(pem: string): string {
  const n = pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  return `[${n} certificate${n === 1 ? '' : 's'}]`;
}

import { generateKeyPairSync } from 'node:crypto';
import { CLIENT_SECRET_PREFIX } from '../../src/config/client-secret.js';

/** A control-plane client secret in the format `control-plane clients add` prints (a fresh key). */
export function clientSecret(): string {
  const jwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
  return CLIENT_SECRET_PREFIX + Buffer.from(JSON.stringify(jwk)).toString('base64url');
}

import { randomUUID } from 'node:crypto';
import {
  compactVerify,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/**
 * The simulator's token-signing key. Access tokens are real RS256 JWTs, published in the JWKS at
 * `/{tenant}/discovery/v2.0/keys`, so a client that inspects or verifies them sees what it would
 * see with Entra.
 */
export class SigningKey {
  private constructor(
    readonly kid: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly publicJwk: JWK,
  ) {}

  static async create(): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID().replace(/-/g, '');
    const jwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256', kty: 'RSA' };
    return new SigningKey(kid, privateKey, publicKey, jwk);
  }

  async sign(claims: JWTPayload): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.kid })
      .sign(this.privateKey);
  }

  /** Verifies the signature only; claim checks (exp, aud) are the caller's, against the simulator clock. */
  async verify(token: string): Promise<JWTPayload> {
    const { payload } = await compactVerify(token, this.publicKey, { algorithms: ['RS256'] });
    return JSON.parse(new TextDecoder().decode(payload)) as JWTPayload;
  }
}

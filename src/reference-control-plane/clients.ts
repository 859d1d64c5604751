import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import type { ControlPlaneStore } from './store.js';
import { CLIENT_SECRET_PREFIX } from '../config/client-secret.js';

/**
 * Daemon credentials. The secret is an Ed25519 private key (JWK, base64url) behind a recognisable
 * prefix, as Baton does; the control plane keeps only the public half, so a leaked database grants
 * nothing. Daemons prove possession by signing a short-lived JWT (see ./auth.ts).
 */
export const SECRET_PREFIX = CLIENT_SECRET_PREFIX;

export interface ClientRecord {
  clientId: string;
  name: string;
  publicJwk: Record<string, unknown>;
  createdAt: string;
}

export interface NewClient {
  clientId: string;
  clientSecret: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function addClient(store: ControlPlaneStore, name: string, now: Date): Promise<NewClient> {
  if (!NAME.test(name))
    throw new Error(`client name "${name}" must be 1–63 lowercase letters, digits or dashes`);
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const clientId = `${name}@baton-entra/${randomBytes(9).toString('base64url')}`;
  const priv = await exportJWK(privateKey);
  const pub = await exportJWK(publicKey);
  store.db
    .prepare('INSERT INTO clients (client_id, name, public_jwk, created_at) VALUES (?, ?, ?, ?)')
    .run(clientId, name, JSON.stringify(pub), now.toISOString());
  const clientSecret =
    SECRET_PREFIX + Buffer.from(JSON.stringify({ ...priv, kid: clientId })).toString('base64url');
  return { clientId, clientSecret };
}

export function getClient(store: ControlPlaneStore, clientId: string): ClientRecord | undefined {
  const row = store.db.prepare('SELECT * FROM clients WHERE client_id = ?').get(clientId) as
    { client_id: string; name: string; public_jwk: string; created_at: string } | undefined;
  if (!row) return undefined;
  return {
    clientId: row.client_id,
    name: row.name,
    publicJwk: JSON.parse(row.public_jwk) as Record<string, unknown>,
    createdAt: row.created_at,
  };
}

export function listClients(store: ControlPlaneStore): Omit<ClientRecord, 'publicJwk'>[] {
  const rows = store.db
    .prepare('SELECT client_id, name, created_at FROM clients ORDER BY created_at')
    .all() as {
    client_id: string;
    name: string;
    created_at: string;
  }[];
  return rows.map((r) => ({ clientId: r.client_id, name: r.name, createdAt: r.created_at }));
}

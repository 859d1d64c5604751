import { randomBytes } from 'node:crypto';
import { link, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { armor, Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';

/** Where the control plane keeps the age identity that opens passwords daemons seal to it. */
export function passwordIdentityPath(dataDir: string): string {
  return join(dataDir, 'password-identity.txt');
}

/**
 * The control plane's password key: an age X25519 identity made on first start and kept (mode 0600)
 * in its data directory. Daemons learn its recipient in Hello and seal generated passwords to it, so
 * a password is readable here and nowhere on the way.
 */
export async function loadPasswordKey(dataDir: string): Promise<{ identity: string; recipient: string }> {
  const path = passwordIdentityPath(dataDir);
  let identity = await readIdentity(path);
  if (!identity) {
    // Written aside, then linked into place: a second control plane starting on the same directory
    // keeps the first one's key instead of replacing it.
    const made = await generateX25519Identity();
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, `${made}\n`, { mode: 0o600, flag: 'wx' });
    try {
      await link(tmp, path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      await rm(tmp, { force: true });
    }
    identity = await readIdentity(path);
    if (!identity) throw new Error(`${path}: not an age identity`);
  }
  return { identity, recipient: await identityToRecipient(identity) };
}

async function readIdentity(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const line = text.split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'));
  if (!line) throw new Error(`${path}: holds no AGE-SECRET-KEY line`);
  return line.trim();
}

/** Opens a password a daemon sealed to this control plane (ASCII-armoured age). */
export async function openSealed(dataDir: string, sealed: string): Promise<string> {
  const { identity } = await loadPasswordKey(dataDir);
  const d = new Decrypter();
  d.addIdentity(identity);
  return d.decrypt(armor.decode(sealed), 'text');
}

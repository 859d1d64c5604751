import { randomInt } from 'node:crypto';
import { armor, Encrypter } from 'age-encryption';
import { ProvisioningError } from './requests.js';

/** An age X25519 recipient: `age1` and 58 bech32 characters. */
const AGE_RECIPIENT = /^age1[02-9ac-hj-np-z]{58}$/;

export function isAgeRecipient(value: string): boolean {
  return AGE_RECIPIENT.test(value);
}

/**
 * Seals a secret to an age recipient, ASCII-armoured: only the holder of the matching identity can
 * open it. A recipient that is not one fails here, before anything is created with the secret.
 */
export async function sealTo(
  recipient: string,
  secret: string,
  field = 'password_recipient',
): Promise<string> {
  if (!isAgeRecipient(recipient)) {
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `${field}: expected an age X25519 recipient (age1… , 62 characters), got "${recipient.slice(0, 12)}…"`,
    );
  }
  try {
    const e = new Encrypter();
    e.addRecipient(recipient);
    return armor.encode(await e.encrypt(secret));
  } catch (err) {
    throw new ProvisioningError(
      'INVALID_ARGUMENT',
      `${field}: cannot seal to it (${(err as Error).message})`,
    );
  }
}

const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#$%*+-=?@^_';
const ALL = LOWER + UPPER + DIGITS + SYMBOLS;

/**
 * A strong generated password: 20 characters from a CSPRNG with each of the four classes Entra's
 * complexity rule counts (it asks for 3 of 4), no look-alike characters, ~120 bits.
 * https://learn.microsoft.com/entra/identity/authentication/concept-sspr-policy#password-policies-that-only-apply-to-cloud-user-accounts
 */
export function generatePassword(length = 20): string {
  const chars = [LOWER, UPPER, DIGITS, SYMBOLS].map(pick);
  while (chars.length < length) chars.push(pick(ALL));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function pick(set: string): string {
  return set[randomInt(set.length)]!;
}

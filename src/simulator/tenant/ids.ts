/**
 * Deterministic randomness and the id formats Entra uses.
 *
 * Every random choice the generator makes comes from one seeded `Rng`, so a seed names a tenant.
 * The role-assignment and app-role-assignment id encodings reproduce what Graph returns, so that
 * clients that (wrongly or rightly) look inside ids see the real shape.
 */
import type { Guid } from './model.js';

/** xoshiro128** seeded through splitmix32: fast, 128-bit state, good statistical quality. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: cannot pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** A fork with its own stream, so adding draws in one section does not shift another. */
  fork(label: string): Rng {
    let h = this.u32();
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
    return new Rng(h);
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      const v = this.u32();
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff;
    }
    return out;
  }

  /** A GUID shaped like a random (v4) GUID, as Entra object ids are. */
  guid(): Guid {
    const b = this.bytes(16);
    b[6] = ((b[6] as number) & 0x0f) | 0x40;
    b[8] = ((b[8] as number) & 0x3f) | 0x80;
    return guidFromBytes(b);
  }

  /** A lowercase hex string of `n` characters. */
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

/** Big-endian (textual) byte order: the GUID's hex digits read left to right. */
export function guidFromBytes(b: Uint8Array): Guid {
  // Written into one buffer so the result is a flat string: ids are hashed on every Map lookup.
  const out = Buffer.allocUnsafe(36);
  let at = 0;
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[at++] = 0x2d;
    const v = b[i] as number;
    out[at++] = HEX[v >> 4] as number;
    out[at++] = HEX[v & 15] as number;
  }
  return out.toString('latin1');
}

const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * .NET `Guid.ToByteArray()` order: the first three groups little-endian, the last two as written.
 * https://learn.microsoft.com/dotnet/api/system.guid.tobytearray
 */
export function guidToBytesLe(guid: Guid): Uint8Array {
  if (!isGuid(guid)) throw new Error(`expected a GUID, got ${JSON.stringify(guid)}`);
  const h = guid.replace(/-/g, '');
  const be = Buffer.from(h, 'hex');
  const out = Uint8Array.from(be);
  const swap = (from: number, len: number): void => {
    for (let i = 0; i < len; i++) out[from + i] = be[from + len - 1 - i] as number;
  };
  swap(0, 4);
  swap(4, 2);
  swap(6, 2);
  return out;
}

export function guidFromBytesLe(b: Uint8Array): Guid {
  if (b.length !== 16) throw new Error(`expected 16 bytes for a GUID, got ${b.length}`);
  const be = Uint8Array.from(b);
  be.set(b.subarray(0, 4).reverse(), 0);
  be.set(b.subarray(4, 6).reverse(), 4);
  be.set(b.subarray(6, 8).reverse(), 6);
  return guidFromBytes(be);
}

export function base64UrlNoPad(b: Uint8Array): string {
  return Buffer.from(b).toString('base64url');
}

/**
 * The id Graph gives a unifiedRoleAssignment:
 * base64url-no-pad(bytes_le(roleDefinitionId) ‖ bytes_le(principalId)) + "-1".
 * https://learn.microsoft.com/graph/api/rbacapplication-list-roleassignments (example response)
 */
export function roleAssignmentId(roleDefinitionId: Guid, principalId: Guid): string {
  const buf = new Uint8Array(32);
  buf.set(guidToBytesLe(roleDefinitionId), 0);
  buf.set(guidToBytesLe(principalId), 16);
  return `${base64UrlNoPad(buf)}-1`;
}

/** Inverse of `roleAssignmentId`, or undefined when the id is not in that shape. */
export function decodeRoleAssignmentId(
  id: string,
): { roleDefinitionId: Guid; principalId: Guid } | undefined {
  const m = /^([A-Za-z0-9_-]{43})-1$/.exec(id);
  if (!m) return undefined;
  const bytes = Buffer.from(m[1] as string, 'base64url');
  if (bytes.length !== 32) return undefined;
  return {
    roleDefinitionId: guidFromBytesLe(bytes.subarray(0, 16)),
    principalId: guidFromBytesLe(bytes.subarray(16, 32)),
  };
}

/**
 * The id Graph gives an appRoleAssignment: base64url(bytes_le(principalId) ‖ 16 opaque bytes).
 * https://learn.microsoft.com/graph/api/resources/approleassignment
 */
export function appRoleAssignmentId(principalId: Guid, opaque: Uint8Array): string {
  if (opaque.length !== 16)
    throw new Error(`appRoleAssignmentId: expected 16 opaque bytes, got ${opaque.length}`);
  const buf = new Uint8Array(32);
  buf.set(guidToBytesLe(principalId), 0);
  buf.set(opaque, 16);
  return base64UrlNoPad(buf);
}

/** The principal an appRoleAssignment id was minted for, or undefined when not in that shape. */
export function principalOfAppRoleAssignmentId(id: string): Guid | undefined {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
  const bytes = Buffer.from(id, 'base64url');
  return bytes.length === 32 ? guidFromBytesLe(bytes.subarray(0, 16)) : undefined;
}

/** Graph's date-time shape: ISO 8601 UTC without fractional seconds. */
export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export const ZERO_GUID: Guid = '00000000-0000-0000-0000-000000000000';

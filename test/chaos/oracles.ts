/**
 * The chaos runs' oracles: pure checks over what a run left behind, each returning the violations
 * it found (empty when the run kept its promise). Each is proven on a planted violation in
 * oracles.test.ts, so a clean report means the checks looked, not that they could not see.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportRecord } from '../../src/snapshot/export.js';
import { fileExists } from '../../src/snapshot/file.js';
import { openSnapshot } from '../../src/snapshot/open.js';

export interface Violation {
  oracle: 'export' | 'exactly-once' | 'partial-file' | 'secret' | 'effect-once';
  detail: string;
}

/** At most this many differences are spelled out per comparison; the count says the rest. */
const SHOWN = 5;

function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Data: the export of a sync that met faults equals the export of a fault-free sync of the same
 * tenant, record for record (kind, id and every field).
 */
export function compareExports(expected: ExportRecord[], actual: ExportRecord[]): Violation[] {
  const key = (r: ExportRecord) => `${r.kind} ${r.id}`;
  const want = new Map(expected.map((r) => [key(r), canonical(r)]));
  const got = new Map<string, string>();
  const problems: string[] = [];
  for (const r of actual) {
    const k = key(r);
    if (got.has(k)) problems.push(`duplicate ${k}`);
    got.set(k, canonical(r));
  }
  for (const [k, v] of want) {
    const g = got.get(k);
    if (g === undefined) problems.push(`missing ${k}`);
    else if (g !== v) problems.push(`differs ${k}: expected ${v}, got ${g}`);
  }
  for (const k of got.keys()) if (!want.has(k)) problems.push(`extra ${k}`);
  if (problems.length === 0) return [];
  const more = problems.length > SHOWN ? ` (+${problems.length - SHOWN} more)` : '';
  return [
    {
      oracle: 'export',
      detail: `${problems.length} of ${expected.length} records wrong: ${problems.slice(0, SHOWN).join('; ')}${more}`,
    },
  ];
}

export interface Spooled {
  syncId: string;
  sha256: string;
}

export interface Received {
  syncId: string;
  sha256: string;
  path: string;
}

/**
 * Upload: every snapshot the daemon spooled is held by the control plane exactly once, under its
 * sync id, as a file whose SHA-256 is the spooled one; and the control plane holds nothing else.
 */
export async function deliveredOnce(spooled: Spooled[], received: Received[]): Promise<Violation[]> {
  const out: Violation[] = [];
  const v = (detail: string) => out.push({ oracle: 'exactly-once', detail });
  const bySync = new Map<string, Received[]>();
  for (const r of received) bySync.set(r.syncId, [...(bySync.get(r.syncId) ?? []), r]);
  const bySha = new Map<string, number>();
  for (const r of received) bySha.set(r.sha256, (bySha.get(r.sha256) ?? 0) + 1);
  for (const s of spooled) {
    const got = bySync.get(s.syncId) ?? [];
    if (got.length !== 1) {
      v(`snapshot ${s.syncId} arrived ${got.length} times`);
      continue;
    }
    const r = got[0]!;
    if (r.sha256 !== s.sha256) v(`snapshot ${s.syncId} arrived with sha256 ${r.sha256}, spooled ${s.sha256}`);
    else if ((bySha.get(r.sha256) ?? 0) > 1)
      v(`snapshot ${s.syncId}'s content arrived under several sync ids`);
    else if (!(await fileExists(r.path))) v(`snapshot ${s.syncId} is listed but its file ${r.path} is gone`);
    else if ((await sha256Of(r.path)) !== s.sha256)
      v(`snapshot ${s.syncId}'s stored file is not what was sent`);
  }
  const sent = new Set(spooled.map((s) => s.syncId));
  for (const r of received) if (!sent.has(r.syncId)) v(`the control plane holds ${r.syncId}, never spooled`);
  return out;
}

async function sha256Of(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * Lifecycle: a snapshot's final path holds nothing or a whole snapshot (header, body and
 * checksum that agree) — never a partial file, whatever moment the writer died.
 */
export async function wholeOrAbsent(path: string): Promise<Violation[]> {
  if (!(await fileExists(path))) return [];
  try {
    const snap = await openSnapshot(path);
    await snap.close();
    return [];
  } catch (err) {
    return [{ oracle: 'partial-file', detail: `${path}: ${(err as Error).message}` }];
  }
}

/** A JWT (a bearer token or a signed assertion): three base64url parts, the first a JSON header. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

export interface Output {
  /** Where it came from (a file path, "stdout of …"). */
  name: string;
  text: string;
}

/**
 * Secrets: no known secret value (client secrets, passwords) and no token appears in any output —
 * logs, printed text, files on disk, snapshot content.
 */
export function secretLeaks(secrets: readonly string[], outputs: readonly Output[]): Violation[] {
  const out: Violation[] = [];
  const known = secrets.filter((s) => s.length >= 8);
  for (const o of outputs) {
    for (const s of known)
      if (o.text.includes(s))
        out.push({
          oracle: 'secret',
          detail: `${o.name} holds a secret (${s.slice(0, 3)}…, ${s.length} chars)`,
        });
    const jwt = JWT.exec(o.text);
    if (jwt) out.push({ oracle: 'secret', detail: `${o.name} holds a token (${jwt[0].slice(0, 12)}…)` });
  }
  return out;
}

/** Every regular file under `dir` (recursively) as text, for `secretLeaks`. */
export async function filesUnder(dir: string): Promise<Output[]> {
  const out: Output[] = [];
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    const st = await stat(p).catch(() => undefined);
    if (st?.isDirectory()) out.push(...(await filesUnder(p)));
    else if (st?.isFile()) out.push({ name: p, text: (await readFile(p)).toString('latin1') });
  }
  return out;
}

export interface Effect {
  /** What was asked for, e.g. "member user:… of group:…", "account jane@…". */
  effect: string;
  /** How many times the tenant shows it (members with that id, users with that UPN stem …). */
  times: number;
}

/** Side effects: each provisioning effect asked for happened exactly once, retries and all. */
export function effectsOnce(effects: readonly Effect[]): Violation[] {
  return effects
    .filter((e) => e.times !== 1)
    .map((e) => ({ oracle: 'effect-once' as const, detail: `${e.effect}: ${e.times} times, expected once` }));
}

/**
 * Value parsers for settings (the connector's and the daemon's). Each throws an Error whose message
 * says what is expected; the loader prefixes the variable name. Messages never repeat the offending
 * value, because the same parsers run on secret-adjacent settings and a mistyped secret must not
 * reach a log. Durations are the exception: their message quotes what was given (a duration is
 * never secret, and flags such as `demo --interval` share the grammar).
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A verified domain such as contoso.onmicrosoft.com: labels of letters, digits and hyphens.
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const HOST_PORT = /^(\[[0-9a-f:]+\]|[a-z0-9]([a-z0-9.-]*[a-z0-9])?)(:\d{1,5})?$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function isDomainName(value: string): boolean {
  return DOMAIN.test(value);
}

const TRUE = new Set(['true', '1', 'yes']);
const FALSE = new Set(['false', '0', 'no']);

export function parseBool(input: string): boolean {
  const v = input.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new Error('expected a boolean: true/false, 1/0 or yes/no');
}

/** Comma-separated list; blanks and surrounding spaces are dropped. */
export function parseCsv(input: string): string[] {
  return input
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseCsvOf<T extends string>(input: string, allowed: readonly T[]): T[] {
  const items = parseCsv(input);
  const bad = items.filter((i) => !(allowed as readonly string[]).includes(i));
  if (bad.length)
    throw new Error(`expected a comma-separated list of ${allowed.join(', ')}; unknown: ${bad.join(', ')}`);
  return [...new Set(items)] as T[];
}

/**
 * One or more GUIDs, comma-separated. A value that splits into nothing (`,,,`) is refused: read as
 * "no scope" it would widen a scoped sync to the whole tenant.
 */
export function parseGuidList(input: string): string[] {
  const items = parseCsv(input);
  if (items.length === 0)
    throw new Error('expected a comma-separated list of object ids (GUIDs); the list is empty');
  const bad = items.filter((i) => !isGuid(i));
  if (bad.length)
    throw new Error(`expected a comma-separated list of object ids (GUIDs); not a GUID: ${bad.join(', ')}`);
  return [...new Set(items.map((i) => i.toLowerCase()))];
}

export function parsePositiveInt(input: string): number {
  const v = input.trim();
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 36500) {
    throw new Error('expected a whole number of days between 1 and 36500');
  }
  return Number(v);
}

/** `host` or `host:port`, no scheme and no path (e.g. `graph.microsoft.com`, `localhost:8443`). */
export function parseHostPort(input: string): string {
  const v = input.trim().toLowerCase();
  if (!HOST_PORT.test(v))
    throw new Error(
      'expected a host name with an optional port, e.g. graph.microsoft.us or localhost:8443 (no https://, no path)',
    );
  const port = v.match(/:(\d+)$/)?.[1];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535))
    throw new Error('expected a port between 1 and 65535');
  return v;
}

/** An `https://host[:port]` origin, without a trailing slash; anything else is refused. */
export function parseHttpsOrigin(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new Error('expected an https URL such as https://login.microsoftonline.com');
  }
  if (url.protocol !== 'https:')
    throw new Error('expected an https URL (http is refused: tokens would travel in clear)');
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new Error('expected a bare origin like https://host[:port], without path, query or credentials');
  }
  return url.origin;
}

/** An http(s) proxy URL; credentials in it are allowed (and treated as secret). */
export function parseProxyUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new Error('expected a proxy URL such as http://proxy.internal:3128');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('expected an http:// or https:// proxy URL');
  return input.trim();
}

export function parseChoice<T extends string>(input: string, choices: readonly T[]): T {
  const v = input.trim().toLowerCase();
  if (!(choices as readonly string[]).includes(v)) throw new Error(`expected one of ${choices.join(', ')}`);
  return v as T;
}

/** Replaces the password of a URL's userinfo so it can be shown. */
export function maskUrlCredentials(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password) return value;
    url.username = url.username ? '[set]' : '';
    url.password = url.password ? '[set]' : '';
    return url.toString();
  } catch {
    return '[set]';
  }
}

/** A whole number within [min, max]. */
export function parseIntInRange(input: string, min: number, max: number): number {
  const v = input.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new Error(`expected a whole number between ${min} and ${max}`);
  return Number(v);
}

/** A non-empty value, surrounding whitespace trimmed. */
export function parseText(input: string): string {
  if (input.trim() === '') throw new Error('expected a non-empty value');
  return input.trim();
}

/** A secret, kept byte for byte (only the trailing newline of a file is trimmed, by the _FILE resolver). */
export function parseSecret(input: string): string {
  if (input === '') throw new Error('expected a non-empty value');
  return input;
}

/** The value as given, empty included (the daemon's paths, names and PEM settings). */
export function parseVerbatim(input: string): string {
  return input;
}

const SWITCH_ON = new Set(['true', 't', 'yes', 'on', '1']);
const SWITCH_OFF = new Set(['false', 'f', 'no', 'off', '0']);

/** The daemon's booleans: exactly true/t/yes/on/1 or false/f/no/off/0 (a wider set than `parseBool`). */
export function parseSwitch(input: string): boolean {
  if (SWITCH_ON.has(input)) return true;
  if (SWITCH_OFF.has(input)) return false;
  throw new Error('expected a boolean: true/false, t/f, yes/no, on/off or 1/0');
}

/** A TCP port; 0 asks the system for a free one. Digits only: `Number('')` would be 0. */
export function parsePort(input: string): number {
  const n = /^\d{1,5}$/.test(input) ? Number(input) : NaN;
  if (!(n >= 0 && n <= 65535)) throw new Error('expected a port number 0–65535');
  return n;
}

/** `host:port` with the port required, 1–65535 (a gRPC target such as the control plane's). */
export function parseAddress(input: string): string {
  const m = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/.exec(input);
  const port = Number(m?.[3]);
  if (!m || !(port >= 1 && port <= 65535)) {
    throw new Error('expected host:port with a port between 1 and 65535, e.g. control-plane.example.com:443');
  }
  return input;
}

/** A whole number ≥ 0, digits only (an empty value is not 0). */
export function parseCount(input: string): number {
  if (!/^\d+$/.test(input) || !Number.isSafeInteger(Number(input)))
    throw new Error('expected a whole number ≥ 0');
  return Number(input);
}

export function parseIsoTime(input: string): Date {
  const d = new Date(input);
  if (Number.isNaN(d.getTime())) throw new Error('expected an ISO 8601 time such as 2026-01-01T02:00:00Z');
  return d;
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses `90m`, `1h30m`, `30s`, `1d`, `500ms` or an ISO 8601 duration (`PT1H`, `P1DT12H`, `PT0.5S`)
 * into milliseconds. Months and years are rejected (their length varies). The message says what is
 * expected; the setting's loader prefixes its name (see `parseDuration` for a named one).
 */
export function parseDurationMs(text: string): number {
  const s = text.trim();
  const fail = (why: string): never => {
    throw new Error(`expected a duration like "1h", "90m", "30s", "1d" or "PT1H", got "${text}" (${why})`);
  };
  if (s === '') return fail('empty');
  if (/^-/.test(s)) return fail('negative');
  if (/^\d+(\.\d+)?$/.test(s)) return fail('missing unit');
  let ms: number;
  if (/^P/i.test(s)) {
    const m =
      /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
        s,
      );
    if (!m || s.toUpperCase() === 'P' || /T$/i.test(s))
      return fail('not an ISO 8601 duration of weeks/days/hours/minutes/seconds');
    const [w, d, h, mi, se] = m.slice(1).map((v) => Number(v ?? 0)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    ms = w * UNIT_MS.w! + d * UNIT_MS.d! + h * UNIT_MS.h! + mi * UNIT_MS.m! + se * UNIT_MS.s!;
  } else {
    if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/i.test(s)) return fail('unknown unit; use ms, s, m, h, d or w');
    ms = 0;
    for (const [, n, unit] of s.toLowerCase().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g))
      ms += Number(n) * UNIT_MS[unit!]!;
  }
  ms = Math.round(ms);
  if (!(ms > 0)) return fail('must be at least 1 ms');
  return ms;
}

/** `parseDurationMs` with `name` leading the message (a flag's or a field's name). */
export function parseDuration(text: string, name = 'duration'): number {
  try {
    return parseDurationMs(text);
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A duration between `min` and `max` (both in the duration grammar, e.g. "10s", "365d"). Bounds keep
 * a typo such as `1ms` from turning into a busy loop and keep every value a timer can wait for.
 */
export function durationWithin(min: string, max: string): (raw: string) => number {
  const lo = parseDurationMs(min);
  const hi = parseDurationMs(max);
  return (raw) => {
    const ms = parseDurationMs(raw);
    if (ms < lo || ms > hi) throw new Error(`expected a duration between ${min} and ${max}, got "${raw}"`);
    return ms;
  };
}

/** An age X25519 recipient (`age1` + 58 bech32 characters), as `age-keygen -y` prints it. */
export function parseAgeRecipient(input: string): string {
  const v = input.trim();
  if (!/^age1[02-9ac-hj-np-z]{58}$/.test(v))
    throw new Error('expected an age X25519 recipient: "age1" followed by 58 lowercase bech32 characters');
  return v;
}

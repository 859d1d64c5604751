/**
 * Value parsers for settings. Each throws an Error whose message says what is expected; the loader
 * prefixes the variable name. Messages never repeat the offending value, because the same parsers
 * run on secret-adjacent settings and a mistyped secret must not reach a log.
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

export function parseGuidList(input: string): string[] {
  const items = parseCsv(input);
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

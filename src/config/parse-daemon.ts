/**
 * Parsers of the daemon's own settings (see parse.ts for the shared ones and the message rules).
 * They turn into start-up errors what would otherwise surface later as a daemon that never syncs,
 * syncs back to back or listens nowhere.
 */
import { isIP } from 'node:net';
import { cronProblem, cronSchedule } from './cron.js';

const HOST_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

/** An address to listen on: an IPv4 or IPv6 address, or a host name (`localhost`, `pod.local`). */
export function parseListenHost(input: string): string {
  const v = input.trim();
  const isName = v.length <= 253 && v.split('.').every((label) => HOST_LABEL.test(label));
  if (isIP(v) === 0 && !isName)
    throw new Error('expected an IP address or a host name to listen on, e.g. 0.0.0.0, :: or 127.0.0.1');
  return v;
}

/** A host name to verify a TLS certificate against (no port, no scheme). */
export function parseServerName(input: string): string {
  const v = input.trim();
  if (v.length > 253 || !v.split('.').every((label) => HOST_LABEL.test(label)))
    throw new Error('expected a host name such as control-plane.example.com (no port, no scheme)');
  return v;
}

/** A directory path, not empty: an empty one would resolve to the working directory. */
export function parsePath(input: string): string {
  if (input.trim() === '') throw new Error('expected a directory path, e.g. /var/lib/baton');
  if (input.includes('\0')) throw new Error('expected a directory path (it contains a NUL byte)');
  return input;
}

/**
 * A cron expression of 5 fields (or 6, seconds first), checked by the scheduler's own parser
 * (cron.ts). An impossible date such as `0 0 31 2 *` (31 February) is refused here, since it
 * would never run; a rare one such as `0 0 29 2 *` (29 February) is valid and waits for its day.
 */
export function parseCron(input: string): string {
  const v = input.trim();
  const fields = v === '' ? 0 : v.split(/\s+/).length;
  if (fields !== 5 && fields !== 6)
    throw new Error(`expected a cron expression of 5 fields (or 6 with seconds), got ${fields}`);
  let schedule;
  try {
    schedule = cronSchedule(v);
  } catch (err) {
    throw new Error(`expected a cron expression such as "0 2 * * *" (${cronProblem(err)})`, {
      cause: err,
    });
  }
  if (!schedule.nextRun())
    throw new Error(`expected a cron expression such as "0 2 * * *" (it names a date that never comes)`);
  return v;
}

/** An IANA time zone name the runtime knows, e.g. Europe/Paris or UTC. */
export function parseTimeZone(input: string): string {
  const v = input.trim();
  try {
    if (v === '') throw new RangeError('empty');
    new Intl.DateTimeFormat('en-US', { timeZone: v });
  } catch {
    throw new Error(`expected an IANA time zone such as Europe/Paris or UTC, got "${input}"`);
  }
  return v;
}

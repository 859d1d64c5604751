import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Keys whose values are never logged, wherever they appear (pino redact paths reach one level of
 * nesting; secrets are kept at these known places). Values are also scrubbed by content: see
 * `registerSecret`.
 */
const REDACT_KEYS = [
  'password',
  'clientSecret',
  'client_secret',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'assertion',
  'client_assertion',
  'authorization',
  'privateKey',
  'certificatePassword',
];
const REDACT_PATHS = [
  ...REDACT_KEYS,
  ...REDACT_KEYS.map((k) => `*.${k}`),
  'headers.authorization',
  'req.headers.authorization',
  '*.headers.authorization',
];

export const REDACTED = '[REDACTED]';

const secretValues = new Set<string>();

/**
 * Registers a secret value (a client secret, a password, a private key …) so that it is replaced by
 * `[REDACTED]` in every log line, whatever key it appears under. Values shorter than 6 characters
 * are ignored: scrubbing them would mangle ordinary text.
 */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) secretValues.add(value);
}

/** Replaces every registered secret value in `text`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const s of secretValues) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
    const json = JSON.stringify(s).slice(1, -1);
    if (json !== s && out.includes(json)) out = out.split(json).join(REDACTED);
  }
  return out;
}

/** A destination that scrubs registered secret values from each line before writing it. */
function scrubbingDestination(inner: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      inner.write(secretValues.size ? scrubSecrets(line) : line);
    },
  };
}

export interface LoggerSettings {
  level?: string;
  /** `json` (default) or `console` (human-readable, for terminals). */
  format?: 'json' | 'console';
  name?: string;
  /** Where lines go; stdout by default. Tests pass a collecting stream. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.name ?? 'baton-entra' },
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const inner: DestinationStream =
    settings.destination ??
    (settings.format === 'console'
      ? (pino.transport({
          target: 'pino-pretty',
          options: { colorize: false, singleLine: true },
        }) as DestinationStream)
      : pino.destination({ dest: 1, sync: false }));
  return pino(options, scrubbingDestination(inner));
}

/** A logger that drops everything (for tests and library callers that pass none). */
export const silentLogger: Logger = pino({ level: 'silent' });

import { createLogger, type Logger } from '../../src/observability/logger.js';

/** A logger at `trace` whose lines are kept, so the secret oracle reads everything a run logged. */
export function collectingLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'trace',
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, text: () => lines.join('') };
}

import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../../src/observability/logger.js';

export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/**
 * A logger whose lines are parsed and kept, with a way to await a message: tests wait for what the
 * daemon says it did instead of sleeping.
 */
export class LogEvents extends EventEmitter {
  readonly records: LogRecord[] = [];
  readonly lines: string[] = [];
  readonly logger: Logger;

  constructor(level = 'debug') {
    super();
    const stream = new Writable({
      write: (chunk, _enc, cb) => {
        const line = String(chunk);
        this.lines.push(line);
        const rec = JSON.parse(line) as LogRecord;
        this.records.push(rec);
        this.emit('record', rec);
        cb();
      },
    });
    this.logger = createLogger({ level, destination: stream as never });
  }

  count(msg: string, where: (r: LogRecord) => boolean = () => true): number {
    return this.records.filter((r) => r.msg === msg && where(r)).length;
  }

  /** Resolves on the `n`-th record (counting those already seen) with this message. */
  waitFor(
    msg: string,
    n = 1,
    where: (r: LogRecord) => boolean = () => true,
    timeoutMs = 90_000,
  ): Promise<LogRecord> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hits = this.records.filter((r) => r.msg === msg && where(r));
        if (hits.length >= n) {
          this.off('record', check);
          clearTimeout(timer);
          resolve(hits[n - 1]!);
        }
      };
      const timer = setTimeout(() => {
        this.off('record', check);
        reject(
          new Error(
            `no log "${msg}" (#${n}) within ${timeoutMs} ms; last: ${this.records
              .slice(-5)
              .map((r) => r.msg)
              .join(' | ')}`,
          ),
        );
      }, timeoutMs);
      this.on('record', check);
      check();
    });
  }
}

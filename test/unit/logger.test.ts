import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, registerSecret } from '../../src/observability/logger.js';

function collect(): { stream: Writable & { write(s: string): boolean }; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { stream: stream as never, lines };
}

describe('logger redaction', () => {
  it('redacts secrets by key', () => {
    const { stream, lines } = collect();
    const log = createLogger({ destination: stream });
    log.info({ clientSecret: 'abc-def-123', nested: { password: 'hunter22' } }, 'hello');
    const text = lines.join('');
    assert.doesNotMatch(text, /abc-def-123/);
    assert.doesNotMatch(text, /hunter22/);
    assert.match(text, /\[REDACTED\]/);
  });

  it('redacts registered secret values wherever they appear', () => {
    const { stream, lines } = collect();
    const log = createLogger({ destination: stream });
    registerSecret('s3cr3t-value-xyz');
    log.info({ url: 'https://x/?q=s3cr3t-value-xyz' }, 'leaked s3cr3t-value-xyz in a message');
    const text = lines.join('');
    assert.doesNotMatch(text, /s3cr3t-value-xyz/);
  });
});

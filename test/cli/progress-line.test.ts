import assert from 'node:assert/strict';
import { LiveLine, renderProgressLine } from '../../src/cli/progress-line.js';
import type { PhaseStatus } from '../../src/framework/progress.js';

const users: PhaseStatus = { phase: 'users', items: 40_000, total: 100_000, perSecond: 4000, etaSeconds: 15 };
const groups: PhaseStatus = { phase: 'groups', items: 5000, perSecond: 2000 };

/** A terminal that keeps what is written and works out what the screen shows. */
function terminal(columns = 120) {
  const written: string[] = [];
  return {
    columns,
    written,
    write: (s: string) => void written.push(s),
    /** The screen's lines: `\r\x1b[2K` erases the current line, `\n` starts a new one. */
    screen(): string[] {
      const erase = '\r\x1b[2K';
      const lines = [''];
      for (const chunk of written)
        chunk.split('\n').forEach((row, i) => {
          if (i > 0) lines.push('');
          const pieces = row.split(erase);
          if (pieces.length > 1) lines[lines.length - 1] = '';
          lines[lines.length - 1] += pieces.at(-1) ?? '';
        });
      return lines;
    },
  };
}

describe('the sync command’s live progress line', () => {
  it('renders every running phase with count, total, rate and estimate', () => {
    assert.equal(
      renderProgressLine([users, groups], 120),
      'syncing: users 40000/100000 40% 4000/s ~15 s · groups 5000 2000/s',
    );
    assert.equal(renderProgressLine([], 120), '');
  });

  it('never reaches the last column (a wrapped line cannot be erased)', () => {
    const line = renderProgressLine([users, groups], 30);
    assert.equal(line, 'syncing: users 40000/100000 …');
    assert.equal(line.length, 29);
  });

  it('rewrites itself in place, at most every 200 ms, and clears at the end', () => {
    const term = terminal();
    let t = 0;
    const live = new LiveLine(term, () => t);
    live.update([users]);
    live.update([{ ...users, items: 41_000 }]);
    assert.deepEqual(
      term.screen(),
      ['syncing: users 40000/100000 40% 4000/s ~15 s'],
      'the second is too soon',
    );
    t += 200;
    live.update([{ ...users, items: 42_000 }]);
    assert.deepEqual(term.screen(), ['syncing: users 42000/100000 42% 4000/s ~15 s']);
    live.clear();
    assert.deepEqual(term.screen(), ['']);
  });

  it('log lines go above it, never into it', () => {
    const term = terminal();
    const live = new LiveLine(term, () => 0);
    const log = live.around({ write: (l: string) => term.write(l) });
    log.write('{"msg":"sync started"}\n');
    live.update([groups]);
    log.write('{"msg":"phase complete"}\n');
    assert.deepEqual(term.screen(), [
      '{"msg":"sync started"}',
      '{"msg":"phase complete"}',
      'syncing: groups 5000 2000/s',
    ]);
    live.update([]);
    assert.deepEqual(term.screen().at(-1), '', 'no phase left: cleared at once');
  });
});

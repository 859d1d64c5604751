import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { END, README, START, VALUES, valuesTable, withTable } from './values-doc.js';

// The chart README's values table against values.yaml (regenerate: npx tsx test/deploy/values-doc.ts).

/** The table between the markers with cell padding removed (prettier aligns the columns). */
function table(readme: string): string[] {
  const body = readme.slice(readme.indexOf(START) + START.length, readme.indexOf(END));
  return body
    .split('\n')
    .filter((l) => l.startsWith('|'))
    .map((l) => l.replace(/\s*\|\s*/g, '|').replace(/\|-+(?=\|)/g, '|-'));
}

describe('chart README values table', () => {
  it('documents every value of values.yaml and matches it', () => {
    const readme = readFileSync(README, 'utf8');
    const expected = table(withTable(readme, readFileSync(VALUES, 'utf8')));
    assert.ok(expected.length > 50, 'one row per value');
    assert.deepEqual(table(readme), expected, 'stale: run `npx tsx test/deploy/values-doc.ts`');
  });

  it('refuses a value without a "# --" description', () => {
    const text = '# -- documented\na: 1\nb:\n  # -- documented too\n  c: x\n  d: []\n';
    assert.throws(() => valuesTable(text), /no "# --" description for b\.d$/);
  });

  it('a documented map is one row; continuation lines join the description', () => {
    const text =
      '# -- Pod labels,\n# one per line.\nlabels:\n  a: b\n# plain comment\nx:\n  # -- X.\n  y: 2\n';
    assert.deepEqual(valuesTable(text).split('\n').slice(2), [
      '| labels | object | `{"a":"b"}` | Pod labels, one per line. |',
      '| x.y | int | `2` | X. |',
    ]);
  });

  it('notices a stale table', () => {
    const readme = `${START}\n| Key | Type | Default | Description |\n${END}\n`;
    const values = '# -- Replicas.\nreplicaCount: 1\n';
    assert.notDeepEqual(table(readme), table(withTable(readme, values)));
    assert.deepEqual(table(withTable(readme, values)).at(-1), '|replicaCount|int|`1`|Replicas.|');
  });
});

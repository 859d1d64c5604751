import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every relative import of every file under src/, as [importer, imported] paths relative to src/. */
function imports(): [string, string][] {
  const out: [string, string][] = [];
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      out.push([relative(SRC, file), relative(SRC, resolve(dirname(file), m[1]!))]);
    }
  }
  return out;
}

/** Rooms and the rooms they may not import (see README, "Architecture"). */
const FORBIDDEN: [from: string, to: string][] = [
  ['framework/', 'connector/'],
  ['framework/', 'graph/'],
  ['framework/', 'config/'],
  ['framework/', 'daemon/'],
  ['framework/', 'simulator/'],
  ['connector/', 'daemon/'],
  ['connector/', 'simulator/'],
  ['graph/', 'simulator/'],
  ['simulator/', 'connector/'],
  ['simulator/', 'graph/'],
  ['simulator/', 'framework/'],
  ['snapshot/', 'connector/'],
  ['snapshot/', 'framework/engine/'],
  ['snapshot/', 'daemon/'],
  // The bottom layer: logging and metrics are used by every room and use none of them.
  ...[
    'cli/',
    'config/',
    'connector/',
    'daemon/',
    'exchange/',
    'framework/',
    'graph/',
    'reference-control-plane/',
    'simulator/',
    'snapshot/',
  ].map((to): [string, string] => ['observability/', to]),
];

export function violations(edges: [string, string][]): string[] {
  return edges
    .filter(([a, b]) => FORBIDDEN.some(([from, to]) => a.startsWith(from) && b.startsWith(to)))
    .map(([a, b]) => `${a} imports ${b}`);
}

describe('architecture: what may import what', () => {
  it('no room imports what it may not', () => {
    assert.deepEqual(violations(imports()), []);
  });

  it('the check catches a forbidden import', () => {
    assert.deepEqual(violations([['framework/engine/run.ts', 'connector/connector.js']]), [
      'framework/engine/run.ts imports connector/connector.js',
    ]);
  });
});

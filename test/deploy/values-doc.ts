import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as yaml from 'js-yaml';
import { CHART_DIR } from './helm.js';

/**
 * The chart README's values table, generated from values.yaml's helm-docs comments: `# -- text`
 * (continued by the `#` lines under it) right above a key documents that key, and a documented
 * map is one row. helm-docs itself is a Go binary outside npm, so this does its job here.
 *   npx tsx test/deploy/values-doc.ts     rewrites the table in charts/baton-entra/README.md
 * and test/deploy/values-doc.test.ts fails when the table is stale or a value is undocumented.
 */
export const START = '<!-- values-table:start -->';
export const END = '<!-- values-table:end -->';

interface Row {
  key: string;
  description: string;
}

/** The documented keys of a values.yaml text, in file order. */
export function documentedKeys(text: string): Row[] {
  const rows: Row[] = [];
  const stack: { indent: number; key: string }[] = [];
  let doc: string[] | undefined;
  for (const line of text.split('\n')) {
    const comment = /^\s*#\s?(.*)$/.exec(line);
    if (comment) {
      const body = comment[1]!;
      if (body.startsWith('-- ')) doc = [body.slice(3).trim()];
      else if (doc) doc.push(body.trim());
      continue;
    }
    const key = /^(\s*)([A-Za-z0-9_.-]+):/.exec(line);
    if (key) {
      const indent = key[1]!.length;
      while (stack.length && stack.at(-1)!.indent >= indent) stack.pop();
      stack.push({ indent, key: key[2]! });
      if (doc) rows.push({ key: stack.map((s) => s.key).join('.'), description: doc.join(' ') });
    }
    doc = undefined;
  }
  return rows;
}

/** Leaf values (scalars, lists, empty maps) that neither they nor a parent map document. */
export function undocumented(values: unknown, rows: Row[], path = ''): string[] {
  if (path && rows.some((r) => r.key === path)) return [];
  const isMap = values !== null && typeof values === 'object' && !Array.isArray(values);
  if (!isMap || Object.keys(values).length === 0) return [path];
  return Object.entries(values).flatMap(([k, v]) => undocumented(v, rows, path ? `${path}.${k}` : k));
}

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'list';
  if (v === null || typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The Markdown table, or an error listing every undocumented value. */
export function valuesTable(text: string): string {
  const values = yaml.load(text) as Record<string, unknown>;
  const rows = documentedKeys(text);
  const missing = undocumented(values, rows);
  if (missing.length) throw new Error(`values.yaml: no "# --" description for ${missing.join(', ')}`);
  const at = (key: string) =>
    key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], values);
  return [
    '| Key | Type | Default | Description |',
    '| --- | ---- | ------- | ----------- |',
    ...rows.map(({ key, description }) => {
      const v = at(key);
      return `| ${key} | ${typeOf(v)} | \`${cell(JSON.stringify(v))}\` | ${cell(description)} |`;
    }),
  ].join('\n');
}

/** `readme` with the text between the markers replaced by the table of `valuesText`. */
export function withTable(readme: string, valuesText: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README: markers ${START} … ${END} not found`);
  return `${readme.slice(0, start + START.length)}\n\n${valuesTable(valuesText)}\n\n${readme.slice(end)}`;
}

export const README = join(CHART_DIR, 'README.md');
export const VALUES = join(CHART_DIR, 'values.yaml');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(README, withTable(readFileSync(README, 'utf8'), readFileSync(VALUES, 'utf8')));
  console.log(`wrote the values table to ${README}`);
}

import type { FaultKind, FaultRule } from './api.js';

/** mulberry32: a small seeded PRNG, so a seeded fault schedule replays identically. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ActiveRule {
  rule: FaultRule;
  re: RegExp;
  query?: RegExp;
  remaining: number;
}

const KINDS = new Set<FaultKind>([
  'status429',
  'status503',
  'status504',
  'slow',
  'reset',
  'malformed',
  'truncated',
  'gone410',
  'lost-response',
  'drop-next-link',
  'empty-page',
  'repeat-items',
  'phantom-items',
]);

const RESPONDS = new Set(['reset', 'status504']);

/** Validates rules up front, so a bad rule is reported to whoever set it, not at request time. */
export function validateFaults(rules: unknown): FaultRule[] {
  if (!Array.isArray(rules)) throw new Error('faults: expected an array of fault rules');
  return rules.map((r, i) => {
    const rule = r as FaultRule;
    if (typeof rule?.path !== 'string')
      throw new Error(`faults[${i}].path: expected a regular expression source string`);
    try {
      new RegExp(rule.path);
    } catch {
      throw new Error(`faults[${i}].path: '${rule.path}' is not a valid regular expression`);
    }
    if (rule.query !== undefined) {
      try {
        new RegExp(rule.query);
      } catch {
        throw new Error(`faults[${i}].query: '${String(rule.query)}' is not a valid regular expression`);
      }
    }
    if (!KINDS.has(rule.kind)) throw new Error(`faults[${i}].kind: expected one of ${[...KINDS].join(', ')}`);
    if (rule.probability !== undefined && !(rule.probability >= 0 && rule.probability <= 1))
      throw new Error(`faults[${i}].probability: expected a number in 0..1`);
    if (rule.count !== undefined && !(Number.isInteger(rule.count) && rule.count >= 0))
      throw new Error(`faults[${i}].count: expected a non-negative integer`);
    if (rule.respond !== undefined && (rule.kind !== 'lost-response' || !RESPONDS.has(rule.respond)))
      throw new Error(
        `faults[${i}].respond: only for kind 'lost-response', one of ${[...RESPONDS].join(', ')}`,
      );
    return rule;
  });
}

/** Picks the fault (if any) for a request: first matching rule whose draw succeeds. */
export class FaultInjector {
  private rules: ActiveRule[] = [];

  constructor(private readonly random: () => number) {}

  set(rules: FaultRule[]): void {
    this.rules = validateFaults(rules).map((rule) => ({
      rule,
      re: new RegExp(rule.path),
      ...(rule.query !== undefined ? { query: new RegExp(rule.query) } : {}),
      remaining: rule.count ?? Infinity,
    }));
  }

  /** `query` is the decoded query string (`name=value` pairs joined by `&`). */
  pick(method: string, path: string, query = ''): FaultRule | undefined {
    for (const a of this.rules) {
      if (a.remaining <= 0) continue;
      if (a.rule.method && a.rule.method.toUpperCase() !== method) continue;
      if (!a.re.test(path)) continue;
      if (a.query && !a.query.test(query)) continue;
      if (this.random() >= (a.rule.probability ?? 1)) continue;
      a.remaining--;
      return a.rule;
    }
    return undefined;
  }
}

import { GraphHttpError } from '../http/message.js';

/**
 * A small OData `$filter` parser and evaluator for the forms directory queries use: `eq`, `ne`,
 * `gt`/`ge`/`lt`/`le`, `in`, `and`/`or`/`not`, `startswith`/`endswith`, and `any` lambdas
 * (`assignedLicenses/any(x:x/skuId eq …)`). https://learn.microsoft.com/graph/filter-query-parameter
 */
export type FilterNode =
  | { k: 'cmp'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; path: string[]; value: Literal }
  | { k: 'in'; path: string[]; values: Literal[] }
  | { k: 'and' | 'or'; l: FilterNode; r: FilterNode }
  | { k: 'not'; e: FilterNode }
  | { k: 'fn'; name: 'startswith' | 'endswith'; path: string[]; value: string }
  | { k: 'any'; path: string[]; v: string; body: FilterNode | null };

type Literal = string | number | boolean | null;

export interface ParsedFilter {
  root: FilterNode;
  /** Uses an operator that needs advanced query capabilities (`ne`, `not`, `endswith`). */
  advanced: boolean;
  /** First path segments referenced (for property validation). */
  properties: Set<string>;
}

type Tok =
  | { t: 'id'; v: string }
  | { t: 'str'; v: string }
  | { t: 'lit'; v: Literal }
  | { t: 'p'; v: '(' | ')' | ',' | ':' };

function bad(detail: string): GraphHttpError {
  return new GraphHttpError(400, 'BadRequest', `Invalid filter clause: ${detail}`);
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if ('(),:'.includes(c)) {
      out.push({ t: 'p', v: c as '(' });
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw bad('unterminated string literal');
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    const m = /^[A-Za-z0-9_.\-/+:@]+/.exec(src.slice(i));
    if (!m) throw bad(`unexpected character '${c}' at position ${i}`);
    let word = m[0];
    // A bare identifier followed by ':' is a lambda variable, not part of a datetime.
    if (/^[A-Za-z_]\w*:/.test(word) && !/^\d/.test(word)) word = word.slice(0, word.indexOf(':'));
    i += word.length;
    if (word === 'true' || word === 'false') out.push({ t: 'lit', v: word === 'true' });
    else if (word === 'null') out.push({ t: 'lit', v: null });
    else if (/^-?\d+(\.\d+)?$/.test(word)) out.push({ t: 'lit', v: Number(word) });
    else if (
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(word) ||
      /^\d{4}-\d\d-\d\d/.test(word)
    )
      out.push({ t: 'str', v: word });
    else out.push({ t: 'id', v: word });
  }
  return out;
}

class Parser {
  private i = 0;
  advanced = false;
  readonly properties = new Set<string>();
  private readonly vars: string[] = [];
  constructor(private readonly toks: Tok[]) {}

  parse(): FilterNode {
    const n = this.or();
    if (this.i < this.toks.length) throw bad(`unexpected token '${String(this.toks[this.i]?.v)}'`);
    return n;
  }
  private peek(): Tok | undefined {
    return this.toks[this.i];
  }
  private isWord(w: string): boolean {
    const t = this.peek();
    return t?.t === 'id' && t.v.toLowerCase() === w;
  }
  private expectP(v: string): void {
    const t = this.toks[this.i++];
    if (t?.t !== 'p' || t.v !== v) throw bad(`expected '${v}'`);
  }
  private or(): FilterNode {
    let l = this.and();
    while (this.isWord('or')) {
      this.i++;
      l = { k: 'or', l, r: this.and() };
    }
    return l;
  }
  private and(): FilterNode {
    let l = this.unary();
    while (this.isWord('and')) {
      this.i++;
      l = { k: 'and', l, r: this.unary() };
    }
    return l;
  }
  private unary(): FilterNode {
    if (this.isWord('not')) {
      this.i++;
      this.advanced = true;
      return { k: 'not', e: this.unary() };
    }
    const t = this.peek();
    if (t?.t === 'p' && t.v === '(') {
      this.i++;
      const e = this.or();
      this.expectP(')');
      return e;
    }
    return this.primary();
  }
  private literal(): Literal {
    const t = this.toks[this.i++];
    if (t?.t === 'str' || t?.t === 'lit') return t.v;
    throw bad('expected a literal value');
  }
  private path(): string[] {
    const t = this.toks[this.i++];
    if (t?.t !== 'id') throw bad('expected a property name');
    const path = t.v.split('/');
    const head = path[0] as string;
    if (!this.vars.includes(head)) this.properties.add(head);
    return path;
  }
  private primary(): FilterNode {
    const t = this.peek();
    if (
      t?.t === 'id' &&
      (t.v.toLowerCase() === 'startswith' || t.v.toLowerCase() === 'endswith') &&
      this.toks[this.i + 1]?.v === '('
    ) {
      const name = t.v.toLowerCase() as 'startswith' | 'endswith';
      if (name === 'endswith') this.advanced = true;
      this.i += 2;
      const path = this.path();
      this.expectP(',');
      const value = this.literal();
      this.expectP(')');
      if (typeof value !== 'string') throw bad(`${name} needs a string`);
      return { k: 'fn', name, path, value };
    }
    const path = this.path();
    const last = path[path.length - 1];
    if (last === 'any' || last === 'all') {
      if (last === 'all')
        throw new GraphHttpError(
          400,
          'Request_UnsupportedQuery',
          "Unsupported query: lambda operator 'all'.",
        );
      this.expectP('(');
      const close = this.peek();
      if (close?.t === 'p' && close.v === ')') {
        this.i++;
        return { k: 'any', path: path.slice(0, -1), v: '', body: null };
      }
      const v = this.toks[this.i++];
      if (v?.t !== 'id') throw bad('expected a lambda variable');
      this.expectP(':');
      this.vars.push(v.v);
      const body = this.or();
      this.vars.pop();
      this.expectP(')');
      return { k: 'any', path: path.slice(0, -1), v: v.v, body };
    }
    const op = this.toks[this.i++];
    if (op?.t !== 'id') throw bad('expected an operator');
    const o = op.v.toLowerCase();
    if (o === 'in') {
      this.expectP('(');
      const values: Literal[] = [this.literal()];
      while (this.peek()?.v === ',') {
        this.i++;
        values.push(this.literal());
      }
      this.expectP(')');
      return { k: 'in', path, values };
    }
    if (!['eq', 'ne', 'gt', 'ge', 'lt', 'le'].includes(o)) throw bad(`unsupported operator '${op.v}'`);
    if (o === 'ne') this.advanced = true;
    return { k: 'cmp', op: o as 'eq', path, value: this.literal() };
  }
}

export function parseFilter(src: string): ParsedFilter {
  const p = new Parser(tokenize(src));
  const root = p.parse();
  return { root, advanced: p.advanced, properties: p.properties };
}

function get(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const seg of path) {
    if (cur === null || cur === undefined || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

function compare(a: unknown, b: Literal): number | undefined {
  if (a === undefined || a === null || b === null) return undefined;
  if (typeof a === 'string' && typeof b === 'string') {
    const da = Date.parse(a);
    const db = Date.parse(b);
    if (/^\d{4}-\d\d-\d\d/.test(a) && !Number.isNaN(da) && !Number.isNaN(db)) return da - db;
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  return undefined;
}

function equals(a: unknown, b: Literal): boolean {
  if (b === null) return a === null || a === undefined;
  if (Array.isArray(a)) return a.some((x) => compare(x, b) === 0);
  return compare(a, b) === 0;
}

export function evaluate(node: FilterNode, rec: unknown, scope: Record<string, unknown> = {}): boolean {
  const val = (path: string[]): unknown =>
    path[0] !== undefined && path[0] in scope ? get(scope[path[0]], path.slice(1)) : get(rec, path);
  switch (node.k) {
    case 'and':
      return evaluate(node.l, rec, scope) && evaluate(node.r, rec, scope);
    case 'or':
      return evaluate(node.l, rec, scope) || evaluate(node.r, rec, scope);
    case 'not':
      return !evaluate(node.e, rec, scope);
    case 'in': {
      const v = val(node.path);
      return node.values.some((x) => equals(v, x));
    }
    case 'fn': {
      const v = val(node.path);
      const s = node.value.toLowerCase();
      const test = (x: unknown): boolean =>
        typeof x === 'string' &&
        (node.name === 'startswith' ? x.toLowerCase().startsWith(s) : x.toLowerCase().endsWith(s));
      return Array.isArray(v) ? v.some(test) : test(v);
    }
    case 'any': {
      const arr = val(node.path);
      if (!Array.isArray(arr)) return false;
      if (node.body === null) return arr.length > 0;
      const body = node.body;
      return arr.some((x) => evaluate(body, rec, { ...scope, [node.v]: x }));
    }
    case 'cmp': {
      const v = val(node.path);
      if (node.op === 'eq') return equals(v, node.value);
      if (node.op === 'ne') return !equals(v, node.value);
      const c = compare(v, node.value);
      if (c === undefined) return false;
      return node.op === 'gt' ? c > 0 : node.op === 'ge' ? c >= 0 : node.op === 'lt' ? c < 0 : c <= 0;
    }
  }
}

/** The ids of a delta `$filter=id eq '…' or id eq '…'`, or undefined when the filter has another shape. */
export function idOrList(node: FilterNode): string[] | undefined {
  if (node.k === 'or') {
    const l = idOrList(node.l);
    const r = idOrList(node.r);
    return l && r ? [...l, ...r] : undefined;
  }
  if (
    node.k === 'cmp' &&
    node.op === 'eq' &&
    node.path.length === 1 &&
    node.path[0] === 'id' &&
    typeof node.value === 'string'
  )
    return [node.value];
  return undefined;
}

import type { ActionSchema, ImplementationResult, OperationOptions } from '../../framework/capabilities.js';
import { invalidArgument } from '../../framework/provisioning/requests.js';
import type { JsonObject } from '../../framework/types.js';

/** One action: its declaration, and what it does once its arguments have been checked against it. */
export interface ActionDef {
  schema: ActionSchema;
  run(args: JsonObject, o: OperationOptions): Promise<ImplementationResult>;
}

type Scalar = 'string' | 'boolean' | 'integer' | 'array' | 'object' | 'null';

/** The part of JSON Schema (draft 2020-12) action arguments are declared in. */
export interface ArgSchema {
  type: Scalar | Scalar[];
  description?: string;
  enum?: string[];
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: ArgSchema;
  maxItems?: number;
  properties?: Record<string, ArgSchema>;
  required?: string[];
  additionalProperties?: boolean;
}

/** An action's arguments: an object of the named properties and no others. */
export function argumentsSchema(properties: Record<string, ArgSchema>, required: string[] = []): JsonObject {
  const s: ArgSchema = { type: 'object', properties, required, additionalProperties: false };
  return { $schema: 'https://json-schema.org/draft/2020-12/schema', ...(s as unknown as JsonObject) };
}

/** A string argument. */
export const text = (description: string, extra: Partial<ArgSchema> = {}): ArgSchema => ({
  type: 'string',
  description,
  ...extra,
});

function typeOf(v: unknown): Scalar | 'number' | 'undefined' {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as Scalar;
}

/** Why a value does not fit a schema, naming the argument's path; undefined when it fits. */
function misfit(path: string, s: ArgSchema, v: unknown): string | undefined {
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const t = typeOf(v);
  if (!types.includes(t as Scalar))
    return `${path || '(arguments)'}: expected ${types.join(' or ')}, got ${t}`;
  if (typeof v === 'string') {
    if (s.enum && !s.enum.includes(v)) return `${path}: expected one of ${s.enum.join(', ')}, got "${v}"`;
    if (s.minLength !== undefined && v.length < s.minLength)
      return `${path}: at least ${s.minLength} character${s.minLength === 1 ? '' : 's'}`;
    if (s.maxLength !== undefined && v.length > s.maxLength)
      return `${path}: at most ${s.maxLength} characters`;
    if (s.pattern !== undefined && !new RegExp(s.pattern, 'u').test(v))
      return `${path}: "${v}" does not match ${s.pattern}`;
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) return `${path}: at most ${s.maxItems} items`;
    for (let i = 0; i < v.length && s.items; i++) {
      const why = misfit(`${path}[${i}]`, s.items, v[i]);
      if (why) return why;
    }
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    const at = (k: string) => (path ? `${path}.${k}` : k);
    for (const k of s.required ?? []) if (o[k] === undefined) return `${at(k)}: required`;
    for (const [k, x] of Object.entries(o)) {
      const p = s.properties?.[k];
      if (!p) {
        if (s.additionalProperties === false)
          return `${at(k)}: not an argument here (expected: ${Object.keys(s.properties ?? {}).join(', ')})`;
        continue;
      }
      const why = misfit(at(k), p, x);
      if (why) return why;
    }
  }
  return undefined;
}

/** Checks an action's arguments against its declared schema: INVALID_ARGUMENT naming the argument. */
export function checkArgs(schema: ActionSchema, args: unknown): void {
  const why = misfit('', schema.arguments as unknown as ArgSchema, args ?? {});
  if (why) throw invalidArgument(`action ${schema.name}: argument ${why}`);
}

/** Optional string argument: absent, or the value. */
export function optText(args: JsonObject, key: string): string | undefined {
  const v = args[key];
  return typeof v === 'string' ? v : undefined;
}

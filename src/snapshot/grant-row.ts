import { grantId } from '../framework/ids.js';
import type { Grant } from '../framework/types.js';

/**
 * How a grant is stored: its key columns and, only when the grant has any, the fields beyond them
 * as JSON. The id (`<entitlement>:<type>:<id>`) and the key fields are not stored again: they are
 * most of a grant's bytes, and a large tenant has millions of grants.
 */
export interface GrantRow {
  entitlement_id: string;
  principal_type: string;
  principal_id: string;
  /** NULL, or a JSON object of the grant's other fields (expandable, sources, metadata). */
  extra: string | null;
}

export class GrantIdMismatchError extends Error {
  constructor(id: string, expected: string) {
    super(`grant id ${id} is not the id of its entitlement and principal (${expected})`);
    this.name = 'GrantIdMismatchError';
  }
}

export function toGrantRow(g: Grant): [string, string, string, string | null] {
  const { id, entitlement, principal, ...rest } = g;
  // The id is rebuilt on reading, so a grant whose id says something else cannot be stored.
  const expected = grantId(entitlement, principal);
  if (id !== expected) throw new GrantIdMismatchError(id, expected);
  let extra: string | null = null;
  for (const k in rest) {
    if ((rest as Record<string, unknown>)[k] !== undefined) {
      extra = JSON.stringify(rest);
      break;
    }
  }
  return [entitlement, principal.type, principal.id, extra];
}

export function fromGrantRow(r: GrantRow): Grant {
  const principal = { type: r.principal_type, id: r.principal_id };
  const g: Grant = { id: grantId(r.entitlement_id, principal), entitlement: r.entitlement_id, principal };
  return r.extra === null ? g : Object.assign(g, JSON.parse(r.extra) as Partial<Grant>);
}

/** Orders grant ids as SQLite's BINARY collation does for the ASCII ids Baton uses. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Rows come in key order (entitlement, principal type, principal id); readers promise id order.
 * The two agree as long as no entitlement id or principal type is a proper prefix of another
 * followed by a character below ':' — true of the connector's ids (`<type>:<guid>:<slug>`, with
 * slugs that never prefix one another). Checked as rows stream, so a break shows as an error
 * rather than as a silently misordered export or a wrong diff.
 */
export function* inIdOrder(rows: Iterable<GrantRow>): Generator<Grant> {
  let last = '';
  for (const r of rows) {
    const g = fromGrantRow(r);
    if (last !== '' && compareIds(last, g.id) >= 0) {
      throw new Error(`snapshot grants are not in id order: ${g.id} follows ${last}`);
    }
    last = g.id;
    yield g;
  }
}

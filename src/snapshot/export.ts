import type { JsonObject } from '../framework/types.js';
import type { SnapshotDb } from './database.js';

/** One line of `snapshot export --format jsonl`. */
export type ExportRecord =
  | { kind: 'resource_type'; id: string; display_name: string; traits: string[] }
  | {
      kind: 'resource';
      id: string;
      resource_type: string;
      resource_id: string;
      display_name: string;
      status?: string;
      parent?: string;
      data: JsonObject;
    }
  | {
      kind: 'entitlement';
      id: string;
      resource: string;
      slug: string;
      purpose: string;
      grantable_to: string[];
      display_name: string;
    }
  | {
      kind: 'grant';
      id: string;
      entitlement: string;
      principal: { type: string; id: string };
      expandable?: string[];
      data?: JsonObject;
    };

/** Every record of the snapshot in a fixed order: types, resources, entitlements, grants (each by id). */
export function* exportRecords(db: SnapshotDb): Generator<ExportRecord> {
  for (const t of db.resourceTypes())
    yield { kind: 'resource_type', id: t.id, display_name: t.displayName, traits: t.traits };
  for (const r of db.resources()) {
    const { id, displayName, status, parent, ...rest } = r;
    const rec: ExportRecord = {
      kind: 'resource',
      id: `${id.resourceType}:${id.resource}`,
      resource_type: id.resourceType,
      resource_id: id.resource,
      display_name: displayName,
      data: rest as unknown as JsonObject,
    };
    if (status) rec.status = status;
    if (parent) rec.parent = `${parent.resourceType}:${parent.resource}`;
    yield rec;
  }
  for (const e of db.entitlements()) {
    yield {
      kind: 'entitlement',
      id: e.id,
      resource: `${e.resource.resourceType}:${e.resource.resource}`,
      slug: e.slug,
      purpose: e.purpose,
      grantable_to: e.grantableTo,
      display_name: e.displayName,
    };
  }
  for (const g of db.grants()) {
    const rec: ExportRecord = { kind: 'grant', id: g.id, entitlement: g.entitlement, principal: g.principal };
    if (g.expandable) rec.expandable = g.expandable;
    if (g.metadata) rec.data = g.metadata;
    yield rec;
  }
}

export const CSV_COLUMNS = [
  'kind',
  'id',
  'resource_type',
  'resource_id',
  'display_name',
  'entitlement',
  'slug',
  'purpose',
  'principal_type',
  'principal_id',
  'expandable',
  'data',
] as const;

/** RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. */
export function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export function csvRow(r: ExportRecord): string {
  const flat: Record<string, unknown> = { kind: r.kind, id: r.id };
  switch (r.kind) {
    case 'resource_type':
      flat.display_name = r.display_name;
      flat.data = { traits: r.traits };
      break;
    case 'resource':
      Object.assign(flat, {
        resource_type: r.resource_type,
        resource_id: r.resource_id,
        display_name: r.display_name,
        data: r.data,
      });
      break;
    case 'entitlement': {
      const [type, id] = r.resource.split(':');
      Object.assign(flat, {
        resource_type: type,
        resource_id: id,
        display_name: r.display_name,
        slug: r.slug,
        purpose: r.purpose,
      });
      break;
    }
    case 'grant':
      Object.assign(flat, {
        entitlement: r.entitlement,
        principal_type: r.principal.type,
        principal_id: r.principal.id,
        expandable: r.expandable?.join(' '),
        data: r.data,
      });
      break;
  }
  return CSV_COLUMNS.map((c) => csvField(flat[c])).join(',');
}

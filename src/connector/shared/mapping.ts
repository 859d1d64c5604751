import type { JsonObject, JsonValue } from '../../framework/types.js';
import type { GraphObject } from './collect-context.js';

/** One documented attribute mapping: Entra (Graph) property → snapshot field. */
export interface FieldMapping {
  entra: string;
  field: string;
  note?: string;
}

/** Copies `entra` → `profile.<field>` for the simple mappings (`profile.` fields only). */
export function applyProfileMappings(item: GraphObject, mappings: FieldMapping[]): JsonObject {
  const out: JsonObject = {};
  for (const m of mappings) {
    if (!m.field.startsWith('profile.') || m.note) continue;
    const v = item[m.entra];
    if (v !== undefined) out[m.field.slice('profile.'.length)] = v as JsonValue;
  }
  return out;
}

import type { SimContext } from '../context.js';
import type { AccessClaims } from '../identity/bearer.js';
import type { SimRequest, SimResponse } from '../http/message.js';
import type { GraphVersion } from './collection.js';
import type { DirectoryObjectKind } from '../tenant/model.js';

/** A Graph request after the version segment is split off and the token is verified. */
export interface GraphRequest extends SimRequest {
  version: GraphVersion;
  /** Path after `/v1.0` or `/beta`, e.g. `/users/{id}`. */
  rest: string;
  claims: AccessClaims;
  /**
   * An OData cast segment on a relationship (`/groups/{id}/members/microsoft.graph.user`): the
   * kind kept, and the path as requested (for nextLinks).
   */
  cast?: { kind: DirectoryObjectKind; path: string };
}

export interface GraphRoute {
  method: string;
  pattern: RegExp;
  /** Counter key, e.g. `GET /users/{id}`. */
  key: string;
  /** Any one of these application permissions is enough. */
  permissions: readonly string[];
  handle(ctx: SimContext, req: GraphRequest, params: string[]): SimResponse | Promise<SimResponse>;
}

export function route(
  method: string,
  template: string,
  permissions: readonly string[],
  handle: GraphRoute['handle'],
): GraphRoute {
  const pattern = new RegExp(
    `^${template.replace(/[.$]/g, (c) => `\\${c}`).replace(/\{[^}]+\}/g, '([^/]+)')}/?$`,
  );
  return { method, pattern, key: `${method} ${template}`, permissions, handle };
}

import type { SimContext } from '../context.js';
import type { SimResponse } from '../http/message.js';
import type { DirectoryObjectKind, Guid } from '../tenant/model.js';
import { listPage, type CollectionRequest } from './collection.js';
import { objects, odataType, type DirObject } from './directory.js';
import { parseQuery } from './query.js';
import { DIRECTORY_OBJECT, DIRECTORY_OBJECT_TYPES } from './resource-types.js';

type Row = DirObject & Record<string, unknown>;

/**
 * A collection of directory objects of mixed kinds (members, owners, memberOf, role members):
 * each item carries `@odata.type` and is projected by its own type, so `$select` may name a
 * property of any derived type (e.g. `servicePrincipalType`).
 */
export function relationList(
  ctx: SimContext,
  req: CollectionRequest & {
    headers: Record<string, string>;
    cast?: { kind: DirectoryObjectKind; path: string };
  },
  ids: readonly Guid[],
  opts: { unpaged?: boolean } = {},
): SimResponse {
  const q = parseQuery(req.query, req.headers, DIRECTORY_OBJECT);
  const cast = req.cast;
  const rows: Row[] = objects(ctx, ids)
    .filter((o) => !cast || o.kind === cast.kind)
    .map((o) => ({ ...(o.rec as Record<string, unknown>), ...o }));
  return listPage<Row>(ctx, cast ? { ...req, path: cast.path } : req, q, {
    type: DIRECTORY_OBJECT,
    typeOf: (r) => DIRECTORY_OBJECT_TYPES[r.kind],
    items: rows,
    contextPath: cast ? `${cast.kind}s` : 'directoryObjects',
    ...(opts.unpaged ? { unpaged: true } : {}),
    annotate: (r) => ({ '@odata.type': odataType(r.kind) }),
  });
}

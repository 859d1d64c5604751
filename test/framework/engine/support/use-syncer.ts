import type { SyncerContext } from '../../../../src/framework/connector.js';
import { entitlementId, grantId } from '../../../../src/framework/ids.js';
import type { Resource, ResourceSyncer, ResourceType } from '../../../../src/framework/types.js';

/**
 * The syncer of a test connector's objects of kind `type.id`: a resource each (listed `pageSize`
 * at a time), each offering a `use` entitlement (grantable to widgets) whose grants are its `use`
 * links, the principal typed by the link's target kind.
 */
export function useSyncer(type: ResourceType, source: SyncerContext['source'], pageSize = 2): ResourceSyncer {
  const toResource = (id: string): Resource => ({
    id: { resourceType: type.id, resource: id },
    displayName: id,
    profile: {},
  });
  return {
    resourceType: type,
    list: (token) => {
      const rows = source.page<{ id: string }>(type.id, token ?? '', pageSize);
      return Promise.resolve({
        items: rows.map((r) => toResource(r.id)),
        ...(rows.length === pageSize ? { nextPageToken: rows.at(-1)!.id } : {}),
      });
    },
    entitlements: (r) => [
      {
        id: entitlementId(r.id, 'use'),
        resource: r.id,
        slug: 'use',
        purpose: 'assignment',
        grantableTo: ['widget'],
        displayName: `${r.displayName} use`,
      },
    ],
    grants: (r) => {
      const e = entitlementId(r.id, 'use');
      return Promise.resolve({
        items: source.links(type.id, r.id.resource, 'use').map((l) => {
          const principal = { type: l.targetKind, id: l.targetId };
          return { id: grantId(e, principal), entitlement: e, principal };
        }),
      });
    },
  };
}

/**
 * The slice of the reflect-metadata API that @peculiar/x509's dependency injection container
 * (tsyringe) checks for at load time and uses: define/get/getOwn on a target.
 */
type Store = Map<unknown, unknown>;
const stores = new WeakMap<object, Map<PropertyKey | undefined, Store>>();

function own(target: object, key?: PropertyKey): Store | undefined {
  return stores.get(target)?.get(key);
}

const api = {
  defineMetadata(metaKey: unknown, value: unknown, target: object, key?: PropertyKey): void {
    let byKey = stores.get(target);
    if (!byKey) stores.set(target, (byKey = new Map()));
    let store = byKey.get(key);
    if (!store) byKey.set(key, (store = new Map()));
    store.set(metaKey, value);
  },
  getOwnMetadata(metaKey: unknown, target: object, key?: PropertyKey): unknown {
    return own(target, key)?.get(metaKey);
  },
  getMetadata(metaKey: unknown, target: object, key?: PropertyKey): unknown {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const store = own(t, key);
      if (store?.has(metaKey)) return store.get(metaKey);
    }
    return undefined;
  },
};

const R = Reflect as unknown as Record<string, unknown>;
for (const [name, fn] of Object.entries(api)) R[name] ??= fn;

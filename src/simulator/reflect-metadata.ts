/**
 * @peculiar/x509 registers its services with tsyringe, which refuses to load unless the
 * `Reflect.getMetadata` family exists (the `reflect-metadata` polyfill). x509 never uses
 * decorator metadata at run time, so this minimal, spec-shaped subset is enough; it is installed
 * only when no real polyfill is present. Import it before @peculiar/x509.
 */
type Store = WeakMap<object, Map<string | symbol | undefined, Map<unknown, unknown>>>;
const store: Store = new WeakMap();

function table(
  target: object,
  property: string | symbol | undefined,
  create: boolean,
): Map<unknown, unknown> | undefined {
  let byProp = store.get(target);
  if (!byProp && create) store.set(target, (byProp = new Map()));
  let t = byProp?.get(property);
  if (!t && create && byProp) byProp.set(property, (t = new Map()));
  return t;
}

const R = Reflect as unknown as Record<string, unknown>;
if (typeof R.getMetadata !== 'function') {
  R.defineMetadata = (key: unknown, value: unknown, target: object, property?: string | symbol) => {
    table(target, property, true)?.set(key, value);
  };
  R.getOwnMetadata = (key: unknown, target: object, property?: string | symbol) =>
    table(target, property, false)?.get(key);
  R.hasOwnMetadata = (key: unknown, target: object, property?: string | symbol) =>
    table(target, property, false)?.has(key) ?? false;
  R.getMetadata = (key: unknown, target: object, property?: string | symbol): unknown => {
    for (let o: object | null = target; o; o = Object.getPrototypeOf(o) as object | null) {
      const t = table(o, property, false);
      if (t?.has(key)) return t.get(key);
    }
    return undefined;
  };
  R.hasMetadata = (key: unknown, target: object, property?: string | symbol) =>
    (R.getMetadata as (k: unknown, t: object, p?: string | symbol) => unknown)(key, target, property) !==
    undefined;
  R.metadata = (key: unknown, value: unknown) => (target: object, property?: string | symbol) =>
    (R.defineMetadata as (...a: unknown[]) => void)(key, value, target, property);
}

export {};

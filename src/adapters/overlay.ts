/**
 * A view of an adapter in which some members are replaced and every other one reads through
 * to the adapter itself, so what a store or issuer offers beyond its interface (a VaultStore's
 * secret(), a FileStore's stats) and `instanceof` keep working on the wrapped object.
 */
export function overlay<T extends object>(target: T, replaced: Partial<T>): T {
  return new Proxy(target, {
    get(adapter, property) {
      if (Object.hasOwn(replaced, property)) return (replaced as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(adapter, property, adapter);
      // the adapter's own methods run on the adapter, not on the proxy: private class fields require it
      return typeof value === 'function' ? value.bind(adapter) : value;
    },
  });
}

/** The load-time check that an adapter has the methods its interface requires, before anything calls one. */

/**
 * Throws a plain Error (an adapter without a required method is a bug in keyturn, not in
 * rotation.yaml) naming the adapter and the first missing method: "issuer tokens (random) has no create()".
 */
export function checkShape(adapter: string, object: object, required: readonly string[], optional: readonly string[] = []): void {
  const members = object as Record<string, unknown>;
  const type = typeof members.type === 'string' ? members.type : 'no type';
  for (const method of required) {
    if (typeof members[method] !== 'function') throw new Error(`${adapter} (${type}) has no ${method}()`);
  }
  for (const method of optional) {
    const value = members[method];
    if (value !== undefined && typeof value !== 'function') throw new Error(`${adapter} (${type}) has a ${method} that is not a function`);
  }
}

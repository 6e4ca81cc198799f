/**
 * What the wrapper does around every adapter call: the failpoint named after the method, the
 * dry-run refusal of a mutating one, and the adapter's name on whatever error leaves it.
 */
import { ExitCode, isKeyturnError, KeyturnError } from '../errors.js';
import { trip } from '../failpoints.js';

/**
 * Run `call` behind the failpoint `point` (narrowed by `key`). With nothing armed the adapter
 * is called in the same tick: the file and vault stores copy their arguments before their first
 * await, and a caller may change the object as soon as the call has returned its promise.
 */
export function guarded<T>(adapter: string, point: string, key: string | undefined, call: () => Promise<T>): Promise<T> {
  const untag = (error: unknown): never => {
    throw tagError(error, adapter);
  };
  const tripped = trip(point, key);
  if (tripped) return tripped.then(undefined, untag);
  return tagSync(adapter, call).then(undefined, untag);
}

/** A synchronous adapter call: a throw carries the adapter's name like a rejection does. */
export function tagSync<T>(adapter: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw tagError(error, adapter);
  }
}

/**
 * Name the adapter on an error that leaves it, without changing its message or class (tests,
 * the engine's error kinds and the AWS error names depend on both). The innermost adapter wins:
 * a store error that passes through an issuer (Binance reads its management key) names the store.
 */
export function tagError(error: unknown, adapter: string): unknown {
  if (isKeyturnError(error)) {
    error.details.adapter ??= adapter;
  } else if (error instanceof Error && Object.isExtensible(error) && !Object.hasOwn(error, 'adapter')) {
    // not enumerable: an error some code serializes whole must not change
    Object.defineProperty(error, 'adapter', { value: adapter, enumerable: false, configurable: true });
  }
  return error;
}

/** The adapter an error came from, as tagError recorded it. */
export function adapterOf(error: unknown): string | undefined {
  if (isKeyturnError(error)) return typeof error.details.adapter === 'string' ? error.details.adapter : undefined;
  const tagged = error instanceof Error ? (error as Error & { adapter?: unknown }).adapter : undefined;
  return typeof tagged === 'string' ? tagged : undefined;
}

/** A mutating call during a dry run is a bug in the caller: one refusal for every adapter, before it is reached. */
export function refusedInDryRun(adapter: string, method: string): KeyturnError {
  return new KeyturnError('EDRYRUN', `refusing to call ${method}() of ${adapter} during a dry run`, ExitCode.failed, {
    hint: 'this is a keyturn bug: dry runs must not call mutating adapter methods',
    adapter,
  });
}

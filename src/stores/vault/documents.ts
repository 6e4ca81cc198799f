/**
 * keyturn's own documents in Vault (state, pending, journal, history, lease), each a KV v2
 * secret whose data is `{ doc: "<json>" }`, changed only by check-and-set on the version
 * read. The last version seen is cached so a change usually costs one write; a CAS refusal
 * (someone else wrote) re-reads and re-applies. A decision not to write, or a refusal, is
 * only trusted on a fresh read, never on the cache. `peek` hands the cache to the store,
 * which serves reads from it only where it can tell nobody else writes (under its own lease).
 *
 * A deferred change (`defer`) is applied to the remembered document at once and written with
 * the next write to that path (or `flush`), in the same check-and-set: what Vault holds is
 * always the documents as of some earlier call, never a later change without an earlier one.
 */
import { isCasConflict } from './errors.js';
import type { VaultClient } from './client.js';

export const UNCHANGED = Symbol('unchanged');
export type Change<T, R> = { next: T | undefined | typeof UNCHANGED; value: R };

interface Seen {
  version: number;
  doc: unknown;
}

const MAX_CAS_ROUNDS = 8;

export class Documents {
  private readonly seen = new Map<string, Seen>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** changes acknowledged but not yet written, oldest first, re-applied to a fresh read */
  private readonly deferred = new Map<string, ((doc: unknown) => unknown)[]>();
  /** successful writes by this process, per path: whether a deferred change has been written since */
  private readonly writes = new Map<string, number>();

  constructor(private readonly client: VaultClient) {}

  /** Read from Vault (never the cache). */
  async read<T>(path: string): Promise<T | undefined> {
    return (await this.fetch(path)).doc as T | undefined;
  }

  /**
   * The document as this process last read or wrote it (a copy), without asking Vault; undefined
   * when never seen. Only a hint: another process may have written since.
   */
  peek<T>(path: string): { version: number; doc: T | undefined } | undefined {
    const seen = this.seen.get(path);
    return seen ? { version: seen.version, doc: structuredClone(seen.doc) as T | undefined } : undefined;
  }

  /** What `pick` reads of the document as last seen (no copy: `pick` must not keep or change what it is given). */
  glance<T, R>(path: string, pick: (doc: T | undefined) => R): R | undefined {
    const seen = this.seen.get(path);
    return seen ? pick(seen.doc as T | undefined) : undefined;
  }

  /** Apply `change` to the document and write the result with CAS; one change at a time per path in this process. */
  update<T, R>(path: string, change: (doc: T | undefined) => Change<T, R>): Promise<R> {
    const previous = this.queues.get(path) ?? Promise.resolve();
    const run = previous.then(
      () => this.apply(path, change),
      () => this.apply(path, change),
    );
    this.queues.set(path, run);
    const forget = () => {
      if (this.queues.get(path) === run) this.queues.delete(path);
    };
    run.then(forget, forget);
    return run;
  }

  /**
   * Apply `change` to the remembered document now and write it with the next write to `path`.
   * Only for a document this process remembers (false otherwise: the caller writes at once).
   * `change` may throw (e.g. the lease was lost) when it is applied again to a fresh read.
   */
  defer<T>(path: string, change: (doc: T | undefined) => T | undefined | typeof UNCHANGED): boolean {
    const seen = this.seen.get(path);
    if (!seen || this.queues.has(path)) return false;
    const apply = (doc: unknown) => {
      const next = change(doc as T | undefined);
      return next === UNCHANGED ? doc : next;
    };
    const next = change(structuredClone(seen.doc) as T | undefined);
    if (next === UNCHANGED) return true;
    // `next` was built from a copy and goes nowhere else: it is kept as it is
    seen.doc = next;
    this.deferred.set(path, [...(this.deferred.get(path) ?? []), apply]);
    return true;
  }

  /** How many times this process has written `path`. */
  writeCount(path: string): number {
    return this.writes.get(path) ?? 0;
  }

  /** Forget what is remembered of `path` and what was deferred on it (the lease it was written under is lost). */
  discard(path: string): void {
    this.seen.delete(path);
    this.deferred.delete(path);
  }

  /** Write what was deferred on `path`, if anything. */
  flush(path: string): Promise<void> {
    if (!this.deferred.get(path)?.length) return Promise.resolve();
    return this.update<unknown, void>(path, (doc) => ({ next: doc, value: undefined }));
  }

  async flushAll(): Promise<void> {
    await Promise.all([...this.deferred.keys()].map((path) => this.flush(path)));
  }

  /** Remove the document and all its versions (the pending material must not linger in old versions). */
  async remove(path: string): Promise<void> {
    await this.client.deleteMetadata(path.replace(/^([^/]+)\/data\//, '$1/metadata/'));
    this.seen.set(path, { version: 0, doc: undefined });
  }

  private async apply<T, R>(path: string, change: (doc: T | undefined) => Change<T, R>): Promise<R> {
    let lastConflict: unknown;
    for (let round = 0; round < MAX_CAS_ROUNDS; round += 1) {
      const cached = round === 0 ? this.seen.get(path) : undefined;
      // the remembered document already holds the deferred changes; a fresh read gets them applied (fetch)
      const base = cached ?? (await this.fetch(path));
      const pending = this.deferred.get(path)?.length ?? 0;
      let result: Change<T, R>;
      try {
        result = change(structuredClone(base.doc) as T | undefined);
      } catch (error) {
        if (cached) {
          this.seen.delete(path);
          continue;
        }
        throw error;
      }
      if (result.next === UNCHANGED) {
        if (cached) continue;
        if (pending === 0) return result.value;
        result = { next: base.doc as T | undefined, value: result.value };
      }
      try {
        const version = await this.client.writeData(path, { doc: JSON.stringify(result.next ?? null) }, base.version);
        this.seen.set(path, { version, doc: structuredClone(result.next) });
        this.deferred.get(path)?.splice(0, pending);
        this.writes.set(path, this.writeCount(path) + 1);
        return result.value;
      } catch (error) {
        this.seen.delete(path);
        if (!isCasConflict(error)) throw error;
        lastConflict = error;
      }
    }
    throw lastConflict;
  }

  private async fetch(path: string): Promise<Seen> {
    const read = await this.client.readData(path);
    const seen: Seen =
      read.state === 'present'
        ? { version: read.version, doc: decode(read.data.doc) }
        : { version: read.state === 'deleted' ? read.version : 0, doc: undefined };
    for (const apply of this.deferred.get(path) ?? []) seen.doc = apply(structuredClone(seen.doc));
    this.seen.set(path, seen);
    return seen;
  }
}

function decode(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  const parsed: unknown = JSON.parse(value);
  return parsed === null ? undefined : parsed;
}

/**
 * keyturn's own documents in Vault (state, pending, journal, history, lease), each a KV v2
 * secret whose data is `{ doc: "<json>" }`, changed only by check-and-set on the version
 * read. The last version seen is cached so a change usually costs one write; a CAS refusal
 * (someone else wrote) re-reads and re-applies. A decision not to write, or a refusal, is
 * only trusted on a fresh read, never on the cache. `peek` hands the cache to the store,
 * which serves reads from it only where it can tell nobody else writes (under its own lease).
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

  /** Remove the document and all its versions (the pending material must not linger in old versions). */
  async remove(path: string): Promise<void> {
    await this.client.deleteMetadata(path.replace(/^([^/]+)\/data\//, '$1/metadata/'));
    this.seen.set(path, { version: 0, doc: undefined });
  }

  private async apply<T, R>(path: string, change: (doc: T | undefined) => Change<T, R>): Promise<R> {
    let lastConflict: unknown;
    for (let round = 0; round < MAX_CAS_ROUNDS; round += 1) {
      const cached = round === 0 ? this.seen.get(path) : undefined;
      const base = cached ?? (await this.fetch(path));
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
        return result.value;
      }
      try {
        const version = await this.client.writeData(path, { doc: JSON.stringify(result.next ?? null) }, base.version);
        this.seen.set(path, { version, doc: structuredClone(result.next) });
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
    this.seen.set(path, seen);
    return seen;
  }
}

function decode(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  const parsed: unknown = JSON.parse(value);
  return parsed === null ? undefined : parsed;
}

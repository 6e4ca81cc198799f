/**
 * Group commit: mutations issued while a commit is in flight queue up and go together into
 * the next one, under one lock acquisition and one atomic write. Each mutation's promise
 * settles only after the write that contains it is durable (or failed). Under load the batch
 * grows by itself, so a busy store does fewer, larger writes instead of one per call.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SecretEntry, StoreDocument } from './document.js';
import { copyEntry, DOCUMENT_FORMAT, emptyEntry } from './document.js';
import { sweepTempFiles } from './atomic-write.js';
import { acquireFileLock, type LockOptions } from './file-lock.js';
import type { StateFile } from './state-file.js';

/** Change one entry; return whether it changed and the caller's result. Must not throw after changing anything. */
export type Apply<T> = (entry: SecretEntry, now: number) => { changed: boolean; value: T };

/** How long a holder stays away from the lock once it learns another process waits (the waiter polls at most every 5 ms). */
const YIELD_MS = 6;

interface Queued {
  path: string;
  apply: Apply<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface CommitStats {
  /** mutations submitted */
  mutations: number;
  /** lock acquisitions (batches) */
  commits: number;
  /** largest batch */
  maxBatch: number;
}

export class GroupCommitter {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private swept = false;
  private dirReady = false;
  /** set when another process waits for the lock: pause before taking it again */
  private yieldUntil = 0;
  readonly stats: CommitStats = { mutations: 0, commits: 0, maxBatch: 0 };

  constructor(
    private readonly state: StateFile,
    private readonly lockPath: string,
    private readonly lockOptions: LockOptions,
    private readonly now: () => number,
  ) {}

  submit<T>(path: string, apply: Apply<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ path, apply, resolve: resolve as (value: unknown) => void, reject });
      this.stats.mutations += 1;
      this.draining ??= this.drain();
    });
  }

  /** Resolves when everything submitted so far has been committed. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Let every call made in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length > 0) {
      const pause = this.yieldUntil - Date.now();
      // Mutations issued during the pause join this batch, so yielding costs little throughput.
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      const batch = this.queue.splice(0);
      await this.commit(batch);
    }
    this.draining = undefined;
  }

  private async commit(batch: Queued[]): Promise<void> {
    this.stats.commits += 1;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, batch.length);
    let outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;
    try {
      if (!this.dirReady) {
        // The first write may be the store's first: its directory is private like the key file's.
        await fs.mkdir(path.dirname(this.lockPath), { recursive: true, mode: 0o700 });
        this.dirReady = true;
      }
      const lock = await acquireFileLock(this.lockPath, this.lockOptions);
      try {
        const { doc, exists } = await this.state.readForUpdate();
        if (!this.swept) {
          this.swept = true;
          // We hold the lock, so a temp file older than the stale bound belongs to a writer that crashed.
          await sweepTempFiles(this.state.file, this.lockOptions.staleMs, Date.now());
        }
        const { next, results } = applyAll(doc, batch, this.now());
        outcomes = results;
        if (next) await this.state.write(next, exists, () => lock.verify());
      } finally {
        if (await lock.release()) this.yieldUntil = Date.now() + YIELD_MS + Math.random() * YIELD_MS;
      }
    } catch (error) {
      this.state.invalidate();
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}

/** Apply each mutation to a copy of its entry; `next` is undefined when nothing changed. */
function applyAll(doc: StoreDocument, batch: Queued[], now: number) {
  const working = new Map<string, SecretEntry>();
  const changed = new Set<string>();
  const results = batch.map((item) => {
    let entry = working.get(item.path);
    if (!entry) {
      const base = doc.secrets[item.path];
      entry = base ? copyEntry(base) : emptyEntry();
      working.set(item.path, entry);
    }
    try {
      const { changed: didChange, value } = item.apply(entry, now);
      if (didChange) changed.add(item.path);
      return { ok: true as const, value };
    } catch (error) {
      return { ok: false as const, error };
    }
  });
  if (changed.size === 0) return { next: undefined, results };
  const secrets = Object.assign(Object.create(null) as Record<string, SecretEntry>, doc.secrets);
  for (const path of changed) secrets[path] = working.get(path)!;
  const next: StoreDocument = { format: DOCUMENT_FORMAT, secrets };
  return { next, results };
}

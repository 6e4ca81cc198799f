/**
 * Group commit: mutations issued while a commit is in flight queue up and go together into
 * the next one, under one lock acquisition and one atomic write. Each mutation's promise
 * settles only after the write that contains it is durable (or failed). Under load the batch
 * grows by itself, so a busy store does fewer, larger writes instead of one per call.
 *
 * While more mutations are queued, nobody else waits and the lock is younger than MAX_HOLD_MS,
 * the committer keeps the lock for the next batch: nobody can have written the file meanwhile,
 * so it builds on its own last write without re-reading the file.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SecretEntry, StoreDocument } from './document.js';
import { copyEntry, DOCUMENT_FORMAT, emptyEntry, identityOf } from './document.js';
import { sweepTempFiles } from './atomic-write.js';
import { acquireFileLock, type FileLock, type LockOptions } from './file-lock.js';
import type { StateFile } from './state-file.js';
import { errors } from '../../errors.js';
import { ioProblem } from './io-error.js';

/** How long a holder stays away from the lock once it learns another process waits (the waiter polls at most every 5 ms). */
const YIELD_MS = 6;
/** Longest a busy committer keeps the lock across batches (and at most a third of the stale bound, so nobody judges it stale). */
const MAX_HOLD_MS = 1_000;

/** Change one entry; return whether it changed and the caller's result. Must not throw after changing anything. */
export type Apply<T> = (entry: SecretEntry, now: number) => { changed: boolean; value: T };

interface Queued {
  path: string;
  apply: Apply<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export interface CommitStats {
  /** mutations submitted */
  mutations: number;
  /** batches committed */
  commits: number;
  /** lock acquisitions (a busy committer keeps the lock across batches) */
  locks: number;
  /** largest batch */
  maxBatch: number;
}

interface Held {
  lock: FileLock;
  since: number;
  /** the file as this process last wrote it; undefined until the first batch under this lock */
  doc?: StoreDocument;
  exists?: boolean;
}

export class GroupCommitter {
  private queue: Queued[] = [];
  private draining: Promise<void> | undefined;
  private swept = false;
  private dirReady = false;
  /** set when another process waits for the lock: pause before taking it again */
  private yieldUntil = 0;
  private readonly maxHoldMs: number;
  readonly stats: CommitStats = { mutations: 0, commits: 0, locks: 0, maxBatch: 0 };

  constructor(
    private readonly state: StateFile,
    private readonly lockPath: string,
    private readonly lockOptions: LockOptions,
    private readonly now: () => number,
  ) {
    this.maxHoldMs = Math.min(MAX_HOLD_MS, lockOptions.staleMs / 3);
  }

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
    let held: Held | undefined;
    for (;;) {
      // Let every call made in this turn of the event loop (and callers woken by the last batch) join the batch.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.queue.length === 0) {
        if (!held) break;
        // Calls made while we release must not be stranded: look at the queue again afterwards.
        await this.release(held);
        held = undefined;
        continue;
      }
      if (held && (Date.now() - held.since >= this.maxHoldMs || (await held.lock.othersWaiting()))) {
        await this.release(held);
        held = undefined;
      }
      if (!held) {
        const pause = this.yieldUntil - Date.now();
        // Mutations issued during the pause join this batch, so yielding costs little throughput.
        if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      }
      const batch = this.queue.splice(0);
      held = await this.commit(batch, held);
    }
    // No await between the last empty-queue check and this line: a new submit() starts a new drain.
    this.draining = undefined;
  }

  /** Commit one batch; returns the lock still held (undefined after a failure, which releases it). */
  private async commit(batch: Queued[], held: Held | undefined): Promise<Held | undefined> {
    this.stats.commits += 1;
    this.stats.maxBatch = Math.max(this.stats.maxBatch, batch.length);
    let outcomes: Outcome[];
    try {
      held ??= await this.lock();
      if (!held.doc) {
        const fresh = await this.state.readForUpdate();
        held.doc = fresh.doc;
        held.exists = fresh.exists;
      }
      const { next, results, changed } = applyAll(held.doc, batch, this.now());
      outcomes = results;
      if (next) {
        const lock = held.lock;
        await this.state.write(next, held.exists ?? false, () => lock.verify(), changed);
        held.doc = next;
        held.exists = true;
      }
    } catch (error) {
      this.state.invalidate();
      if (held) await this.release(held);
      for (const item of batch) item.reject(error);
      return undefined;
    }
    batch.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
    return held;
  }

  private async lock(): Promise<Held> {
    if (!this.dirReady) {
      // The first write may be the store's first: its directory is private like the key file's.
      await fs.mkdir(path.dirname(this.lockPath), { recursive: true, mode: 0o700 }).catch((error: unknown) => {
        throw errors.storeIo(`cannot create the store directory ${path.dirname(this.lockPath)}: ${ioProblem(error)}`);
      });
      this.dirReady = true;
    }
    const lock = await acquireFileLock(this.lockPath, this.lockOptions);
    this.stats.locks += 1;
    if (!this.swept) {
      this.swept = true;
      // We hold the lock, so a temp file older than the stale bound belongs to a writer that crashed.
      await sweepTempFiles(this.state.file, this.lockOptions.staleMs, Date.now());
    }
    return { lock, since: Date.now() };
  }

  private async release(held: Held): Promise<void> {
    if (await held.lock.release()) this.yieldUntil = Date.now() + YIELD_MS + Math.random() * YIELD_MS;
  }
}

/** Apply each mutation to a copy of its entry; `next` is undefined when nothing changed. */
function applyAll(
  doc: StoreDocument,
  batch: Queued[],
  now: number,
): { next: StoreDocument | undefined; results: Outcome[]; changed: Set<string> } {
  const working = new Map<string, SecretEntry>();
  const changed = new Set<string>();
  const results = batch.map((item): Outcome => {
    let entry = working.get(item.path);
    if (!entry) {
      const base = doc.secrets[item.path];
      entry = base ? copyEntry(base) : emptyEntry();
      working.set(item.path, entry);
    }
    try {
      const { changed: didChange, value } = item.apply(entry, now);
      if (didChange) changed.add(item.path);
      return { ok: true, value };
    } catch (error) {
      return { ok: false, error };
    }
  });
  if (changed.size === 0) return { next: undefined, results, changed };
  const secrets = Object.assign(Object.create(null) as Record<string, SecretEntry>, doc.secrets);
  for (const path of changed) secrets[path] = working.get(path)!;
  return { next: { format: DOCUMENT_FORMAT, ...identityOf(doc), secrets }, results, changed };
}

/**
 * The embedded `file` store: every key's state in one AES-256-GCM encrypted file, with AWS's
 * staging labels emulated on a version list. Reads come from a cache checked against the
 * file; mutations go through the group committer (one lock, one atomic write per batch).
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Lease, LeaseHolder, SecretStore, Stage, StoredVersion } from '../types.js';
import type { SecretEntry } from './document.js';
import { DEFAULT_LOCK_OPTIONS, type LockOptions } from './file-lock.js';
import { GroupCommitter, type Apply } from './group-commit.js';
import { DEFAULT_KEEP_VERSIONS, promoteVersion, rollbackVersion, stageVersion, type NewVersion } from './labels.js';
import { breakLease, checkTtl, releaseLease, renewLease, takeLease } from './leases.js';
import { MasterKeySource } from './master-key.js';
import { appendHistory, DEFAULT_HISTORY_LIMIT, mergeRecord, writeJournal } from './records.js';
import { StateFile } from './state-file.js';
import type { HistoryEntry, JournalEntry, RotationRecord, StoreRef } from '../../model.js';

export interface FileStoreOptions {
  /** absolute path of the store file */
  file: string;
  /** the path as the operator wrote it, for describe(); defaults to `file` */
  displayPath?: string;
  /** absolute path of the master key file; default `master.key` next to the store file */
  masterKeyFile?: string;
  /** where KEYTURN_MASTER_KEY is read from */
  env?: NodeJS.ProcessEnv;
  lock?: Partial<LockOptions>;
  /** versions kept besides PENDING (default 3: CURRENT, PREVIOUS, one older) */
  keepVersions?: number;
  /** history entries kept per secret (default 200) */
  historyLimit?: number;
  /** epoch ms; tests move time for lease expiry */
  now?: () => number;
}

export interface FileStoreStats {
  mutations: number;
  /** lock acquisitions: one per batch of mutations */
  commits: number;
  /** atomic writes of the store file (a batch of no-ops writes nothing) */
  writes: number;
  /** full reads and decryptions of the file (the cache missed) */
  loads: number;
  maxBatch: number;
}

export class FileStore implements SecretStore {
  readonly type = 'file';
  readonly file: string;
  private readonly displayPath: string;
  private readonly state: StateFile;
  private readonly committer: GroupCommitter;
  private readonly keep: number;
  private readonly historyLimit: number;
  private readonly now: () => number;
  /** calls in progress, from their first line: close() waits for them even before they reach the queue */
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(options: FileStoreOptions) {
    this.file = path.resolve(options.file);
    this.displayPath = options.displayPath ?? options.file;
    this.keep = options.keepVersions ?? DEFAULT_KEEP_VERSIONS;
    this.historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
    this.now = options.now ?? Date.now;
    const keys = new MasterKeySource({
      env: options.env ?? process.env,
      keyFile: path.resolve(options.masterKeyFile ?? path.join(path.dirname(this.file), 'master.key')),
      storeFile: this.file,
    });
    this.state = new StateFile(this.file, keys);
    const lock = { ...DEFAULT_LOCK_OPTIONS, ...options.lock };
    this.committer = new GroupCommitter(this.state, `${this.file}.lock`, lock, this.now);
  }

  get stats(): FileStoreStats {
    return { ...this.committer.stats, ...this.state.stats };
  }

  describe(ref: StoreRef): string {
    return `file:${this.displayPath}#${ref.path}`;
  }

  current(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.labeled(ref, 'CURRENT');
  }

  pending(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.labeled(ref, 'PENDING');
  }

  previous(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.labeled(ref, 'PREVIOUS');
  }

  stage(ref: StoreRef, rotationId: string, version: NewVersion): Promise<void> {
    return this.track(async () => {
      // copied before the first await: what the caller changes afterwards is not stored
      const copy = structuredClone(version);
      await this.mutate(ref, (entry, now) => ({
        changed: stageVersion(entry, ref.key, rotationId, copy, new Date(now).toISOString()),
        value: undefined,
      }));
    });
  }

  promote(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await this.mutate(ref, (entry) => ({ changed: promoteVersion(entry, ref.key, rotationId, this.keep), value: undefined }));
    });
  }

  rollback(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await this.mutate(ref, (entry) => ({ changed: rollbackVersion(entry, rotationId), value: undefined }));
    });
  }

  async rotation(ref: StoreRef): Promise<RotationRecord> {
    const entry = await this.entry(ref);
    return entry ? structuredClone(entry.rotation) : {};
  }

  record(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void> {
    return this.track(async () => {
      // copied before the first await: what the caller changes afterwards is not stored
      const copy = structuredClone(patch);
      await this.mutate(ref, (entry) => ({ changed: mergeRecord(entry, copy), value: undefined }));
    });
  }

  appendHistory(ref: StoreRef, item: HistoryEntry): Promise<void> {
    return this.track(async () => {
      // copied before the first await: what the caller changes afterwards is not stored
      const copy = structuredClone(item);
      await this.mutate(ref, (entry) => ({ changed: appendHistory(entry, copy, this.historyLimit), value: undefined }));
    });
  }

  async history(ref?: StoreRef): Promise<HistoryEntry[]> {
    if (ref) return structuredClone((await this.entry(ref))?.history ?? []);
    const doc = await this.state.read();
    const all = Object.values(doc.secrets).flatMap((entry) => entry.history);
    // Array.prototype.sort is stable: entries finished at the same instant keep their order.
    return structuredClone(all.sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0)));
  }

  async journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    const journal = (await this.entry(ref))?.journal;
    return journal ? structuredClone(journal) : undefined;
  }

  writeJournal(ref: StoreRef, journal: JournalEntry | undefined): Promise<void> {
    return this.track(async () => {
      // copied before the first await: what the caller changes afterwards is not stored
      const copy = journal === undefined ? undefined : structuredClone(journal);
      await this.mutate(ref, (entry) => ({ changed: writeJournal(entry, copy), value: undefined }));
    });
  }

  lease(ref: StoreRef, owner: string, ttlMs: number): Promise<Lease> {
    return this.track(async () => {
      checkTtl(ttlMs);
      const token = randomBytes(16).toString('hex');
      const taken = await this.mutate(ref, (entry, now) => ({
        changed: true,
        value: { ...takeLease(entry, ref.key, owner, token, ttlMs, now) },
      }));
      const lease: Lease = {
        owner: taken.owner,
        token: taken.token,
        expiresAt: taken.expiresAt,
        renew: (ttl: number) =>
          this.track(async () => {
            checkTtl(ttl);
            lease.expiresAt = await this.mutate(ref, (entry, now) => ({
              changed: true,
              value: renewLease(entry, ref.key, token, ttl, now),
            }));
          }),
        release: () =>
          this.track(async () => {
            await this.mutate(ref, (entry) => ({ changed: releaseLease(entry, token), value: undefined }));
          }),
      };
      return lease;
    });
  }

  async leaseHolder(ref: StoreRef): Promise<LeaseHolder | undefined> {
    const lease = (await this.entry(ref))?.lease;
    return lease ? { owner: lease.owner, expiresAt: lease.expiresAt } : undefined;
  }

  breakLease(ref: StoreRef, owner: string): Promise<void> {
    return this.track(async () => {
      await this.mutate(ref, (entry) => ({ changed: breakLease(entry, owner), value: undefined }));
    });
  }

  /** When the store's master key began encrypting it; `createdAt` is absent for a store from before keyturn recorded it. */
  async masterKey(): Promise<{ exists: boolean; createdAt?: string }> {
    const doc = await this.state.read();
    if (doc.generation === undefined) return { exists: false };
    return doc.masterKey ? { exists: true, createdAt: doc.masterKey.createdAt } : { exists: true };
  }

  /** Waits for every mutation already issued to be durable (or failed) and the lock to be released. The store stays usable. */
  async close(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    await this.committer.idle();
  }

  private mutate<T>(ref: StoreRef, apply: Apply<T>): Promise<T> {
    return this.committer.submit(ref.path, apply);
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private async entry(ref: StoreRef): Promise<SecretEntry | undefined> {
    const doc = await this.state.read();
    return doc.secrets[ref.path];
  }

  private async labeled(ref: StoreRef, stage: Stage): Promise<StoredVersion | undefined> {
    const entry = await this.entry(ref);
    const rotationId = entry?.labels[stage];
    const version = rotationId === undefined ? undefined : entry?.versions.find((v) => v.rotationId === rotationId);
    return version ? structuredClone(version) : undefined;
  }
}

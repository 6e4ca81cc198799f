/**
 * The `vault` store: the SecretStore over HashiCorp Vault's KV v2, one module per idea —
 * the label moves on the key's versions (versions.ts, labels.ts), the rotation record and
 * journal (records.ts), history (history.ts), the lease (leases.ts) and what this process
 * remembers to save requests (read-cache.ts), all over keyturn's own documents
 * (documents.ts, paths.ts). Each of keyturn's documents is changed by check-and-set.
 *
 * This class keeps what every method shares: a copy of the caller's argument taken before
 * the first await, and close() waiting for calls in progress (the failpoints are the wrapper's: src/adapters/).
 */
import type { Lease, LeaseHolder, LeaseOptions, SecretStore, StoredVersion } from '../types.js';
import type { VaultClient } from './client.js';
import { Documents } from './documents.js';
import { DEFAULT_HISTORY_LIMIT, History } from './history.js';
import type { VaultState } from './labels.js';
import { checkTtl, Leases } from './leases.js';
import { VaultPaths, type OwnDocument } from './paths.js';
import { ReadCache } from './read-cache.js';
import { Records } from './records.js';
import { Versions, type NewVersion } from './versions.js';
import type { HistoryEntry, JournalEntry, RotationRecord, StoreRef } from '../../model.js';

export interface VaultStoreOptions {
  client: VaultClient;
  mount: string;
  /** folder on the mount for keyturn's own documents (default "keyturn") */
  prefix?: string;
  /** for describe(): the address as configured */
  displayAddress?: string;
  historyLimit?: number;
  now?: () => number;
  /** called by close(): stops token renewal */
  onClose?: () => void;
}

export class VaultStore implements SecretStore {
  readonly type = 'vault';
  readonly client: VaultClient;
  private readonly paths: VaultPaths;
  private readonly display: string;
  private readonly leases: Leases;
  private readonly cache: ReadCache;
  private readonly versions: Versions;
  private readonly records: Records;
  private readonly log: History;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly docs: Documents;

  constructor(private readonly options: VaultStoreOptions) {
    this.client = options.client;
    this.paths = new VaultPaths(options.mount, options.prefix ?? 'keyturn');
    this.display = options.displayAddress ?? options.client.endpoint;
    const now = options.now ?? Date.now;
    const docs = (this.docs = new Documents(options.client));
    this.leases = new Leases(docs, this.paths, now);
    this.cache = new ReadCache(options.client, docs, this.paths, this.leases);
    this.versions = new Versions(options.client, docs, this.paths, this.cache, now);
    this.records = new Records(docs, this.paths, this.cache);
    this.log = new History(options.client, docs, this.paths, this.cache, options.historyLimit ?? DEFAULT_HISTORY_LIMIT);
  }

  describe(ref: StoreRef): string {
    return `vault:${this.display}/${this.paths.mount}#${ref.path}`;
  }

  current(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.versions.current(ref);
  }

  pending(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.versions.pending(ref);
  }

  previous(ref: StoreRef): Promise<StoredVersion | undefined> {
    return this.versions.previous(ref);
  }

  stage(ref: StoreRef, rotationId: string, version: NewVersion): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(version);
      await this.versions.stage(ref, rotationId, copy);
    });
  }

  promote(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await this.versions.promote(ref, rotationId);
    });
  }

  rollback(ref: StoreRef, rotationId: string): Promise<void> {
    return this.track(async () => {
      await this.versions.rollback(ref, rotationId);
    });
  }

  rotation(ref: StoreRef): Promise<RotationRecord> {
    return this.records.rotation(ref);
  }

  /**
   * Under this process's lease the record, a history entry and the journal's clearing ride on
   * the next write to the state document (at the latest the lease's release): one check-and-set
   * instead of four at the end of a rotation. Vault then holds the documents as of an earlier
   * call, which a crash could have left anyway, and the journal still says where to resume.
   */
  record(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(patch);
      const guard = this.leases.guard(ref);
      if (guard && this.records.deferMerge(ref, copy, guard)) return;
      await this.records.merge(ref, copy);
    });
  }

  appendHistory(ref: StoreRef, entry: HistoryEntry): Promise<void> {
    return this.track(async () => {
      const copy = structuredClone(entry);
      const guard = this.leases.guard(ref);
      if (guard && (await this.log.appendDeferred(ref, copy, guard))) return;
      await this.log.append(ref, copy);
    });
  }

  history(ref?: StoreRef): Promise<HistoryEntry[]> {
    return this.log.read(ref);
  }

  journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    return this.records.journal(ref);
  }

  /**
   * A checkpoint is written at once (it comes before a step's effects), unless Vault shows
   * what it says already (promotedCheckpoint); clearing the journal may wait for the release.
   */
  writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void> {
    return this.track(async () => {
      const copy = entry === undefined ? undefined : structuredClone(entry);
      const guard = this.leases.guard(ref);
      if (guard && copy === undefined && this.records.deferJournalClear(ref, guard)) return;
      if (guard && copy && (await this.promotedCheckpoint(ref, copy, guard))) return;
      await this.records.writeJournal(ref, copy);
    });
  }

  /**
   * The checkpoint before restart, when this rotation's version is CURRENT in Vault: a run
   * resumed from the checkpoint before create finds it there and goes on at restart
   * (src/engine/resume.ts), as it would from this one. It rides on the next write.
   */
  private async promotedCheckpoint(ref: StoreRef, entry: JournalEntry, guard: (doc: VaultState | undefined) => void): Promise<boolean> {
    if (!this.records.followsCreate(ref, entry)) return false;
    const current = (await this.cache.view(ref, 'hint')).view.current?.info;
    if (current?.rotationId !== entry.rotationId || current.keyId !== entry.newKeyId) return false;
    return this.records.deferJournal(ref, entry, guard);
  }

  lease(ref: StoreRef, owner: string, ttlMs: number, options: LeaseOptions = {}): Promise<Lease> {
    return this.track(async () => {
      checkTtl(ttlMs);
      const taken = await this.leases.take(ref, owner, ttlMs, options.deferWrite === true);
      const lease: Lease = {
        owner: taken.owner,
        token: taken.token,
        expiresAt: taken.expiresAt,
        renew: (ttl: number) =>
          this.track(async () => {
            checkTtl(ttl);
            lease.expiresAt = await this.leases.renew(ref, taken.token, ttl);
          }),
        release: () =>
          this.track(async () => {
            await this.leases.release(ref, taken.token);
          }),
        secure: () =>
          this.track(async () => {
            await this.leases.secure(ref, taken.token);
          }),
      };
      return lease;
    });
  }

  async leaseHolder(ref: StoreRef): Promise<LeaseHolder | undefined> {
    const lease = (await this.cache.ownDoc<VaultState>(ref, 'state'))?.lease;
    return lease ? { owner: lease.owner, expiresAt: lease.expiresAt } : undefined;
  }

  breakLease(ref: StoreRef, owner: string): Promise<void> {
    return this.track(async () => {
      await this.leases.break(ref, owner);
    });
  }

  async close(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    try {
      // what was acknowledged under a lease never released (a run that stopped early) is written now
      await this.docs.flushAll();
    } finally {
      this.options.onClose?.();
    }
  }

  /** The secret itself: what consumers read. */
  secret(ref: StoreRef): string {
    return this.paths.secret(ref);
  }

  /** One of keyturn's documents for this secret. */
  path(ref: StoreRef, doc: OwnDocument): string {
    return this.paths.document(ref, doc);
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.inflight.add(promise);
    const forget = () => this.inflight.delete(promise);
    promise.then(forget, forget);
    return promise;
  }
}

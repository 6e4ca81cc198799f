/**
 * The SecretStore interface: where keys live between rotations. Every store speaks AWS's
 * staging vocabulary (CURRENT, PENDING, PREVIOUS); on Secrets Manager these are the real
 * labels, elsewhere they are emulated so a consumer reading "latest" never sees a key that
 * has not been verified. Every mutation is idempotent per rotation id.
 */
import type { JournalEntry, HistoryEntry, KeyMaterial, RotationRecord, StoreRef } from '../model.js';

export type Stage = 'CURRENT' | 'PENDING' | 'PREVIOUS';

export interface StoredVersion {
  rotationId: string;
  /** the issuer's id of this credential (never secret) */
  keyId: string;
  material: KeyMaterial;
  createdAt: string;
  meta: Record<string, string>;
}

export interface LeaseHolder {
  owner: string;
  expiresAt: string;
}

export interface Lease {
  owner: string;
  token: string;
  expiresAt: string;
  renew(ttlMs: number): Promise<void>;
  release(): Promise<void>;
  /**
   * A lease taken with `deferWrite`: write it now if no write to the key's state has carried it
   * yet (nothing otherwise). Throws ELEASE when another run took the key meanwhile.
   */
  secure?(): Promise<void>;
}

export interface LeaseOptions {
  /**
   * The caller writes a journal checkpoint before any effect outside the store, or calls
   * `secure()` first. The store may then check now that the lease is free and write it with the
   * key's next write to its state (the first checkpoint), in the same compare-and-set: one write
   * fewer per rotation. A run that lost the race learns it there (ELEASE), before any effect.
   * Without it, lease() returns once the lease is written.
   */
  deferWrite?: boolean;
}

export interface SecretStore {
  readonly type: string;
  /** where the secret lives, for plans and messages: e.g. `file:.keyturn/store.enc#trading/grid` */
  describe(ref: StoreRef): string;

  current(ref: StoreRef): Promise<StoredVersion | undefined>;
  pending(ref: StoreRef): Promise<StoredVersion | undefined>;
  previous(ref: StoreRef): Promise<StoredVersion | undefined>;

  /** Write the new material as PENDING. Same rotation id + same material: no-op; different material: ESTAGE. */
  stage(ref: StoreRef, rotationId: string, version: { keyId: string; material: KeyMaterial; meta?: Record<string, string> }): Promise<void>;
  /** PENDING(rotationId) becomes CURRENT, the old CURRENT becomes PREVIOUS. No-op if already CURRENT. */
  promote(ref: StoreRef, rotationId: string): Promise<void>;
  /** Undo rotationId: if it is CURRENT, PREVIOUS becomes CURRENT again; a PENDING(rotationId) is dropped. Idempotent. */
  rollback(ref: StoreRef, rotationId: string): Promise<void>;

  rotation(ref: StoreRef): Promise<RotationRecord>;
  /** Merge fields into the rotation record; a field set to undefined is removed. */
  record(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void>;
  appendHistory(ref: StoreRef, entry: HistoryEntry): Promise<void>;
  /** Newest last. Without a ref, every key's history in this store. */
  history(ref?: StoreRef): Promise<HistoryEntry[]>;

  journal(ref: StoreRef): Promise<JournalEntry | undefined>;
  /** Write (or with undefined, clear) the journal of the rotation in flight. */
  writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void>;

  /** Take the per-key lease (compare-and-set in the store). Throws ELEASE while another owner holds an unexpired one. */
  lease(ref: StoreRef, owner: string, ttlMs: number, options?: LeaseOptions): Promise<Lease>;
  /**
   * Who holds the key's lease now, read only: `status` shows it, and a `--due` run clears
   * one left by a process on this host that was killed before it wrote a journal.
   */
  leaseHolder(ref: StoreRef): Promise<LeaseHolder | undefined>;
  /**
   * Remove the lease only if `owner` still holds it (compare-and-delete). The engine calls it
   * when the holder is a process on this host that no longer exists (it was killed), so a
   * rerun need not wait for the lease to expire.
   */
  breakLease(ref: StoreRef, owner: string): Promise<void>;

  close(): Promise<void>;
}

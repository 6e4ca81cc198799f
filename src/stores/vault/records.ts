/**
 * The rotation record and the journal: two fields of the key's state document, each changed
 * by one check-and-set write that leaves the rest of the document (labels, lease, recent
 * history) as Vault has it. A change that changes nothing writes nothing.
 */
import { isDeepStrictEqual } from 'node:util';
import { Documents, UNCHANGED } from './documents.js';
import { emptyState, type VaultState } from './labels.js';
import type { VaultPaths } from './paths.js';
import type { ReadCache } from './read-cache.js';
import type { JournalEntry, RotationRecord, StoreRef } from '../../model.js';

export class Records {
  constructor(
    private readonly docs: Documents,
    private readonly paths: VaultPaths,
    private readonly cache: ReadCache,
  ) {}

  async rotation(ref: StoreRef): Promise<RotationRecord> {
    return structuredClone((await this.cache.ownDoc<VaultState>(ref, 'state'))?.record ?? {});
  }

  /** Merge `patch` into the record; a field present in the patch with value undefined is removed. */
  async merge(ref: StoreRef, patch: Partial<RotationRecord>): Promise<void> {
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => ({
      next: mergeRecord(doc, patch),
      value: undefined,
    }));
  }

  /** The same change, written with the next write to the state document (under this process's lease: `guard`). */
  deferMerge(ref: StoreRef, patch: Partial<RotationRecord>, guard: (doc: VaultState | undefined) => void): boolean {
    return this.docs.defer<VaultState>(this.paths.document(ref, 'state'), (doc) => {
      guard(doc);
      return mergeRecord(doc, patch);
    });
  }

  /** Clearing the journal, written with the next write to the state document (the lease's release, at the end of a run). */
  deferJournalClear(ref: StoreRef, guard: (doc: VaultState | undefined) => void): boolean {
    return this.docs.defer<VaultState>(this.paths.document(ref, 'state'), (doc) => {
      guard(doc);
      if (doc?.journal === undefined) return UNCHANGED;
      const next: VaultState = { ...doc };
      delete next.journal;
      return next;
    });
  }

  /**
   * A checkpoint before restart right after the one before create, of the same rotation with
   * nothing else changed (what the engine writes once the new key is promoted).
   */
  followsCreate(ref: StoreRef, entry: JournalEntry): boolean {
    const known = this.docs.glance<VaultState, JournalEntry | undefined>(this.paths.document(ref, 'state'), (doc) => doc?.journal);
    if (entry.step !== 'restart' || known?.step !== 'create') return false;
    return isDeepStrictEqual(unchanging(known), unchanging(entry));
  }

  /** The journal entry, written with the next write to the state document (under this process's lease: `guard`). */
  deferJournal(ref: StoreRef, entry: JournalEntry, guard: (doc: VaultState | undefined) => void): boolean {
    return this.docs.defer<VaultState>(this.paths.document(ref, 'state'), (doc) => {
      guard(doc);
      return { ...(doc ?? emptyState()), journal: entry };
    });
  }

  async journal(ref: StoreRef): Promise<JournalEntry | undefined> {
    return structuredClone((await this.cache.ownDoc<VaultState>(ref, 'state'))?.journal);
  }

  /** Write the journal entry, or clear it with undefined. */
  async writeJournal(ref: StoreRef, entry: JournalEntry | undefined): Promise<void> {
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
      if (isDeepStrictEqual(doc?.journal, entry)) return { next: UNCHANGED, value: undefined };
      const next: VaultState = { ...(doc ?? emptyState()), journal: entry };
      if (entry === undefined) delete next.journal;
      return { next, value: undefined };
    });
  }
}

function mergeRecord(doc: VaultState | undefined, patch: Partial<RotationRecord>): VaultState | typeof UNCHANGED {
  const s = doc ?? emptyState();
  const next: Record<string, unknown> = { ...s.record };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) delete next[field];
    else next[field] = value;
  }
  if (isDeepStrictEqual(next, s.record)) return UNCHANGED;
  return { ...s, record: next as RotationRecord };
}

/** What stays the same between checkpoints of one rotation that did nothing but move on. */
function unchanging(entry: JournalEntry): Partial<JournalEntry> {
  const { step: _step, updatedAt: _updatedAt, done: _done, newKeyId: _newKeyId, ...rest } = entry;
  return rest;
}

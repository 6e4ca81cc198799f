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
    await this.docs.update<VaultState, void>(this.paths.document(ref, 'state'), (doc) => {
      const s = doc ?? emptyState();
      const next: Record<string, unknown> = { ...s.record };
      for (const [field, value] of Object.entries(patch)) {
        if (value === undefined) delete next[field];
        else next[field] = value;
      }
      if (isDeepStrictEqual(next, s.record)) return { next: UNCHANGED, value: undefined };
      return { next: { ...s, record: next as RotationRecord }, value: undefined };
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

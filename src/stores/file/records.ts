/**
 * Rotation record, history and journal operations on one entry. Like labels.ts: validate,
 * then change, and report whether anything changed.
 */
import { isDeepStrictEqual } from 'node:util';
import type { SecretEntry } from './document.js';
import type { HistoryEntry, JournalEntry, RotationRecord } from '../../model.js';

/** History entries kept per secret; older ones fall off. */
export const DEFAULT_HISTORY_LIMIT = 200;

/** Merge `patch` into the rotation record; a field present in the patch with value undefined is removed. */
export function mergeRecord(entry: SecretEntry, patch: Partial<RotationRecord>): boolean {
  const next: Record<string, unknown> = { ...entry.rotation };
  let changed = false;
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) {
      if (field in next) {
        delete next[field];
        changed = true;
      }
    } else if (!isDeepStrictEqual(next[field], value)) {
      next[field] = structuredClone(value);
      changed = true;
    }
  }
  if (changed) entry.rotation = next as RotationRecord;
  return changed;
}

/**
 * Append, newest last. A resumed run may record the same outcome of the same rotation again:
 * that replaces the earlier entry instead of duplicating it.
 */
export function appendHistory(entry: SecretEntry, item: HistoryEntry, limit: number): boolean {
  const index = entry.history.findIndex((h) => h.rotationId === item.rotationId && h.outcome === item.outcome);
  if (index >= 0) {
    if (isDeepStrictEqual(entry.history[index], item)) return false;
    entry.history[index] = structuredClone(item);
    return true;
  }
  entry.history.push(structuredClone(item));
  if (entry.history.length > limit) entry.history = entry.history.slice(entry.history.length - limit);
  return true;
}

export function writeJournal(entry: SecretEntry, journal: JournalEntry | undefined): boolean {
  if (journal === undefined) {
    if (!entry.journal) return false;
    delete entry.journal;
    return true;
  }
  if (isDeepStrictEqual(entry.journal, journal)) return false;
  entry.journal = structuredClone(journal);
  return true;
}

/**
 * History is one compressed blob in at most HISTORY_CHUNKS tags: the newest entries that fit
 * are kept (typically a few dozen rotations), the oldest dropped first. A secret holds at most
 * 50 tags and the rest of keyturn's state needs about 20 of them.
 */
import { encodeBlob, TAG_VALUE_MAX, type TagPair } from './tags.js';
import type { HistoryEntry } from '../../model.js';

export const HISTORY_CHUNKS = 12;

export function fitHistory(name: string, entries: HistoryEntry[]): TagPair[] {
  let kept = entries;
  for (;;) {
    const pairs = encodeOrUndefined(name, kept);
    if (pairs && pairs.length <= HISTORY_CHUNKS) return pairs;
    // drop a quarter at a time so a long history shrinks in a few steps
    kept = kept.slice(Math.max(1, Math.floor(kept.length / 4)));
    if (kept.length === 0) return encodeBlob(name, []);
  }
}

function encodeOrUndefined(name: string, entries: HistoryEntry[]): TagPair[] | undefined {
  try {
    return encodeBlob(name, entries, { compress: true });
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

export const HISTORY_BUDGET_CHARS = HISTORY_CHUNKS * TAG_VALUE_MAX;

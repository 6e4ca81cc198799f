/**
 * How a previous keyturn kept history: one compressed blob in at most HISTORY_CHUNKS tags, the
 * newest entries that fit. keyturn now keeps the full history in the state secret (state.ts);
 * this stays so tests can write a secret the way the previous version did (legacy.ts reads it).
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

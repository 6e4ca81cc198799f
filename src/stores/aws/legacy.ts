/**
 * Secrets written by keyturn before the state secret kept their state in tags (record fields,
 * `keyturn:v:<version>`, `keyturn:journal`, `keyturn:history`, … as base64url blobs, see
 * tags.ts). They are read as a state document here; the first state write then removes those
 * tags, leaving only the summary (summaryTags).
 */
import { decodeBlob, type TagPair, type Tags } from './tags.js';
import { recordFromTags } from './record-tags.js';
import { emptyState, type StateDoc } from './state.js';
import type { VersionMeta } from './versions.js';
import type { HistoryEntry, JournalEntry, RotationRecord } from '../../model.js';

export const MANAGED = { Key: 'keyturn:managed', Value: 'true' };
const SUMMARY = {
  lastRotatedAt: 'keyturn:rotated-at',
  lastRotationId: 'keyturn:rotation-id',
  currentKeyId: 'keyturn:current-key-id',
} as const;
/** the tags keyturn leaves on a managed secret: managed + the three summary fields (AWS allows 50 in all) */
export const KEPT_TAGS = new Set<string>([MANAGED.Key, ...Object.values(SUMMARY)]);

/** Whether the tags hold state a previous keyturn wrote. */
export function hasLegacyState(tags: Tags): boolean {
  return legacyKeys(tags).length > 0;
}

/** The tag keys of the old state (everything keyturn: but the summary and managed). */
export function legacyKeys(tags: Tags): string[] {
  return [...tags.keys()].filter((k) => k.startsWith('keyturn:') && !KEPT_TAGS.has(k));
}

export function stateFromTags(secret: string, tags: Tags): StateDoc {
  const doc = emptyState(secret);
  doc.record = recordFromTags(tags);
  const journal = decodeBlob<JournalEntry>(tags, 'keyturn:journal');
  if (journal) doc.journal = journal;
  doc.history = decodeBlob<HistoryEntry[]>(tags, 'keyturn:history') ?? [];
  for (const key of tags.keys()) {
    const m = /^keyturn:v:([^:]+)$/.exec(key);
    if (!m) continue;
    const meta = decodeBlob<VersionMeta>(tags, key);
    if (meta) doc.versions[m[1]!] = meta;
  }
  return doc;
}

/** The readable summary of a record, as tags (at most 3, plus keyturn:managed). */
export function summaryTags(record: RotationRecord): TagPair[] {
  const pairs: TagPair[] = [];
  for (const [field, key] of Object.entries(SUMMARY) as [keyof typeof SUMMARY, string][]) {
    const value = record[field];
    if (typeof value === 'string' && value.length <= 256 && /^[\p{L}\p{N}\s+\-=._:/@]*$/u.test(value))
      pairs.push({ Key: key, Value: value });
  }
  return pairs;
}

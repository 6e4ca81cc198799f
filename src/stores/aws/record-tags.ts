/**
 * The rotation record as a previous keyturn kept it in tags (rotated-at, rotation id, key ids;
 * the two structured fields as blobs): read by legacy.ts for the migration to the state secret.
 */
import { blobKeys, decodeBlob, encodeBlob, plainValue, type TagPair, type Tags } from './tags.js';
import type { RotationRecord } from '../../model.js';

const PLAIN = {
  lastRotatedAt: 'keyturn:rotated-at',
  lastRotationId: 'keyturn:rotation-id',
  currentKeyId: 'keyturn:current-key-id',
  previousKeyId: 'keyturn:previous-key-id',
} as const;
const BLOB = {
  pendingRetire: 'keyturn:pending-retire',
  attention: 'keyturn:attention',
} as const;

export function recordFromTags(tags: Tags): RotationRecord {
  const record: RotationRecord = {};
  for (const [field, key] of Object.entries(PLAIN) as [keyof typeof PLAIN, string][]) {
    const value = tags.get(key);
    if (value !== undefined) record[field] = value;
  }
  const pendingRetire = decodeBlob<RotationRecord['pendingRetire']>(tags, BLOB.pendingRetire);
  if (pendingRetire) record.pendingRetire = pendingRetire;
  const attention = decodeBlob<RotationRecord['attention']>(tags, BLOB.attention);
  if (attention) record.attention = attention;
  return record;
}

export function recordPatchTags(patch: Partial<RotationRecord>): { set: TagPair[]; remove: string[] } {
  const set: TagPair[] = [];
  const remove: string[] = [];
  for (const [field, key] of Object.entries(PLAIN) as [keyof typeof PLAIN, string][]) {
    if (!Object.hasOwn(patch, field)) continue;
    const value = patch[field];
    if (value === undefined) remove.push(key);
    else set.push({ Key: key, Value: plainValue(key, value) });
  }
  for (const [field, key] of Object.entries(BLOB) as [keyof typeof BLOB, string][]) {
    if (!Object.hasOwn(patch, field)) continue;
    const value = patch[field];
    if (value === undefined) remove.push(...blobKeys(key));
    else set.push(...encodeBlob(key, value));
  }
  return { set, remove };
}

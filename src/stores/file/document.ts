/**
 * The decrypted JSON document: one entry per secret path, holding its versions and labels,
 * its rotation record, history, journal and lease.
 *
 * Entries are treated as immutable values once they are in a document: a commit copies the
 * entries it changes and swaps them in only after the write is durable. That keeps readers on
 * durable state and lets serialization reuse the JSON of every entry that did not change.
 */
import type { Stage, StoredVersion } from '../types.js';
import { errors } from '../../errors.js';
import type { HistoryEntry, JournalEntry, RotationRecord } from '../../model.js';

export const DOCUMENT_FORMAT = 1;

export interface LeaseRecord {
  owner: string;
  token: string;
  expiresAt: string;
}

export interface SecretEntry {
  /** oldest first; every version that is not PENDING was CURRENT once, in this order */
  versions: StoredVersion[];
  /** label → rotation id of the version carrying it */
  labels: Partial<Record<Stage, string>>;
  rotation: RotationRecord;
  /** oldest first */
  history: HistoryEntry[];
  journal?: JournalEntry;
  lease?: LeaseRecord;
}

export interface StoreDocument {
  format: number;
  /** random, set by the store's first write: tells this store from any other (a copy or a restore keeps it) */
  id?: string;
  /** +1 on every write: tells this store from an older copy of itself */
  generation?: number;
  /** the master key this document is encrypted under: when it was made (a new store's first write, or `store rekey`) */
  masterKey?: MasterKeyRecord;
  secrets: Record<string, SecretEntry>;
}

export interface MasterKeyRecord {
  /** ISO time the key began encrypting this store */
  createdAt: string;
  /** when the key before it began, for the record (absent for a store's first key) */
  previousCreatedAt?: string;
}

export function emptyDocument(): StoreDocument {
  return { format: DOCUMENT_FORMAT, secrets: Object.create(null) as Record<string, SecretEntry> };
}

/** The document's identity fields (and its master key's record), for a new document built from it. */
export function identityOf(doc: StoreDocument): Pick<StoreDocument, 'id' | 'generation' | 'masterKey'> {
  return { id: doc.id, generation: doc.generation, ...(doc.masterKey ? { masterKey: doc.masterKey } : {}) };
}

export function emptyEntry(): SecretEntry {
  return { versions: [], labels: {}, rotation: {}, history: [] };
}

/** A copy that a mutation may change freely without touching `entry` (nested records are replaced, never edited). */
export function copyEntry(entry: SecretEntry): SecretEntry {
  const copy: SecretEntry = {
    versions: entry.versions.slice(),
    labels: { ...entry.labels },
    rotation: { ...entry.rotation },
    history: entry.history.slice(),
  };
  if (entry.journal) copy.journal = entry.journal;
  if (entry.lease) copy.lease = entry.lease;
  return copy;
}

export function parseDocument(text: string, where: string): StoreDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw errors.storeFile(`${where} decrypted but does not hold a JSON document`, 'restore it from a backup');
  }
  const doc = value as Partial<StoreDocument> | null;
  if (!doc || typeof doc !== 'object' || doc.format !== DOCUMENT_FORMAT || !doc.secrets || typeof doc.secrets !== 'object') {
    throw errors.storeFile(`${where} holds a document keyturn does not understand`, 'upgrade keyturn, or restore the file from a backup');
  }
  const secrets = Object.create(null) as Record<string, SecretEntry>;
  for (const [name, raw] of Object.entries(doc.secrets)) {
    const entry = raw as Partial<SecretEntry> | null;
    if (
      !entry ||
      !Array.isArray(entry.versions) ||
      !Array.isArray(entry.history) ||
      typeof entry.labels !== 'object' ||
      typeof entry.rotation !== 'object'
    ) {
      throw errors.storeFile(`${where}: the entry for ${name} is malformed`, 'restore the file from a backup');
    }
    secrets[name] = entry as SecretEntry;
  }
  return {
    format: DOCUMENT_FORMAT,
    id: typeof doc.id === 'string' ? doc.id : undefined,
    generation: typeof doc.generation === 'number' ? doc.generation : undefined,
    ...masterKeyOf(doc.masterKey),
    secrets,
  };
}

/** A record keyturn cannot read is left out: the key's age is then unknown, which status and audit say. */
function masterKeyOf(raw: unknown): Pick<StoreDocument, 'masterKey'> {
  const value = raw as Partial<MasterKeyRecord> | null | undefined;
  if (!value || typeof value !== 'object' || typeof value.createdAt !== 'string' || Number.isNaN(Date.parse(value.createdAt))) return {};
  const previous = typeof value.previousCreatedAt === 'string' ? { previousCreatedAt: value.previousCreatedAt } : {};
  return { masterKey: { createdAt: value.createdAt, ...previous } };
}

/**
 * The UTF-8 bytes of `"name":{…entry…},` for entries already serialized once: an entry object
 * lives under one name and never changes, so the next write reuses its bytes and only
 * re-encodes the entries a batch replaced.
 */
const serialized = new WeakMap<SecretEntry, Buffer>();
const CLOSE = Buffer.from('}}');

export function serializeDocument(doc: StoreDocument): Buffer {
  const masterKey = doc.masterKey === undefined ? '' : `"masterKey":${JSON.stringify(doc.masterKey)},`;
  const identity = `${doc.id === undefined ? '' : `"id":${JSON.stringify(doc.id)},`}"generation":${doc.generation ?? 0},${masterKey}`;
  const parts: Buffer[] = [Buffer.from(`{"format":${DOCUMENT_FORMAT},${identity}"secrets":{`)];
  for (const name in doc.secrets) {
    const entry = doc.secrets[name]!;
    let bytes = serialized.get(entry);
    if (bytes === undefined) {
      bytes = Buffer.from(`${JSON.stringify(name)}:${JSON.stringify(entry)},`, 'utf8');
      serialized.set(entry, bytes);
    }
    parts.push(bytes);
  }
  const body = Buffer.concat(parts);
  // the last entry's trailing comma becomes the closing brace
  if (parts.length > 1) return Buffer.concat([body.subarray(0, body.length - 1), CLOSE]);
  return Buffer.concat([body, CLOSE]);
}

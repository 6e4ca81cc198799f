/**
 * keyturn's state for one managed secret lives in a secret keyturn owns,
 * `keyturn-state/<secret name>`: the lease, the journal, the rotation record, the full history and
 * what keyturn knows about each version, as one JSON document per version of that secret.
 *
 * A write is a compare-and-set in one call: the new version's ClientRequestToken is derived from
 * the version it replaces (successorOf), so two writers that read the same version ask for the
 * same new version id; AWS accepts the first and answers the second ResourceExistsException,
 * because "if a version with this value already exists and the version's SecretString … values
 * are different from those in the request, then the request fails because you can't modify a
 * secret version" (PutSecretValue, ClientRequestToken). Every document carries a fresh nonce, so
 * two writers never send the same content. The first document is CreateSecret, which AWS lets
 * only one caller make. The state secret is never deleted, so AWS's asynchronous deletion never
 * meets it.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { HistoryEntry, JournalEntry, RotationRecord } from '../../model.js';
import type { VersionMeta } from './versions.js';

export const STATE_PREFIX = 'keyturn-state/';
/** AWS's limit on a SecretString is 65,536 bytes; older history moves to archive secrets past this */
export const STATE_BUDGET_BYTES = 48_000;

export interface LeaseValue {
  owner: string;
  token: string;
  expiresAt: string;
}

export interface StateDoc {
  /** format version */
  v: 1;
  /** the managed secret this state belongs to */
  secret: string;
  lease?: LeaseValue;
  journal?: JournalEntry;
  record: RotationRecord;
  /** every recorded rotation not yet moved to an archive secret, oldest first */
  history: HistoryEntry[];
  /** how many archive secrets (`<state name>/archive-<n>`, n from 1) hold older history */
  archives: number;
  /** keyturn's facts about each labelled version of the managed secret, by version id */
  versions: Record<string, VersionMeta>;
  /** makes every write's content unique: see the file comment */
  nonce: string;
}

export function stateName(secretName: string): string {
  return `${STATE_PREFIX}${secretName}`;
}

export function archiveName(secretName: string, n: number): string {
  return `${stateName(secretName)}/archive-${n}`;
}

export function emptyState(secret: string): StateDoc {
  return { v: 1, secret, record: {}, history: [], archives: 0, versions: {}, nonce: '' };
}

/** The version id of the document that replaces `versionId` (32..64 characters, as AWS requires). */
export function successorOf(versionId: string): string {
  return `kts-${createHash('sha256').update(versionId).digest('hex').slice(0, 40)}`;
}

/** The version id of a state secret's first document. */
export function genesisOf(secretName: string): string {
  return successorOf(`genesis:${secretName}`);
}

export function serialize(doc: StateDoc): string {
  return JSON.stringify({ ...doc, nonce: randomBytes(8).toString('hex') });
}

/** A document keyturn cannot read is refused, never overwritten: it may hold a lease or a journal. */
export function parseState(text: string | undefined, secret: string): StateDoc | undefined {
  try {
    const raw = JSON.parse(text ?? '') as Partial<StateDoc>;
    if (raw && raw.v === 1 && typeof raw.record === 'object' && Array.isArray(raw.history)) {
      return {
        v: 1,
        secret,
        ...(raw.lease ? { lease: raw.lease } : {}),
        ...(raw.journal ? { journal: raw.journal } : {}),
        record: raw.record ?? {},
        history: raw.history,
        archives: typeof raw.archives === 'number' ? raw.archives : 0,
        versions: raw.versions ?? {},
        nonce: typeof raw.nonce === 'string' ? raw.nonce : '',
      };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** One entry per (rotation id, outcome): a resumed run's entry replaces the first one. */
export function withHistory(history: HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  return [...history.filter((h) => !(h.rotationId === entry.rotationId && h.outcome === entry.outcome)), entry];
}

/** Merge a record patch: a field set to undefined is removed. */
export function patchRecord(record: RotationRecord, patch: Partial<RotationRecord>): RotationRecord {
  const next: Record<string, unknown> = { ...record };
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) delete next[field];
    else next[field] = value;
  }
  return next as RotationRecord;
}

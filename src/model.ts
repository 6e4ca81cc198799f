/**
 * The vocabulary every layer shares: a key's material and where it is stored, what starts a
 * rotation, its steps, the journal a crash leaves behind, the record and history a store
 * keeps, and what a rotation came to. Types only (and refOf): importing this module pulls in
 * no store, issuer or engine, so no layer has to reach up or sideways for a word.
 */
import type { KeyConfig } from './config/types.js';

/** Secret fields of a credential, e.g. { value } or { apiKey, secret }. Every value is a secret. */
export type KeyMaterial = Record<string, string>;

/** Which secret: the store's name in rotation.yaml, the path inside it, and the key's id. */
export interface StoreRef {
  store: string;
  path: string;
  /** the key's id in rotation.yaml (for messages and history) */
  key: string;
}

export function refOf(key: KeyConfig): StoreRef {
  return { store: key.store, path: key.path, key: key.id };
}

/** What starts a rotation. */
export type Trigger = 'due' | 'manual' | 'offboard' | 'revoke';

/**
 * What a result or a history entry is about: a rotation, named by its trigger, or `retire`,
 * the deletion of an old key after its overlap window, which a later run does and no trigger
 * starts, or `adopt`: `keyturn adopt` recorded a credential keyturn did not create as CURRENT.
 */
export type Occasion = Trigger | 'retire' | 'adopt';

/**
 * What one key's rotation (or retirement) came to. `failed`: it stopped before anything
 * changed (the store unreachable before the lease, say); `skipped`: another run holds or did
 * the work; `blocked`: policy or configuration forbids it.
 */
export type Outcome = 'completed' | 'rolled-back' | 'needs-attention' | 'retired' | 'failed' | 'skipped' | 'blocked';

/**
 * The outcomes history records: a rotation or retirement that did something, or `adopted`
 * (`keyturn adopt`, which is no run of the engine and so no Outcome).
 */
export type RecordedOutcome = Extract<Outcome, 'completed' | 'rolled-back' | 'needs-attention' | 'retired'> | 'adopted';

export type StepName = 'lock' | 'revoke-old' | 'create' | 'stage' | 'promote' | 'restart' | 'verify' | 'retire' | 'record' | 'unlock';

/** The write-ahead journal of the rotation in flight for one key. */
export interface JournalEntry {
  rotationId: string;
  key: string;
  trigger: Trigger;
  actor: string;
  reason?: string;
  startedAt: string;
  updatedAt: string;
  /** the step about to run or running */
  step: StepName;
  /** steps that completed */
  done: StepName[];
  status: 'running' | 'rolling-back';
  oldKeyId?: string;
  newKeyId?: string;
  /** step-private notes that a resumed run needs (never secrets) */
  notes: Record<string, string>;
}

/** Rotation metadata kept beside the secret. */
export interface RotationRecord {
  lastRotatedAt?: string;
  lastRotationId?: string;
  currentKeyId?: string;
  previousKeyId?: string;
  /** an old key still alive during its overlap window, to be deleted at the issuer after `after` */
  pendingRetire?: { keyId: string; rotationId: string; after: string };
  /** set when a run could not finish or undo its work: a human must look */
  attention?: { rotationId: string; reason: string; at: string };
  /**
   * Set by `keyturn adopt`: lastRotatedAt is then the credential's creation date, from the
   * issuer or the operator (`--rotated-at`). It describes the record only while
   * lastRotationId is still `rotationId`: the first real rotation moves that on.
   */
  adopted?: { rotationId: string; at: string; source: 'issuer' | 'operator' };
}

export interface HistoryEntry {
  rotationId: string;
  key: string;
  trigger: Occasion;
  actor: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  oldKeyId?: string;
  newKeyId?: string;
  outcome: RecordedOutcome;
  /** the operator's reason (revoke) or the person (offboard) */
  reason?: string;
  /** redacted error message of a failed rotation */
  error?: string;
  /** the fleet worker that ran it (`keyturn worker`); absent for a run from the command line */
  worker?: WorkerIdentity;
}

/** A fleet worker: its id (host:pid), its host and the zone it serves (absent: the default queue). */
export interface WorkerIdentity {
  id: string;
  host: string;
  zone?: string;
}

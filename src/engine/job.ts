/**
 * One key's rotation in flight: what it works on, what it has learned so far, and the
 * journal entry that a crashed run leaves behind for the next one.
 */
import type { ConsumerConfig, KeyConfig } from '../config/types.js';
import type { Delivery } from '../consumers/delivery.js';
import type { RunContext } from '../context.js';
import type { IssueTarget, Issuer, IssuerContext } from '../issuers/types.js';
import type { SecretStore, StoredVersion } from '../stores/types.js';
import type { HeldLease } from './lease.js';
import type { JournalEntry, KeyMaterial, StepName, StoreRef, Trigger } from '../model.js';

/** routine: create first, delete the old key last. leak: delete the old key first. */
export type Mode = 'routine' | 'leak';

export interface RotationRequest {
  key: KeyConfig;
  trigger: Trigger;
  /** revoke: the operator's reason; offboard: the person */
  reason?: string;
}

/**
 * Called around each step of a rotation (mass revoke: every old key deleted before any is
 * replaced). `before` may wait; a throw fails the step like the step's own failure would.
 */
export interface StepHooks {
  before?(job: RotationJob, step: StepName): Promise<void>;
  after?(job: RotationJob, step: StepName): void;
  /**
   * The key is about to wait for other keys without working (a shared consumer's barrier):
   * give up whatever bounds the work in flight, or the keys it waits for may never get it.
   * The next `before` takes it again.
   */
  idle?(job: RotationJob): void;
  /** consumers this key shares with other keys of the run, restarted once for all (src/engine/consumer-groups.ts) */
  restarts?: SharedRestarts;
}

/** A restart the restart step (or a rollback) awaits instead of restarting the consumer itself. */
export interface SharedRestarts {
  /**
   * The restart step has begun: the new key joins every group of its consumers, and waits
   * until each group is complete. Per consumer (by index): the group's one restart, or
   * undefined for a consumer the key restarts alone.
   */
  join(job: RotationJob, delivery: Delivery): Promise<ReadonlyArray<Promise<void> | undefined>>;
  /** Rollback: the consumer back on the old key (with the keys of the others it carries); undefined: restart it alone. */
  restore(job: RotationJob, consumer: ConsumerConfig, old: Delivery | undefined): Promise<void> | undefined;
}

export interface FreshKey {
  keyId: string;
  material: KeyMaterial;
  meta: Record<string, string>;
}

export interface RotationJob {
  readonly request: RotationRequest;
  readonly key: KeyConfig;
  readonly ref: StoreRef;
  readonly store: SecretStore;
  readonly issuer: Issuer;
  readonly target: IssueTarget;
  readonly ctx: RunContext;
  readonly mode: Mode;
  journal: JournalEntry;
  lease?: HeldLease;
  /** CURRENT before this rotation (undefined on a key's first rotation) */
  old?: StoredVersion;
  /** the key this rotation created */
  fresh?: FreshKey;
  /** when the old key will be deleted, if the overlap window deferred it */
  retireAfter?: string;
  /** true when this run picked up a journal left by an earlier run */
  resumed: boolean;
  hooks?: StepHooks;
}

export function modeOf(trigger: Trigger): Mode {
  return trigger === 'revoke' ? 'leak' : 'routine';
}

/** The issuer's view of the context: the run's services plus notes persisted in the journal. */
export function issuerContext(job: RotationJob): IssuerContext {
  return {
    ...job.ctx,
    rotationId: job.journal.rotationId,
    notes: job.journal.notes,
    saveNotes: () => saveJournal(job, job.journal.step),
  };
}

export async function saveJournal(job: RotationJob, step: StepName): Promise<void> {
  job.journal.step = step;
  job.journal.updatedAt = job.ctx.clock.now().toISOString();
  await job.store.writeJournal(job.ref, job.journal);
}

export function markDone(job: RotationJob, step: StepName): void {
  if (!job.journal.done.includes(step)) job.journal.done.push(step);
}

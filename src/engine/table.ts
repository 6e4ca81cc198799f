/**
 * The entries around the steps of src/engine/steps.ts. lock and unlock bracket every run, a
 * resumed one too; the prologue runs under the lease before the first step of a new
 * rotation. The plan describes tableFor(mode) and the runner (src/engine/pipeline.ts) walks
 * the same entries, so the preview shows what runs, in the order it runs.
 */
import { messageOf } from '../errors.js';
import type { StoreRef } from '../model.js';
import type { SecretStore } from '../stores/types.js';
import { retireKey } from './delete-old-key.js';
import type { Mode, RotationJob } from './job.js';
import { acquireLease, type HeldLease } from './lease.js';
import { keyResult } from './outcomes.js';
import type { RotationResult } from './result.js';
import { stepsFor, type Described } from './steps.js';

export interface PrologueEntry extends Described {
  /** undefined: go on; a result: the rotation ends with it, before its first step */
  run(job: RotationJob): Promise<RotationResult | undefined>;
}

/** Taken before anything else and held throughout: one rotation per key, across processes and machines. */
export const lock: Described & { run(store: SecretStore, ref: StoreRef, owner: string, ttlMs: number): Promise<HeldLease> } = {
  name: 'lock',
  describe: (v) => `lease on ${v.where}`,
  // written with the first checkpoint where the store can (src/engine/lease.ts)
  run: (store, ref, owner, ttlMs) => acquireLease(store, ref, owner, ttlMs, { deferWrite: true }),
};

export const unlock: Described & { run(held: HeldLease): Promise<void> } = {
  name: 'unlock',
  describe: () => 'release the lease',
  run: (held) => held.release(),
};

/**
 * An old key still in its overlap window when the key rotates again is deleted first:
 * consumers no longer use it, and an offboarded person may know it.
 */
const retireSuperseded: PrologueEntry = {
  name: 'retire',
  describe: (v) => (v.supersededKeyId ? `delete ${v.supersededKeyId} (still in its overlap window) at ${v.issuerName} first` : undefined),
  async run(job) {
    const pending = (await job.store.rotation(job.ref)).pendingRetire;
    if (!pending) return undefined;
    await job.lease?.secure();
    try {
      await retireKey(job.issuer, pending.keyId, job);
      await job.store.record(job.ref, { pendingRetire: undefined });
      return undefined;
    } catch (failure) {
      const error = `could not delete ${pending.keyId}, still in its overlap window: ${job.ctx.redactor.redact(messageOf(failure))}`;
      return keyResult(job.key.id, job.request.trigger, 'failed', { failedStep: 'retire', error }, 0);
    }
  },
};

/** The old key is what rollback puts back and what the journal's intent names. */
const readOldKey: PrologueEntry = {
  name: 'read-old-key',
  describe: () => undefined,
  async run(job) {
    job.old = await job.store.current(job.ref);
    if (job.old) job.ctx.redactor.addMaterial(job.old.material);
    job.journal.oldKeyId = job.old?.keyId;
    return undefined;
  },
};

/** A PENDING version with no journal is the leftover of a run that cleared its journal but not the store. */
const dropForeignPending: PrologueEntry = {
  name: 'drop-foreign-pending',
  describe: () => undefined,
  async run(job) {
    const stale = await job.store.pending(job.ref);
    if (stale && stale.rotationId !== job.journal.rotationId) {
      job.ctx.logger.warn(`${job.key.id}: discarding a stale PENDING version from ${stale.rotationId}`);
      await job.lease?.secure();
      await job.store.rollback(job.ref, stale.rotationId);
    }
    return undefined;
  },
};

export const PROLOGUE: readonly PrologueEntry[] = [retireSuperseded, readOldKey, dropForeignPending];

/** Every entry a new rotation in this mode passes through, in order: what the plan shows. */
export function tableFor(mode: Mode): readonly Described[] {
  return [lock, ...PROLOGUE, ...stepsFor(mode), unlock];
}

/**
 * One key through the table of steps: lock, then the steps of its mode (each preceded by a
 * journal write, so a crash leaves a record of where it was), then unlock. Failure before
 * retire rolls back; a leak rotation never rolls back to the leaked key.
 */
import { errors, ExitCode, isKeyturnError, messageOf } from '../errors.js';
import { failpoint } from '../failpoints.js';
import { acquireLease, type HeldLease } from './lease.js';
import { modeOf, saveJournal, type RotationJob, type RotationRequest } from './job.js';
import { hydrate } from './resume.js';
import { rollBack } from './rollback.js';
import { retireKey, runStep, stepsFor, STEPS } from './steps.js';
import type { RotationResult } from './result.js';
import type { SecretStore } from '../stores/types.js';
import type { IssuerConfig } from '../config/types.js';
import type { Issuer } from '../issuers/types.js';
import { newRotationId } from '../context.js';
import { refOf, type JournalEntry, type RotationRecord, type StepName, type StoreRef } from '../model.js';
import type { Resources } from '../resources.js';

export interface RotateOptions {
  /** lease owner of this run */
  owner: string;
  /**
   * Checked after the lease is taken: false when another run already did the work
   * (e.g. a --due key rotated by a concurrent process), and the key is skipped.
   */
  stillWanted?: (record: RotationRecord) => boolean;
}

export async function rotateKey(request: RotationRequest, res: Resources, options: RotateOptions): Promise<RotationResult> {
  const { key } = request;
  const { ctx } = res;
  const started = ctx.clock.now().getTime();
  if (ctx.dryRun) throw errors.usage('internal: rotateKey called in dry-run');
  const base = { key: key.id, trigger: request.trigger };
  const store = await res.store(key.store);
  const issuer = await res.issuer(key.issuer);
  const issuerConfig = res.config.issuers[key.issuer];
  if (!issuerConfig) throw errors.config(`key ${key.id}: unknown issuer ${key.issuer}`);
  const ref = refOf(key);
  const job = { request, res, options, store, issuer, issuerConfig, ref };

  await failpoint('lock:before', key.id);
  let held;
  try {
    held = await acquireLease(store, ref, options.owner, res.config.defaults.leaseTtlMs);
  } catch (error) {
    if (isKeyturnError(error) && error.code === 'ELEASE') {
      return {
        ...base,
        outcome: 'skipped',
        note: `in flight elsewhere: ${messageOf(error)}`,
        durationMs: ctx.clock.now().getTime() - started,
      };
    }
    if (storeUnusable(error)) {
      return {
        ...base,
        outcome: 'needs-attention',
        failedStep: 'lock',
        error: explain(error, ctx),
        durationMs: ctx.clock.now().getTime() - started,
      };
    }
    if (isKeyturnError(error) && error.exitCode === ExitCode.usage) {
      // e.g. a master key file that is a FIFO: the operator's to fix, like bad configuration (exit 2)
      return {
        ...base,
        outcome: 'blocked',
        failedStep: 'lock',
        error: explain(error, ctx),
        durationMs: ctx.clock.now().getTime() - started,
      };
    }
    // nothing was changed yet: there was nothing to roll back
    return {
      ...base,
      outcome: 'failed',
      failedStep: 'lock',
      error: ctx.redactor.redact(messageOf(error)),
      durationMs: ctx.clock.now().getTime() - started,
    };
  }
  // a crash here leaves a lease and no journal: status shows it, `rotate --due` clears it
  await failpoint('lock:after', key.id);
  let result: RotationResult;
  try {
    result = await underLease(job, held);
  } catch (error) {
    await held.release().catch(() => undefined);
    if (!storeUnusable(error)) throw error;
    // Lost before the first step (reading the journal or the old key): nothing was started.
    return {
      ...base,
      outcome: 'needs-attention',
      failedStep: 'lock',
      error: explain(error, ctx),
      durationMs: ctx.clock.now().getTime() - started,
    };
  }
  try {
    await held.release();
  } catch (error) {
    const reason = explain(error, ctx);
    const lost = isKeyturnError(error) && error.code === 'ESTORELOST';
    // a lost store was reported once already, where the rotation stopped
    if (!lost || result.outcome !== 'needs-attention') ctx.logger.warn(`${key.id}: could not release the lease`, { error: reason });
    if (lost && result.outcome !== 'needs-attention') {
      // Whatever the rotation came to, the store that records it is gone: that is not a success.
      result = { ...result, outcome: 'needs-attention', failedStep: 'unlock', error: reason };
    } else if (result.outcome === 'completed' || result.outcome === 'skipped') {
      // A lease left behind expires, or is taken over at once by the next run on this host.
      result = { ...result, note: [result.note, `lease not released (${reason})`].filter(Boolean).join('; ') };
    }
  }
  await failpoint('unlock:after', key.id);
  return result;
}

interface Opened {
  request: RotationRequest;
  res: Resources;
  options: RotateOptions;
  store: SecretStore;
  issuer: Issuer;
  issuerConfig: IssuerConfig;
  ref: StoreRef;
}

/** Everything between lock and unlock: resume a journal, or start a new rotation. */
async function underLease(opened: Opened, held: HeldLease): Promise<RotationResult> {
  const { request, res, options, store, issuer, issuerConfig, ref } = opened;
  const { key } = request;
  const { ctx } = res;
  const started = ctx.clock.now().getTime();
  const base = { key: key.id, trigger: request.trigger };
  const existing = await store.journal(ref);
  const journal: JournalEntry = existing ?? {
    rotationId: newRotationId(ctx.clock),
    key: key.id,
    trigger: request.trigger,
    actor: ctx.actor,
    reason: request.reason,
    startedAt: ctx.clock.now().toISOString(),
    updatedAt: ctx.clock.now().toISOString(),
    step: stepsFor(modeOf(request.trigger))[0]!.name,
    done: [],
    status: 'running',
    notes: {},
  };
  const effective: RotationRequest = existing ? { key, trigger: existing.trigger, reason: existing.reason } : request;
  const job: RotationJob = {
    request: effective,
    key,
    ref,
    store,
    issuer,
    target: { key, issuer: issuerConfig },
    ctx,
    mode: modeOf(effective.trigger),
    journal,
    lease: held,
    resumed: Boolean(existing),
  };
  if (existing) {
    ctx.logger.warn(`${key.id}: resuming ${existing.rotationId} (${existing.trigger}) at ${existing.step}`, { status: existing.status });
    const from = await hydrate(job);
    if (existing.status === 'rolling-back')
      return await rollBack(job, existing.step, new Error('an earlier run was interrupted while rolling back'));
    return await runSteps(job, from);
  }
  if (options.stillWanted && !options.stillWanted(await store.rotation(ref))) {
    return { ...base, outcome: 'skipped', note: 'already rotated by another run', durationMs: ctx.clock.now().getTime() - started };
  }
  const superseded = await retireSuperseded(job);
  if (superseded) return superseded;
  job.old = await store.current(ref);
  if (job.old) ctx.redactor.addMaterial(job.old.material);
  journal.oldKeyId = job.old?.keyId;
  await dropForeignPending(job);
  return await runSteps(job, journal.step);
}

async function runSteps(job: RotationJob, from: StepName): Promise<RotationResult> {
  const steps = stepsFor(job.mode);
  const start = Math.max(
    0,
    steps.findIndex((s) => s.name === from),
  );
  for (const step of steps.slice(start)) {
    job.ctx.logger.info(`${job.key.id}: ${step.name}`, { rotationId: job.journal.rotationId });
    try {
      // A checkpoint that cannot be written fails its step: the step has not begun.
      // stage is no checkpoint: the issuer's answer goes into the store before anything else.
      if (step.checkpoint) await saveJournal(job, step.name);
      else job.journal.step = step.name;
      await runStep(step, job);
    } catch (error) {
      return await onFailure(job, step.name, error);
    }
  }
  const notes = job.resumed ? ['resumed an interrupted run'] : [];
  try {
    await job.store.writeJournal(job.ref, undefined);
  } catch (error) {
    if (isKeyturnError(error) && error.code === 'ESTORELOST') return stopHere(job, 'unlock', error);
    // The rotation is done and recorded; a journal left behind only makes the next run
    // repeat retire and record (both idempotent) and clear it.
    const reason = job.ctx.redactor.redact(messageOf(error));
    job.ctx.logger.warn(`${job.key.id}: rotated, but the journal could not be cleared; the next run tidies it`, { error: reason });
    notes.push(`journal not cleared (${reason}); the next run tidies it`);
  }
  const finished = job.ctx.clock.now().getTime();
  return {
    key: job.key.id,
    trigger: job.request.trigger,
    outcome: 'completed',
    rotationId: job.journal.rotationId,
    oldKeyId: job.journal.oldKeyId,
    newKeyId: job.fresh?.keyId,
    retireAfter: job.retireAfter,
    note: notes.join('; ') || undefined,
    durationMs: finished - Date.parse(job.journal.startedAt),
  };
}

async function onFailure(job: RotationJob, failed: StepName, error: unknown): Promise<RotationResult> {
  if (storeUnusable(error)) return stopHere(job, failed, error);
  if (job.mode === 'routine' && failed !== 'retire' && failed !== 'record') return rollBack(job, failed, error);
  // Past the point of no return: the new key is live (routine) or the old one is dead (leak).
  const { ctx } = job;
  const message = ctx.redactor.redact(messageOf(error));
  const reason =
    failed === 'retire'
      ? `the old key ${job.journal.oldKeyId} could not be deleted: ${message}; a later run retries`
      : `${job.mode === 'leak' ? 'leak rotation' : 'rotation'} stopped at ${failed}: ${message}; rerun to resume`;
  ctx.logger.error(`${job.key.id}: needs attention: ${reason}`, { rotationId: job.journal.rotationId });
  try {
    if (failed === 'retire' && job.journal.oldKeyId) {
      // Finish the cutover and leave the old key for the next run to delete.
      job.retireAfter = ctx.clock.now().toISOString();
      await runStep(
        STEPS.find((s) => s.name === 'record')!,
        job,
      );
      await job.store.writeJournal(job.ref, undefined);
    }
    await job.store.record(job.ref, { attention: { rotationId: job.journal.rotationId, reason, at: ctx.clock.now().toISOString() } });
  } catch (recordError) {
    ctx.logger.error(`${job.key.id}: could not record the failure`, { error: ctx.redactor.redact(messageOf(recordError)) });
  }
  return {
    key: job.key.id,
    trigger: job.request.trigger,
    outcome: 'needs-attention',
    rotationId: job.journal.rotationId,
    oldKeyId: job.journal.oldKeyId,
    newKeyId: job.fresh?.keyId,
    failedStep: failed,
    error: reason,
    durationMs: ctx.clock.now().getTime() - Date.parse(job.journal.startedAt),
  };
}

/**
 * The store cannot be written (disk full, gone, replaced by another). An undo would need it
 * as much as going on would, so the rotation stops where it is, as a crash would stop it: the
 * store (or the file store's rescue record) holds the last checkpoint, and the next run
 * resumes from there once the operator has fixed the store.
 */
function storeUnusable(error: unknown): boolean {
  return isKeyturnError(error) && (error.code === 'ESTOREIO' || error.code === 'ESTORELOST');
}

async function stopHere(job: RotationJob, failed: StepName, error: unknown): Promise<RotationResult> {
  const { ctx } = job;
  const done = job.journal.done.length ? `done: ${job.journal.done.join(', ')}` : 'nothing done yet';
  const reason = `stopped at ${failed} (${done}): ${explain(error, ctx)}`;
  ctx.logger.error(`${job.key.id}: needs attention: ${reason}`, { rotationId: job.journal.rotationId });
  // Usually fails as well; worth one try, since a passing disk problem may be gone already.
  await job.store
    .record(job.ref, { attention: { rotationId: job.journal.rotationId, reason, at: ctx.clock.now().toISOString() } })
    .catch(() => undefined);
  return {
    key: job.key.id,
    trigger: job.request.trigger,
    outcome: 'needs-attention',
    rotationId: job.journal.rotationId,
    oldKeyId: job.journal.oldKeyId,
    newKeyId: job.fresh?.keyId,
    failedStep: failed,
    error: reason,
    durationMs: ctx.clock.now().getTime() - Date.parse(job.journal.startedAt),
  };
}

/** The message and, when there is one, what to do about it, redacted. */
function explain(error: unknown, ctx: RotationJob['ctx']): string {
  const hint = isKeyturnError(error) ? error.details.hint : undefined;
  return ctx.redactor.redact(hint ? `${messageOf(error)}; ${hint}` : messageOf(error));
}

/**
 * An old key still in its overlap window when the key rotates again is deleted first:
 * consumers no longer use it, and an offboarded person may know it.
 */
async function retireSuperseded(job: RotationJob): Promise<RotationResult | undefined> {
  const pending = (await job.store.rotation(job.ref)).pendingRetire;
  if (!pending) return undefined;
  try {
    await retireKey(job.issuer, pending.keyId, job);
    await job.store.record(job.ref, { pendingRetire: undefined });
    return undefined;
  } catch (error) {
    return {
      key: job.key.id,
      trigger: job.request.trigger,
      outcome: 'failed',
      failedStep: 'retire',
      error: `could not delete ${pending.keyId}, still in its overlap window: ${job.ctx.redactor.redact(messageOf(error))}`,
      durationMs: 0,
    };
  }
}

/** A PENDING version with no journal is the leftover of a run that cleared its journal but not the store. */
async function dropForeignPending(job: RotationJob): Promise<void> {
  const stale = await job.store.pending(job.ref);
  if (stale && stale.rotationId !== job.journal.rotationId) {
    job.ctx.logger.warn(`${job.key.id}: discarding a stale PENDING version from ${stale.rotationId}`);
    await job.store.rollback(job.ref, stale.rotationId);
  }
}

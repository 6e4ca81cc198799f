/**
 * The steps of a rotation's mode, from the one it is at: each preceded by a journal write
 * where the table marks a checkpoint, so a crash leaves a record of where it was. Failure
 * before retire rolls back; a leak rotation never rolls back to the leaked key.
 */
import { isKeyturnError, messageOf } from '../errors.js';
import type { StepName } from '../model.js';
import { explain, storeUnusable } from './failure.js';
import { saveJournal, type RotationJob } from './job.js';
import { jobResult } from './outcomes.js';
import type { RotationResult } from './result.js';
import { rollBack } from './rollback.js';
import { runStep, stepsFor, STEPS } from './steps.js';

export async function runSteps(job: RotationJob, from: StepName): Promise<RotationResult> {
  const steps = stepsFor(job.mode);
  const start = Math.max(
    0,
    steps.findIndex((s) => s.name === from),
  );
  for (const step of steps.slice(start)) {
    try {
      // a mass revoke holds a lane here until every old key is dead: the step begins after
      await job.hooks?.before?.(job, step.name);
      job.ctx.logger.info(`${job.key.id}: ${step.name}`, { rotationId: job.journal.rotationId });
      // A checkpoint that cannot be written fails its step: the step has not begun.
      // stage is no checkpoint: the issuer's answer goes into the store before anything else.
      if (step.checkpoint) {
        const first = !job.resumed && job.journal.done.length === 0;
        try {
          await saveJournal(job, step.name);
        } catch (error) {
          // the first checkpoint carries the lease (src/engine/lease.ts): another run took the key first
          if (first && isKeyturnError(error) && error.code === 'ELEASE')
            return jobResult(job, 'skipped', { note: `in flight elsewhere: ${messageOf(error)}` });
          throw error;
        }
      } else job.journal.step = step.name;
      // nothing acts outside the store under a lease that is not in the store yet
      await job.lease?.secure();
      await runStep(step, job);
      job.hooks?.after?.(job, step.name);
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
  return jobResult(job, 'completed', { retireAfter: job.retireAfter, note: notes.join('; ') || undefined });
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
  return jobResult(job, 'needs-attention', { failedStep: failed, error: reason });
}

/** The store is unusable (see storeUnusable): stop where the rotation is, as a crash would. */
async function stopHere(job: RotationJob, failed: StepName, error: unknown): Promise<RotationResult> {
  const { ctx } = job;
  const done = job.journal.done.length ? `done: ${job.journal.done.join(', ')}` : 'nothing done yet';
  const reason = `stopped at ${failed} (${done}): ${explain(error, ctx)}`;
  ctx.logger.error(`${job.key.id}: needs attention: ${reason}`, { rotationId: job.journal.rotationId });
  // Usually fails as well; worth one try, since a passing disk problem may be gone already.
  await job.store
    .record(job.ref, { attention: { rotationId: job.journal.rotationId, reason, at: ctx.clock.now().toISOString() } })
    .catch(() => undefined);
  return jobResult(job, 'needs-attention', { failedStep: failed, error: reason });
}

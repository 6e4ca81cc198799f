/**
 * Failure before retire puts everything back as it was: the old key CURRENT in the store,
 * consumers restarted on it, the new key deleted at the issuer. Every action is attempted
 * even when an earlier one fails, except that a new key the store could not let go of is
 * not deleted; if any fails, the journal stays (status rolling-back) so the next run
 * finishes the undo, and the key is flagged as needing attention.
 */
import { restartConsumer } from '../consumers/restart.js';
import { messageOf } from '../errors.js';
import { issuerContext, saveJournal, type RotationJob } from './job.js';
import { appendHistoryOnce } from './steps.js';
import type { RotationResult } from './result.js';
import { jobHistory, jobResult } from './outcomes.js';
import type { StepName } from '../model.js';

const AFTER_STAGE: readonly StepName[] = ['stage', 'promote', 'restart', 'verify'];
const AFTER_RESTART: readonly StepName[] = ['restart', 'verify'];

export async function rollBack(job: RotationJob, failedStep: StepName, cause: unknown): Promise<RotationResult> {
  const { ctx, store, ref, issuer } = job;
  const rotationId = job.journal.rotationId;
  const error = ctx.redactor.redact(messageOf(cause));
  ctx.logger.warn(`${job.key.id}: ${failedStep} failed, rolling back`, { rotationId, error });
  job.journal.status = 'rolling-back';
  const problems: string[] = [];
  const attempt = async (what: string, action: () => Promise<unknown>): Promise<boolean> => {
    try {
      await action();
      return true;
    } catch (undoError) {
      problems.push(`${what}: ${ctx.redactor.redact(messageOf(undoError))}`);
      return false;
    }
  };

  await attempt('save the journal', () => saveJournal(job, failedStep));
  let storeBack = true;
  if (AFTER_STAGE.includes(failedStep) || job.journal.done.includes('stage')) {
    storeBack = await attempt('put the old key back in the store', () => store.rollback(ref, rotationId));
  }
  const restarted = AFTER_RESTART.includes(failedStep) || job.journal.done.includes('restart');
  if (restarted && job.key.consumers.length) {
    const old = job.old && { keyId: job.old.keyId, rotationId: job.old.rotationId, material: job.old.material };
    const shares = job.hooks?.restarts;
    if (old || shares) {
      await attempt('restart consumers on the old key', async () => {
        for (const consumer of job.key.consumers) {
          // a shared consumer goes back on this key's old material with the others' (src/engine/shared-restarts.ts)
          const shared = shares?.restore(job, consumer, old);
          if (shared) await shared;
          else if (old) await restartConsumer(consumer, old, ctx);
        }
      });
    }
  }
  const newKeyId = job.fresh?.keyId ?? job.journal.newKeyId;
  if (newKeyId && !storeBack) {
    // The store may still hand the new key out (PENDING or CURRENT): deleting it would leave
    // whoever reads the store with a dead key. Both keys stay alive until the next run.
    problems.push(`kept the new key ${newKeyId} at the issuer: the store still holds it`);
  } else if (newKeyId) {
    await attempt(`delete the new key ${newKeyId} at the issuer`, () => issuer.revoke(newKeyId, job.target, issuerContext(job)));
  } else if (failedStep === 'create') {
    await attempt('delete keys the failed create may have left at the issuer', () => deleteOrphans(job));
  }

  const now = ctx.clock.now();
  const outcome = problems.length ? 'needs-attention' : 'rolled-back';
  const historyError = problems.length ? `${error}; rollback incomplete: ${problems.join('; ')}` : error;
  await attempt('record the outcome', async () => {
    await store.record(ref, {
      attention: problems.length
        ? { rotationId, reason: `rollback incomplete after ${failedStep} failed: ${problems.join('; ')}`, at: now.toISOString() }
        : undefined,
    });
    await appendHistoryOnce(job, jobHistory(job, outcome, now, { newKeyId, error: historyError }));
    if (!problems.length) await store.writeJournal(ref, undefined);
  });

  if (problems.length) ctx.logger.error(`${job.key.id}: rollback incomplete`, { rotationId, problems });
  else ctx.logger.warn(`${job.key.id}: rolled back to ${job.journal.oldKeyId ?? 'no key (first rotation)'}`, { rotationId });
  return jobResult(job, outcome, { newKeyId, failedStep, error: problems.length ? historyError : error }, now);
}

/** Keys at the issuer whose name carries this rotation id were created by this rotation. */
export async function deleteOrphans(job: RotationJob): Promise<number> {
  if (!job.issuer.createsRemotely || !job.issuer.list) return 0;
  const rotationId = job.journal.rotationId;
  const found = await job.issuer.list(job.target, job.ctx);
  const orphans = found.filter((info) => info.name?.includes(rotationId));
  for (const orphan of orphans) {
    await job.issuer.revoke(orphan.keyId, job.target, issuerContext(job));
    job.ctx.logger.warn(`${job.key.id}: deleted orphan key ${orphan.keyId} left by an interrupted create`, { rotationId });
  }
  return orphans.length;
}

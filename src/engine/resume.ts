/**
 * A run that finds a journal picks the rotation up where it stopped. The store is the
 * source of truth for what happened: the new key is found by its rotation id (PENDING or
 * already CURRENT), the old key by the id the journal recorded before create.
 */
import { deleteOrphans } from './rollback.js';
import type { RotationJob } from './job.js';
import type { StepName } from '../model.js';

/** Load what the interrupted run knew; returns the step to continue from. */
export async function hydrate(job: RotationJob): Promise<StepName> {
  const { store, ref } = job;
  const rotationId = job.journal.rotationId;
  const [current, pending, previous] = await Promise.all([store.current(ref), store.pending(ref), store.previous(ref)]);
  const oldKeyId = job.journal.oldKeyId;
  job.old = [current, previous].find((v) => v && oldKeyId && v.keyId === oldKeyId && v.rotationId !== rotationId);
  const staged = [pending, current].find((v) => v?.rotationId === rotationId);
  if (staged) {
    job.ctx.redactor.addMaterial(staged.material);
    job.fresh = { keyId: staged.keyId, material: staged.material, meta: staged.meta };
    job.journal.newKeyId = staged.keyId;
  }
  if (job.old) job.ctx.redactor.addMaterial(job.old.material);

  const step = job.journal.step;
  if (step === 'create') {
    // The last checkpoint was the intent: the store tells how far the run got since.
    if (staged) {
      const promoted = current?.rotationId === rotationId;
      const done = promoted ? (['create', 'stage', 'promote'] as const) : (['create', 'stage'] as const);
      for (const name of done) if (!job.journal.done.includes(name)) job.journal.done.push(name);
      return promoted ? 'restart' : 'promote';
    }
    // The issuer's answer was lost with the crashed process: delete what it may have made.
    const removed = await deleteOrphans(job);
    if (removed) job.ctx.logger.warn(`${job.key.id}: removed ${removed} orphan key(s) of the interrupted create`);
    job.journal.done = job.journal.done.filter((s) => s !== 'create' && s !== 'stage');
    job.journal.newKeyId = undefined;
    return 'create';
  }
  return step;
}

/**
 * The run's step hooks with progress added: whatever hooks the run already has (a mass
 * revoke's barrier, a shared consumer's restart group) keep every member and run first, so
 * the display names a step only once it has really begun. Progress never fails a step.
 */
import type { StepHooks } from '../../engine/job.js';
import type { StepName } from '../../model.js';

export function withProgress(onStep: (key: string, step: StepName) => void, outer?: StepHooks): StepHooks {
  return {
    ...outer,
    before: async (job, step) => {
      await outer?.before?.(job, step);
      try {
        onStep(job.key.id, step);
      } catch {
        // a display that cannot draw is no reason to stop a rotation
      }
    },
  };
}

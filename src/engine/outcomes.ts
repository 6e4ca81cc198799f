/**
 * Every result and history entry of the engine is built here, so the summary row, the JSON
 * and the history line of a rotation carry the same fields whichever path (completed, rolled
 * back, stopped, skipped, retired later) came to them.
 */
import type { HistoryEntry, Occasion, Outcome, RecordedOutcome, WorkerIdentity } from '../model.js';
import type { RotationJob } from './job.js';
import type { RotationResult } from './result.js';

/** What a result says beyond its key, occasion, outcome and duration. */
export type ResultDetails = Partial<Omit<RotationResult, 'key' | 'trigger' | 'outcome' | 'durationMs'>>;

/** A result about a key with no rotation under way: refused, skipped, or stopped before a journal. */
export function keyResult(key: string, trigger: Occasion, outcome: Outcome, details: ResultDetails, durationMs: number): RotationResult {
  return { key, trigger, outcome, ...details, durationMs };
}

/** A rotation's result: its ids from the journal, its duration since the journal began. */
export function jobResult(job: RotationJob, outcome: Outcome, details: ResultDetails, now: Date = job.ctx.clock.now()): RotationResult {
  const ids = { rotationId: job.journal.rotationId, oldKeyId: job.journal.oldKeyId, newKeyId: job.fresh?.keyId };
  return keyResult(job.key.id, job.request.trigger, outcome, { ...ids, ...details }, sinceStart(job, now));
}

/** A rotation's history entry, finished now. */
export function jobHistory(
  job: RotationJob,
  outcome: RecordedOutcome,
  now: Date,
  details: Pick<HistoryEntry, 'newKeyId' | 'error'>,
): HistoryEntry {
  return {
    rotationId: job.journal.rotationId,
    key: job.key.id,
    trigger: job.request.trigger,
    actor: job.ctx.actor,
    startedAt: job.journal.startedAt,
    finishedAt: now.toISOString(),
    durationMs: sinceStart(job, now),
    oldKeyId: job.journal.oldKeyId,
    newKeyId: details.newKeyId,
    outcome,
    reason: job.request.reason,
    error: details.error,
    ...workerOf(job.ctx.env),
  };
}

/**
 * A fleet worker names itself in its own environment (src/fleet/worker.ts), which its runs'
 * history records; a run from the command line records none.
 */
function workerOf(env: NodeJS.ProcessEnv): { worker?: WorkerIdentity } {
  const id = env.KEYTURN_WORKER_ID;
  if (!id) return {};
  const zone = env.KEYTURN_WORKER_ZONE;
  return { worker: { id, host: env.KEYTURN_WORKER_HOST || id.split(':')[0]!, ...(zone ? { zone } : {}) } };
}

/** The history entry of an old key deleted after its overlap window, by a run with no rotation job. */
export function retirementHistory(
  retired: { key: string; rotationId: string; oldKeyId: string; actor: string },
  started: Date,
  finished: Date,
): HistoryEntry {
  return {
    rotationId: retired.rotationId,
    key: retired.key,
    trigger: 'retire',
    actor: retired.actor,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    oldKeyId: retired.oldKeyId,
    outcome: 'retired',
  };
}

function sinceStart(job: RotationJob, now: Date): number {
  return now.getTime() - Date.parse(job.journal.startedAt);
}

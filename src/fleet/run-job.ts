/**
 * One rotation job through the same engine as `keyturn rotate` (rotateKey), and what the
 * queue should do with it afterwards: complete it, or fail it so pg-boss retries it with
 * backoff (up to fleet.queue.retryLimit, then it stays failed).
 *
 * Exactly once: the store's lease stops two workers rotating a key at once, and a job whose
 * key was rotated after the job was enqueued (by a worker killed before it could complete
 * the job, say) is skipped for a routine trigger. A job whose worker was killed mid-rotation
 * expires, is retried elsewhere, and the engine resumes the journal where it stopped.
 */
import type { Config } from '../config/types.js';
import { rotateKey } from '../engine/pipeline.js';
import { keyResult } from '../engine/outcomes.js';
import type { RotationResult } from '../engine/result.js';
import { isKeyturnError, messageOf } from '../errors.js';
import type { RotationRecord } from '../model.js';
import { dueState } from '../plan/due.js';
import { blocksRotation, type Finding } from '../policy/index.js';
import type { Resources } from '../resources.js';
import { queueOfKey, type RotationJobData } from './names.js';

export interface JobInput {
  id: string;
  data: RotationJobData;
  /** when the job was enqueued */
  createdOn: Date;
}

export type JobDecision =
  | { action: 'complete'; result?: RotationResult; note: string }
  | { action: 'retry'; result?: RotationResult; reason: string }
  /** the key moved to another zone since the job was sent: send it there, complete this one */
  | { action: 'move'; queue: string; note: string };

export interface JobEnv {
  config: Config;
  res: Resources;
  findings: readonly Finding[];
  /** the lease owner of this worker (host:pid:nonce: a dead worker's lease is broken at once on its host) */
  owner: string;
  /** the queue this worker took the job from */
  queue: string;
}

export async function runJob(job: JobInput, env: JobEnv): Promise<JobDecision> {
  const { config, res } = env;
  const data = job.data;
  if (!data || typeof data.key !== 'string' || !['due', 'manual', 'offboard', 'revoke'].includes(String(data.trigger)))
    return { action: 'complete', note: `job ${job.id} is not a rotation job (no key or trigger): completed without running` };
  const key = config.keys.find((k) => k.id === data.key);
  if (!key) return { action: 'complete', note: `${data.key}: no longer in rotation.yaml; job ${job.id} completed without running` };
  if (queueOfKey(key) !== env.queue) return { action: 'move', queue: queueOfKey(key), note: `${key.id}: its zone changed; job moved` };
  if (blocksRotation(env.findings, key.id)) {
    const rules = env.findings.filter((f) => f.key === key.id && f.severity === 'error').map((f) => f.rule);
    const result = keyResult(key.id, data.trigger, 'blocked', { error: `blocked by policy: ${rules.join(', ')}` }, 0);
    return { action: 'complete', result, note: `${key.id}: blocked by policy (${rules.join(', ')}); not retried` };
  }
  const request = { key, trigger: data.trigger, ...(data.reason !== undefined ? { reason: data.reason } : {}) };
  let result: RotationResult;
  try {
    result = await rotateKey(request, res, { owner: env.owner, stillWanted: (record) => stillWanted(job, record, res) });
  } catch (error) {
    // before the lease: the store or the issuer could not be opened; nothing changed
    const message = res.ctx.redactor.redact(messageOf(error));
    result = keyResult(key.id, data.trigger, 'failed', { failedStep: 'lock', error: message }, 0);
    if (isKeyturnError(error) && error.exitCode === 2) return { action: 'complete', result, note: `${key.id}: ${message}; not retried` };
  }
  return decide(result);
}

/**
 * Checked under the lease before a new rotation starts: a routine job whose key was rotated
 * after the job was enqueued has nothing left to do (a due key must also still be due).
 * Offboard and revoke rotate it all the same: the person or the leak may know a key an
 * ordinary rotation kept alive in its overlap window.
 */
function stillWanted(job: JobInput, record: RotationRecord, res: Resources): boolean {
  const { trigger } = job.data;
  if (trigger === 'offboard' || trigger === 'revoke') return true;
  const last = record.lastRotatedAt ? Date.parse(record.lastRotatedAt) : undefined;
  if (last !== undefined && last >= job.createdOn.getTime()) return false;
  if (trigger === 'due') {
    const key = res.config.keys.find((k) => k.id === job.data.key)!;
    return dueState(key, record, res.ctx.clock.now()).due;
  }
  return true;
}

function decide(result: RotationResult): JobDecision {
  const what = `${result.key}: ${result.outcome}`;
  switch (result.outcome) {
    case 'completed':
    case 'retired':
      return { action: 'complete', result, note: what };
    case 'skipped':
      // a lease held by a live run elsewhere: try again later, when it has finished
      if (result.note?.startsWith('in flight elsewhere')) return { action: 'retry', result, reason: `${what} (${result.note})` };
      return { action: 'complete', result, note: `${what}${result.note ? ` (${result.note})` : ''}` };
    case 'blocked':
    case 'needs-attention':
      // a human must look: retrying would not help
      return { action: 'complete', result, note: `${what}${result.error ? ` (${result.error})` : ''}` };
    default:
      // rolled-back or failed: nothing is left half-done; another attempt may succeed
      return { action: 'retry', result, reason: `${what}${result.error ? ` (${result.error})` : ''}` };
  }
}

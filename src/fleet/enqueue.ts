/**
 * Hand rotations to the fleet: one job per key on its zone's queue, a singleton key per key
 * id so a key waits in the queue at most once (a second enqueue of a waiting key is a no-op).
 */
import type { FleetConfig, KeyConfig } from '../config/types.js';
import type { Trigger } from '../model.js';
import { jobOptions, type Boss } from './boss.js';
import { PRIORITY, queueOfKey, type RotationJobData } from './names.js';

export interface EnqueueRequest {
  key: KeyConfig;
  trigger: Trigger;
  reason?: string;
}

export interface Enqueued {
  key: string;
  queue: string;
  /** the job's id; undefined: the key was already waiting in the queue */
  jobId?: string;
}

/**
 * A key waits once per kind of work: a routine job (due or manual) does not swallow a revoke
 * or an offboarding sent while it waits. The lease runs them one after the other; the routine
 * one then finds the key rotated since it was sent and is skipped.
 */
export function singletonKeyOf(keyId: string, trigger: Trigger): string {
  return trigger === 'due' || trigger === 'manual' ? keyId : `${keyId}:${trigger}`;
}

export async function enqueueRotations(boss: Boss, fleet: FleetConfig, requests: readonly EnqueueRequest[]): Promise<Enqueued[]> {
  const options = jobOptions(fleet);
  const out: Enqueued[] = [];
  for (const { key, trigger, reason } of requests) {
    const data: RotationJobData = { key: key.id, trigger, ...(reason !== undefined ? { reason } : {}) };
    const queue = queueOfKey(key);
    const jobId = await boss.send(queue, data, { ...options, singletonKey: singletonKeyOf(key.id, trigger), priority: PRIORITY[trigger] });
    out.push({ key: key.id, queue, ...(jobId ? { jobId } : {}) });
  }
  return out;
}

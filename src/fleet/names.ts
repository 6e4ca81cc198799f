/**
 * The fleet's vocabulary, free of pg-boss: queue names, what a job carries (a key id and a
 * trigger, never material) and how urgent each trigger is.
 */
import type { KeyConfig } from '../config/types.js';
import type { Trigger } from '../model.js';

/** The queue of keys without a zone. */
export const DEFAULT_QUEUE = 'keyturn-rotate';
/** The cron queue: its one job per tick enqueues every due key. */
export const SCHEDULE_QUEUE = 'keyturn-schedule';

export function queueOf(zone: string | undefined): string {
  return zone === undefined ? DEFAULT_QUEUE : `${DEFAULT_QUEUE}.${zone}`;
}

export function queueOfKey(key: KeyConfig): string {
  return queueOf(key.zone);
}

/** A rotation job's payload: which key, why. Never material, never a secret. */
export interface RotationJobData {
  key: string;
  trigger: Trigger;
  /** revoke: the operator's reason; offboard: the person */
  reason?: string;
}

/** Leaks first, then people leaving, then everything else (pg-boss fetches the highest first). */
export const PRIORITY: Record<Trigger, number> = { revoke: 20, offboard: 10, manual: 0, due: 0 };

/** Every queue a configuration uses: the default one and one per zone its keys name. */
export function zonesOf(keys: readonly KeyConfig[]): Array<string | undefined> {
  const zones = new Set<string>();
  for (const key of keys) if (key.zone !== undefined) zones.add(key.zone);
  return [undefined, ...[...zones].sort()];
}

/** The worker's identity in history and logs; set in the worker's own environment, read by the engine's history. */
export const WORKER_ID_ENV = 'KEYTURN_WORKER_ID';
export const WORKER_ZONE_ENV = 'KEYTURN_WORKER_ZONE';

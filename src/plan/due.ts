/**
 * When a key is due: its last rotation plus its period (declared, or its tier's maximum:
 * effectivePeriodMs in src/policy/tiers.ts).
 * A key never rotated is due now.
 */
import type { KeyConfig } from '../config/types.js';
import { effectivePeriodMs } from '../policy/tiers.js';
import type { RotationRecord } from '../model.js';

export interface DueState {
  due: boolean;
  neverRotated: boolean;
  /** when the key became due (undefined if never rotated or not due) */
  dueSince?: Date;
  nextDue?: Date;
  overdueMs: number;
}

export function dueState(key: KeyConfig, record: RotationRecord, now: Date): DueState {
  if (!record.lastRotatedAt) return { due: true, neverRotated: true, overdueMs: 0 };
  const period = effectivePeriodMs(key);
  if (period === undefined) return { due: false, neverRotated: false, overdueMs: 0 };
  const nextDue = new Date(Date.parse(record.lastRotatedAt) + period);
  const overdueMs = now.getTime() - nextDue.getTime();
  return {
    due: overdueMs >= 0,
    neverRotated: false,
    dueSince: overdueMs >= 0 ? nextDue : undefined,
    nextDue,
    overdueMs: Math.max(0, overdueMs),
  };
}

export { effectivePeriodMs };

/**
 * The creation date `keyturn adopt` recorded, while it still stands for the key (no rotation
 * since): lastRotatedAt is then the credential's age, not a rotation keyturn made.
 */
export function adoptedAt(record: RotationRecord): string | undefined {
  return record.adopted && record.lastRotatedAt && record.adopted.rotationId === record.lastRotationId ? record.lastRotatedAt : undefined;
}

/** Whole days from `iso` to `now` (0 for a date not yet reached). */
export function ageInDays(iso: string, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - Date.parse(iso)) / 86_400_000));
}

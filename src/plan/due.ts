/**
 * When a key is due: its last rotation plus its period (declared, or its tier's maximum).
 * A key never rotated is due now.
 */
import type { KeyConfig, Tier } from '../config/types.js';
import type { RotationRecord } from '../stores/types.js';

const DAY = 24 * 60 * 60 * 1000;

/** Longest period each tier allows (KEY-SECURITY-RULES.md); one-time keys use their ttl. */
export const TIER_MAX_PERIOD_MS: Record<Tier, number | undefined> = {
  'high-frequency': 30 * DAY,
  normal: 90 * DAY,
  'read-only': 180 * DAY,
  withdrawal: 30 * DAY,
  'one-time': undefined,
};

export function effectivePeriodMs(key: KeyConfig): number | undefined {
  return key.periodMs ?? key.ttlMs ?? (key.tier ? TIER_MAX_PERIOD_MS[key.tier] : undefined);
}

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
  return { due: overdueMs >= 0, neverRotated: false, dueSince: overdueMs >= 0 ? nextDue : undefined, nextDue, overdueMs: Math.max(0, overdueMs) };
}

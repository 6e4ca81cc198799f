/** Rotation tiers and their longest periods (KEY-SECURITY-RULES.md, seeds 000 and 003). */
import type { KeyConfig, Tier } from '../config/types.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** one-time keys have no period: they are deleted after use (their ttl) */
export const TIER_MAX_PERIOD_MS: Record<Tier, number | undefined> = {
  'high-frequency': 30 * DAY_MS,
  normal: 90 * DAY_MS,
  'read-only': 180 * DAY_MS,
  withdrawal: 30 * DAY_MS,
  'one-time': undefined,
};

/** The period a key actually rotates on: declared, else its ttl, else its tier's longest. */
export function effectivePeriodMs(key: Pick<KeyConfig, 'periodMs' | 'ttlMs' | 'tier'>): number | undefined {
  return key.periodMs ?? key.ttlMs ?? (key.tier ? TIER_MAX_PERIOD_MS[key.tier] : undefined);
}

/** Rules judged from a key's rotation record: overdue, never rotated. */
import { formatDuration } from '../config/duration.js';
import type { KeyConfig } from '../config/types.js';
import { finding } from './finding.js';
import { effectivePeriodMs } from './tiers.js';
import type { Finding } from './types.js';

export interface StateOptions {
  /** `audit --strict`: an overdue key is an error */
  strict?: boolean;
}

export function stateFindings(key: KeyConfig, lastRotatedAt: string | undefined, now: Date, options: StateOptions = {}): Finding[] {
  const last = lastRotatedAt === undefined ? Number.NaN : Date.parse(lastRotatedAt);
  if (Number.isNaN(last)) {
    const why = lastRotatedAt === undefined ? 'no rotation of this key is recorded' : 'the recorded rotation date cannot be read';
    return [finding('never-rotated', key, `${why}: the first \`keyturn rotate\` replaces a key of unknown age`)];
  }
  const period = effectivePeriodMs(key);
  if (period === undefined) return [];
  const late = now.getTime() - (last + period);
  if (late <= 0) return [];
  return [
    finding(
      'overdue',
      key,
      `overdue by ${formatDuration(late - (late % 60_000) || late)}: ` +
        `last rotated ${new Date(last).toISOString()}, period ${formatDuration(period)}`,
      options.strict ? 'error' : 'warn',
    ),
  ];
}

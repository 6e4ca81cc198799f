/**
 * Every duration of rotation.yaml against its range (DURATION_RANGES in duration.ts): the
 * schema knows only the form of a duration, not whether `0s` or ten thousand weeks can work.
 * Issuer timeouts (a number of ms, 1.5s, 1m30s) are read with their own parser, same ranges.
 */
import { outOfRange, parseDuration, parseTimeout, rangeText, type DurationKind } from './duration.js';
import type { DataPath, ProblemList } from './problems.js';
import { loose, looseList } from './raw-types.js';

const ISSUER_TIMEOUTS = ['timeout', 'verifyTimeout', 'recvWindow', 'maxRetryWait'];

export function checkDurationRanges(data: unknown, problems: ProblemList): void {
  const within = (value: unknown, path: DataPath, kind: DurationKind, parse: (raw: unknown) => number | undefined = asDuration): void => {
    if (value === undefined) return;
    // a value that does not parse is the schema's to report
    const ms = parse(value);
    const problem = ms === undefined ? undefined : outOfRange(ms, kind);
    if (problem) problems.add(path, `\`${String(value)}\` ${problem}`, `allowed: ${rangeText(kind)}`);
  };
  const root = loose(data);
  const defaults = loose(root.defaults);
  within(defaults.overlap, ['defaults', 'overlap'], 'overlap');
  within(defaults.consumerTimeout, ['defaults', 'consumerTimeout'], 'consumerTimeout');
  within(defaults.leaseTtl, ['defaults', 'leaseTtl'], 'leaseTtl');
  const queue = loose(loose(root.fleet).queue);
  within(queue.expireAfter, ['fleet', 'queue', 'expireAfter'], 'jobExpiry');
  within(queue.retryDelay, ['fleet', 'queue', 'retryDelay'], 'retryDelay');

  for (const [name, issuer] of Object.entries(loose(root.issuers))) {
    for (const option of ISSUER_TIMEOUTS) within(loose(issuer)[option], ['issuers', name, option], 'issuerTimeout', parseTimeout);
  }

  looseList(root.keys).forEach((raw, index) => {
    const key = loose(raw);
    within(key.period, ['keys', index, 'period'], 'period');
    within(key.ttl, ['keys', index, 'ttl'], 'ttl');
    within(key.overlap, ['keys', index, 'overlap'], 'overlap');
    looseList(key.consumers).forEach((rawConsumer, i) => {
      const consumer = loose(rawConsumer);
      const health = loose(consumer.health);
      within(consumer.timeout, ['keys', index, 'consumers', i, 'timeout'], 'consumerTimeout');
      within(health.timeout, ['keys', index, 'consumers', i, 'health', 'timeout'], 'healthTimeout');
      within(health.interval, ['keys', index, 'consumers', i, 'health', 'interval'], 'healthInterval');
    });
    looseList(key.checks).forEach((check, i) => within(loose(check).timeout, ['keys', index, 'checks', i, 'timeout'], 'consumerTimeout'));
  });
}

function asDuration(value: unknown): number | undefined {
  return typeof value === 'string' ? parseDuration(value) : undefined;
}

/**
 * --since and --until: a day (2026-11-01, in UTC; --until includes the whole day) or an
 * instant with its zone (2026-11-01T09:30:00Z, 2026-11-01T10:30+01:00). A time without a zone
 * is refused: whose 09:30 it is would be a guess.
 */
import { errors } from '../errors.js';
import type { HistoryEntry } from '../model.js';
import type { ReportRange } from './model.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Without --since: the last year (an audit period), or from the first recorded rotation if that is later. */
const DEFAULT_SPAN_MS = 365 * 86_400_000;

export function parseReportDate(option: 'since' | 'until', text: string): Date {
  const day = DAY.exec(text);
  if (day) {
    const start = new Date(`${text}T00:00:00.000Z`);
    // 2026-02-30 parses to March 2nd: a day that does not exist is refused, not moved
    if (!Number.isNaN(start.getTime()) && start.toISOString().startsWith(text))
      return option === 'until' ? new Date(start.getTime() + 86_400_000 - 1) : start;
  } else if (INSTANT.test(text)) {
    const at = new Date(text);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw errors.usage(
    `--${option} must be a date (2026-11-01) or a time with its zone (2026-11-01T09:30:00Z), not ${JSON.stringify(text)}`,
    'a day is taken in UTC; --until includes the whole day',
  );
}

export function reportRange(options: { since?: string; until?: string }, history: readonly HistoryEntry[], now: Date): ReportRange {
  const until = options.until === undefined ? now : parseReportDate('until', options.until);
  let since: Date;
  if (options.since !== undefined) {
    since = parseReportDate('since', options.since);
  } else {
    const first = history.reduce((min, e) => Math.min(min, Date.parse(e.startedAt)), Number.POSITIVE_INFINITY);
    since = new Date(Math.max(until.getTime() - DEFAULT_SPAN_MS, Number.isFinite(first) ? first : until.getTime() - DEFAULT_SPAN_MS));
    if (since > until) since = new Date(until.getTime() - DEFAULT_SPAN_MS);
  }
  if (since > until) throw errors.usage(`--since (${since.toISOString()}) is after --until (${until.toISOString()})`);
  return { since: since.toISOString(), until: until.toISOString() };
}

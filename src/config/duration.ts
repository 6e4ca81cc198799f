/**
 * Durations as rotation.yaml writes them: an integer and a unit, or several in descending
 * order (`1h30m`). Units: w, d, h, m, s, ms. The schema's duration pattern accepts exactly
 * what parseDuration accepts, so an editor flags what the loader would refuse.
 */

const UNIT_MS = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;

/**
 * Largest unit first; a unit may appear once. The digit limits keep every duration the
 * pattern accepts below 2^53 ms, so a schema-valid duration always parses exactly.
 * rotation.schema.json holds the same pattern (a test checks they agree).
 */
export const DURATION_PATTERN = '^(?=\\d)(?:\\d{1,7}w)?(?:\\d{1,7}d)?(?:\\d{1,8}h)?(?:\\d{1,9}m(?!s))?(?:\\d{1,10}s)?(?:\\d{1,12}ms)?$';
const DURATION = new RegExp(DURATION_PATTERN);
const PART = /(\d+)(ms|w|d|h|m|s)/g;

/**
 * A file of 10,000 keys writes the same few durations tens of thousands of times (30d, 5s),
 * and config load reads each twice (its range, then normalize): the answers are kept. Bounded,
 * so a long-running process fed odd texts does not grow without end.
 */
const parsed = new Map<string, number | undefined>();
const PARSED_LIMIT = 4096;

/** Milliseconds, or undefined when the text is not a duration (or too large to count exactly). */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string') return undefined;
  if (parsed.has(text)) return parsed.get(text);
  let total: number | undefined;
  if (DURATION.test(text)) {
    total = 0;
    for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as Unit];
    if (!Number.isSafeInteger(total)) total = undefined;
  }
  if (parsed.size >= PARSED_LIMIT) parsed.clear();
  parsed.set(text, total);
  return total;
}

const TIMEOUT_UNITS: Record<string, number> = { ms: 1, s: UNIT_MS.s, m: UNIT_MS.m, h: UNIT_MS.h };

/**
 * An issuer's timeout option: a number of milliseconds, one amount with a unit (decimals
 * allowed: 1.5s), or the compound form without days or weeks (1m30s). Undefined when it is
 * none of these or not above 0. The schema's issuer-timeout pattern accepts the same forms.
 */
export function parseTimeout(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw > 0 ? Math.round(raw) : undefined;
  if (typeof raw !== 'string') return undefined;
  const text = raw.trim();
  const single = /^(\d+(?:\.\d+)?)(ms|h|m|s)?$/.exec(text);
  if (single) {
    const ms = Math.round(Number(single[1]) * (TIMEOUT_UNITS[single[2] ?? 'ms'] ?? 1));
    return Number.isFinite(ms) && ms > 0 ? ms : undefined;
  }
  if (!/^(?:\d+(?:ms|h|m|s))+$/.test(text)) return undefined;
  const total = parseDuration(text);
  return total !== undefined && total > 0 ? total : undefined;
}

export interface DurationRange {
  minMs: number;
  maxMs: number;
}

const SECOND = UNIT_MS.s;
const MINUTE = UNIT_MS.m;
const HOUR = UNIT_MS.h;
const DAY = UNIT_MS.d;

/**
 * What each kind of duration may be. The reasons are in docs/rotation-yaml.md
 * ("Duration limits"): a value outside its range is a typo or a setting that cannot work
 * (a 0s timeout fails every restart; a timeout of years leaves a key in flight for ever).
 */
export const DURATION_RANGES = {
  period: { minMs: HOUR, maxMs: 3650 * DAY },
  ttl: { minMs: MINUTE, maxMs: 3650 * DAY },
  overlap: { minMs: 0, maxMs: 30 * DAY },
  consumerTimeout: { minMs: SECOND, maxMs: HOUR },
  leaseTtl: { minMs: 10 * SECOND, maxMs: DAY },
  healthTimeout: { minMs: 100, maxMs: 5 * MINUTE },
  healthInterval: { minMs: 100, maxMs: 5 * MINUTE },
  issuerTimeout: { minMs: 100, maxMs: DAY },
  jobExpiry: { minMs: SECOND, maxMs: 23 * HOUR },
  retryDelay: { minMs: SECOND, maxMs: HOUR },
} as const satisfies Record<string, DurationRange>;

export type DurationKind = keyof typeof DURATION_RANGES;

/** Why `ms` is outside the range of its kind ("must be at least 1s"); undefined when inside. */
export function outOfRange(ms: number, kind: DurationKind): string | undefined {
  const { minMs, maxMs } = DURATION_RANGES[kind];
  if (ms < minMs) return `must be at least ${formatDuration(minMs)}`;
  if (ms > maxMs) return `must be at most ${formatDuration(maxMs)}`;
  return undefined;
}

/** "1s to 1h": the range of a kind, as the docs and hints write it. */
export function rangeText(kind: DurationKind): string {
  const { minMs, maxMs } = DURATION_RANGES[kind];
  return `${formatDuration(minMs)} to ${formatDuration(maxMs)}`;
}

const FORMAT_UNITS: Array<[string, number]> = [
  ['d', UNIT_MS.d],
  ['h', UNIT_MS.h],
  ['m', UNIT_MS.m],
  ['s', UNIT_MS.s],
  ['ms', UNIT_MS.ms],
];

/** The shortest text parseDuration reads back as the same value: 30d, 12h, 1h30m, 200ms, 0s. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  let rest = Math.round(Math.abs(ms));
  if (rest === 0) return '0s';
  let text = '';
  for (const [unit, size] of FORMAT_UNITS) {
    const amount = Math.floor(rest / size);
    if (amount > 0) {
      text += `${amount}${unit}`;
      rest -= amount * size;
    }
  }
  return ms < 0 ? `-${text}` : text;
}

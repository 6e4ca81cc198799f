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

/** Milliseconds, or undefined when the text is not a duration (or too large to count exactly). */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !DURATION.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) total += Number(amount) * UNIT_MS[unit as Unit];
  return Number.isSafeInteger(total) ? total : undefined;
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

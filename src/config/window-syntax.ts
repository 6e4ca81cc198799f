/**
 * The syntax of rotation windows and blackouts in rotation.yaml (`window`, `blackout` on a key
 * or under defaults): parsed at config load so a bad one is a positioned config error. What
 * they mean at a given instant is src/plan/window.ts.
 */

export interface RotationWindow {
  /** as written, for messages */
  text: string;
  /** 0 = Sunday … 6 = Saturday */
  days: ReadonlySet<number>;
  /** minutes after local midnight; the window is [start, end) */
  startMin: number;
  endMin: number;
  zone: string;
}

export interface Blackout {
  text: string;
  /** local dates, inclusive, as YYYY-MM-DD (compared as text) */
  from: string;
  to: string;
}

export interface Schedule {
  windows: readonly RotationWindow[];
  blackouts: readonly Blackout[];
  /** the zone blackout dates are read in: the first window's, else UTC */
  zone: string;
}

export const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A window from its text, or the problem with it (one sentence, for a positioned config error). */
export function parseWindow(text: string): RotationWindow | string {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 3) return 'must be DAYS HH:MM-HH:MM ZONE, e.g. "Tue-Thu 09:00-16:00 Europe/Berlin" or "Mon-Fri 22:00-23:30 UTC"';
  const [dayText, timeText, zone] = parts as [string, string, string];
  const days = parseDays(dayText);
  if (typeof days === 'string') return days;
  const [startText, endText, extra] = timeText.split('-');
  const start = startText === undefined ? undefined : TIME.exec(startText);
  const end = endText === undefined ? undefined : endText === '24:00' ? (['24:00', '24', '00'] as const) : TIME.exec(endText);
  if (!start || !end || extra !== undefined) return `times must be HH:MM-HH:MM (24-hour clock), not ${JSON.stringify(timeText)}`;
  const startMin = Number(start[1]) * 60 + Number(start[2]);
  const endMin = Number(end[1]) * 60 + Number(end[2]);
  if (endMin <= startMin)
    return `must end after it starts (${timeText}); for a window over midnight give two: "Fri 22:00-24:00 …" and "Sat 00:00-04:00 …"`;
  if (!isZone(zone)) return `unknown time zone ${JSON.stringify(zone)}: an IANA name such as Europe/Berlin, America/New_York or UTC`;
  return { text: text.trim(), days, startMin, endMin, zone };
}

function parseDays(text: string): Set<number> | string {
  const days = new Set<number>();
  const lower = text.toLowerCase();
  if (lower === 'daily' || lower === '*') return new Set([0, 1, 2, 3, 4, 5, 6]);
  for (const piece of lower.split(',')) {
    const [a, b, extra] = piece.split('-');
    const from = DAY_NAMES.indexOf((a ?? '').slice(0, 3));
    const to = b === undefined ? from : DAY_NAMES.indexOf(b.slice(0, 3));
    const valid = (name: string | undefined, index: number) => index >= 0 && name !== undefined && isDayName(name);
    if (!valid(a, from) || (b !== undefined && !valid(b, to)) || extra !== undefined)
      return `days must be names or ranges such as Mon-Fri, Tue,Thu or Sat-Sun (or daily), not ${JSON.stringify(text)}`;
    // a range may wrap the week: Fri-Mon
    for (let d = from; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === to) break;
    }
  }
  return days;
}

function isDayName(name: string): boolean {
  const full = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
  return name.length >= 3 && full.some((f) => f.startsWith(name));
}

/** A blackout date or range from its text, or the problem with it. */
export function parseBlackout(text: string): Blackout | string {
  const [from, to, extra] = text.trim().split('..');
  const end = to ?? from;
  if (!from || !end || extra !== undefined || !isDate(from) || !isDate(end))
    return `must be a date or a range of dates, e.g. "2026-12-24" or "2026-12-28..2027-01-02", not ${JSON.stringify(text)}`;
  if (end < from) return `ends (${end}) before it starts (${from})`;
  return { text: text.trim(), from, to: end };
}

function isDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const at = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(at.getTime()) && at.toISOString().startsWith(text);
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A key's schedule from its own `window`/`blackout`, else the defaults'; undefined when neither declares one. */
export function scheduleOf(window: string | string[] | undefined, blackout: string[] | undefined): Schedule | undefined {
  const windows = (window === undefined ? [] : Array.isArray(window) ? window : [window]).map(parseWindow);
  const blackouts = (blackout ?? []).map(parseBlackout);
  const good = (x: unknown): x is object => typeof x === 'object';
  if (!windows.length && !blackouts.length) return undefined;
  const w = windows.filter(good) as RotationWindow[];
  return { windows: w, blackouts: blackouts.filter(good) as Blackout[], zone: w[0]?.zone ?? 'UTC' };
}

type Add = (path: Array<string | number>, message: string, hint?: string) => void;

/** Every window and blackout in the file, each bad one reported at its own position. */
export function checkWindowFields(section: { window?: unknown; blackout?: unknown }, at: Array<string | number>, add: Add): void {
  const windows = section.window === undefined ? [] : Array.isArray(section.window) ? section.window : [section.window];
  windows.forEach((text, i) => {
    if (typeof text !== 'string') return; // the schema's to report
    const problem = parseWindow(text);
    const path = Array.isArray(section.window) ? [...at, 'window', i] : [...at, 'window'];
    if (typeof problem === 'string') add(path, problem, 'e.g. window: "Tue-Thu 09:00-16:00 Europe/Berlin"');
  });
  const blackouts = Array.isArray(section.blackout) ? section.blackout : [];
  blackouts.forEach((text, i) => {
    if (typeof text !== 'string') return;
    const problem = parseBlackout(text);
    if (typeof problem === 'string') add([...at, 'blackout', i], problem, 'e.g. blackout: ["2026-12-24", "2026-12-28..2027-01-02"]');
  });
}

/** Config load's pass over the raw file: defaults' and every key's windows and blackouts. */
export function checkWindows(data: unknown, problems: { add: Add }): void {
  const root = (data ?? {}) as { defaults?: unknown; keys?: unknown };
  const add: Add = (path, message, hint) => problems.add(path, message, hint);
  if (root.defaults && typeof root.defaults === 'object') checkWindowFields(root.defaults as object, ['defaults'], add);
  if (Array.isArray(root.keys))
    root.keys.forEach((key: unknown, index) => {
      if (key && typeof key === 'object') checkWindowFields(key as object, ['keys', index], add);
    });
}

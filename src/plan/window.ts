/**
 * Rotation windows and blackouts. A window is when a routine rotation may start: days of the
 * week and a time of day in a named time zone, `Tue-Thu 09:00-16:00 Europe/Berlin`; a
 * blackout is a date or a range of dates (in the window's zone, else UTC) when none may,
 * `2026-12-24` or `2026-12-28..2027-01-02`. Local times are read through Intl, so a window
 * keeps its wall-clock hours across a DST change (09:00 Berlin is 08:00 UTC in winter, 07:00
 * in summer). `offboard` and `revoke` ignore both: they are urgent.
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

const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
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

interface Local {
  date: string;
  weekday: number;
  minutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock date, weekday and minute of an instant in a zone. */
export function localTime(at: Date, zone: string): Local {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    date: `${p.year}-${p.month}-${p.day}`,
    weekday: DAY_NAMES.indexOf(String(p.weekday).toLowerCase().slice(0, 3)),
    minutes: Number(p.hour) * 60 + Number(p.minute),
  };
}

export function isBlackedOut(schedule: Schedule, at: Date): Blackout | undefined {
  if (!schedule.blackouts.length) return undefined;
  const date = localTime(at, schedule.zone).date;
  return schedule.blackouts.find((b) => b.from <= date && date <= b.to);
}

/** May a routine rotation start at `at`: inside a window (when any is declared) and outside every blackout. */
export function isOpen(schedule: Schedule, at: Date): boolean {
  if (isBlackedOut(schedule, at)) return false;
  if (!schedule.windows.length) return true;
  return schedule.windows.some((w) => {
    const local = localTime(at, w.zone);
    return w.days.has(local.weekday) && local.minutes >= w.startMin && local.minutes < w.endMin;
  });
}

const MINUTE = 60_000;
/** How far ahead nextOpening looks: a blackout may cover a year's windows, not more. */
const HORIZON_MS = 400 * 86_400_000;

/**
 * The first instant at or after `from` when the schedule is open, or undefined within about a
 * year. Candidates are each window's local start on each coming day (turned into an instant
 * through the zone's offset on that day) and each midnight after a blackout, checked with isOpen.
 */
export function nextOpening(schedule: Schedule, from: Date): Date | undefined {
  const start = Math.ceil(from.getTime() / MINUTE) * MINUTE;
  if (isOpen(schedule, new Date(from.getTime()))) return from;
  const candidates = new Set<number>();
  const days = Math.ceil(HORIZON_MS / 86_400_000);
  const zones = schedule.windows.length ? schedule.windows.map((w) => w.zone) : [schedule.zone];
  for (const zone of new Set(zones)) {
    const today = localTime(new Date(start), zone).date;
    for (let i = 0; i <= days; i++) {
      const date = addDays(today, i);
      if (schedule.windows.length) {
        for (const w of schedule.windows) if (w.zone === zone) candidates.add(instantOf(date, w.startMin, zone));
      } else {
        candidates.add(instantOf(date, 0, zone));
      }
    }
  }
  for (const t of [...candidates].sort((a, b) => a - b)) if (t >= start && isOpen(schedule, new Date(t))) return new Date(t);
  return undefined;
}

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The instant the wall clock in `zone` shows `minutes` past midnight on `date`: shown twice, the first; skipped, the next shown. */
export function instantOf(date: string, minutes: number, zone: string): number {
  const naive = Date.parse(`${date}T00:00:00Z`) + minutes * MINUTE;
  let guess = naive - offsetMs(naive, zone);
  // the offset at the guess may differ (the change falls between): one more step settles it
  guess = naive - offsetMs(guess, zone);
  const shows = (t: number) => {
    const l = localTime(new Date(t), zone);
    return l.date === date && l.minutes === minutes;
  };
  if (shows(guess)) {
    // a time the clocks show twice (02:30 on the autumn change): the first
    for (const back of [60 * MINUTE, 30 * MINUTE]) if (shows(guess - back)) return guess - back;
    return guess;
  }
  // a time the clocks skip (02:30 on the spring change): the window opens when the clock comes back to it
  for (let t = guess - 120 * MINUTE; t <= guess + 180 * MINUTE; t += MINUTE) {
    const l = localTime(new Date(t), zone);
    if (l.date > date || (l.date === date && l.minutes >= minutes)) return t;
  }
  return guess;
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +2h). */
function offsetMs(at: number, zone: string): number {
  const local = localTime(new Date(at), zone);
  const asUtc = Date.parse(`${local.date}T00:00:00Z`) + local.minutes * MINUTE;
  return asUtc - Math.floor(at / MINUTE) * MINUTE;
}

/** One line for plans and status: when the next window opens, in the window's zone and in UTC. */
export function describeOpening(schedule: Schedule, at: Date): string {
  const zone = schedule.windows[0]?.zone ?? schedule.zone;
  const l = localTime(at, zone);
  const hhmm = `${String(Math.floor(l.minutes / 60)).padStart(2, '0')}:${String(l.minutes % 60).padStart(2, '0')}`;
  return `${l.date} ${hhmm} ${zone} (${at.toISOString().replace('T', ' ').slice(0, 16)} UTC)`;
}

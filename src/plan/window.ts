/**
 * Rotation windows and blackouts. A window is when a routine rotation may start: days of the
 * week and a time of day in a named time zone, `Tue-Thu 09:00-16:00 Europe/Berlin`; a
 * blackout is a date or a range of dates (in the window's zone, else UTC) when none may,
 * `2026-12-24` or `2026-12-28..2027-01-02`. Local times are read through Intl, so a window
 * keeps its wall-clock hours across a DST change (09:00 Berlin is 08:00 UTC in winter, 07:00
 * in summer). `offboard` and `revoke` ignore both: they are urgent.
 */

import type { KeyConfig } from '../config/types.js';
import { DAY_NAMES, type Blackout, type Schedule } from '../config/window-syntax.js';
import type { RotationRecord } from '../model.js';
import { dueState } from './due.js';

export { parseBlackout, parseWindow, type Blackout, type RotationWindow, type Schedule } from '../config/window-syntax.js';

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

/** A key that is due but may not start now: when its next window opens (undefined: not within about a year). */
export interface WindowWait {
  key: string;
  opens?: Date;
  /** "outside its window Tue-Thu 09:00-16:00 Europe/Berlin" or "blacked out (2026-12-24)" */
  why: string;
}

/** Why a schedule is closed at `at`, for one line of plan or status. */
export function closedBecause(schedule: Schedule, at: Date): string {
  const blackout = isBlackedOut(schedule, at);
  if (blackout) return `blacked out (${blackout.text})`;
  return `outside its window ${schedule.windows.map((w) => w.text).join(' / ')}`;
}

/** The line plan and status show for a key held by its window. */
export function waitLine(wait: WindowWait, schedule: Schedule): string {
  return `${wait.key}: due, ${wait.why}; next window opens ${wait.opens ? describeOpening(schedule, wait.opens) : 'not within a year'}`;
}

/** The keys `rotate --due` would take now but for their window or a blackout. */
export function windowWaits(keys: readonly KeyConfig[], records: ReadonlyMap<string, RotationRecord>, now: Date): WindowWait[] {
  const waits: WindowWait[] = [];
  for (const key of keys) {
    if (!key.schedule || isOpen(key.schedule, now) || !dueState(key, records.get(key.id) ?? {}, now).due) continue;
    waits.push({ key: key.id, opens: nextOpening(key.schedule, now), why: closedBecause(key.schedule, now) });
  }
  return waits;
}

/** offboard and revoke start at once whatever the windows say; this line says so when a selected key declares one. */
export function windowsIgnored(keys: readonly KeyConfig[], why: 'offboarding' | 'leak', now: Date): string | undefined {
  const held = keys.filter((k) => k.schedule && !isOpen(k.schedule, now));
  const declared = keys.filter((k) => k.schedule);
  if (!declared.length) return undefined;
  const closed = held.length ? `; ${held.length} of them outside it now` : '';
  const what = why === 'leak' ? 'a leak' : 'an offboarding';
  return `Rotation windows and blackouts do not apply: ${what} is urgent (${declared.length} key(s) declare one${closed}).`;
}

/**
 * Rotation windows and blackouts (src/plan/window.ts) with a fixed clock across Berlin's DST
 * changes in 2026 (summer time from 29 March 02:00, back on 25 October 03:00): a window keeps
 * its wall-clock hours, the next opening is found across the change and past blackouts, a
 * start time the clocks skip opens when they come back, and bad windows say what is wrong.
 */
import { expect } from 'chai';
import {
  describeOpening,
  isOpen,
  nextOpening,
  parseBlackout,
  parseWindow,
  type Blackout,
  type RotationWindow,
  type Schedule,
} from '../../src/plan/window.js';

const window = (text: string): RotationWindow => {
  const w = parseWindow(text);
  if (typeof w === 'string') throw new Error(w);
  return w;
};
const blackout = (text: string): Blackout => {
  const b = parseBlackout(text);
  if (typeof b === 'string') throw new Error(b);
  return b;
};
const schedule = (windows: string[], blackouts: string[] = []): Schedule => {
  const w = windows.map(window);
  return { windows: w, blackouts: blackouts.map(blackout), zone: w[0]?.zone ?? 'UTC' };
};
const at = (iso: string) => new Date(iso);

describe('plan: rotation windows and blackouts', () => {
  const berlin = schedule(['Tue-Thu 09:00-16:00 Europe/Berlin']);

  it('keeps the wall-clock hours across the autumn change: 09:00 Berlin is 07:00 UTC in summer, 08:00 in winter', () => {
    expect(isOpen(berlin, at('2026-10-20T07:00:00Z')), 'Tue 09:00 CEST').to.equal(true);
    expect(isOpen(berlin, at('2026-10-20T06:59:00Z')), 'Tue 08:59 CEST').to.equal(false);
    expect(isOpen(berlin, at('2026-10-20T13:59:00Z')), 'Tue 15:59 CEST').to.equal(true);
    expect(isOpen(berlin, at('2026-10-20T14:00:00Z')), 'Tue 16:00 CEST').to.equal(false);
    expect(isOpen(berlin, at('2026-10-27T07:30:00Z')), 'Tue 08:30 CET').to.equal(false);
    expect(isOpen(berlin, at('2026-10-27T08:00:00Z')), 'Tue 09:00 CET').to.equal(true);
    expect(isOpen(berlin, at('2026-10-27T14:59:00Z')), 'Tue 15:59 CET').to.equal(true);
    expect(isOpen(berlin, at('2026-10-25T10:00:00Z')), 'Sunday').to.equal(false);
  });

  it('finds the next opening across a DST change, in both directions', () => {
    // Friday before the autumn change: next Tuesday 09:00 CET
    expect(nextOpening(berlin, at('2026-10-23T12:00:00Z'))!.toISOString()).to.equal('2026-10-27T08:00:00.000Z');
    // Thursday 16:30 CET before the spring change: next Tuesday 09:00 CEST
    expect(nextOpening(berlin, at('2026-03-26T15:30:00Z'))!.toISOString()).to.equal('2026-03-31T07:00:00.000Z');
    // already open: now
    expect(nextOpening(berlin, at('2026-10-27T09:15:00Z'))!.toISOString()).to.equal('2026-10-27T09:15:00.000Z');
    expect(describeOpening(berlin, at('2026-10-27T08:00:00Z'))).to.equal('2026-10-27 09:00 Europe/Berlin (2026-10-27 08:00 UTC)');
  });

  it('a start the clocks skip (02:30 on 29 March) opens when they come back; the repeated hour in October counts once', () => {
    const night = schedule(['Sun 02:30-03:30 Europe/Berlin']);
    expect(nextOpening(night, at('2026-03-28T12:00:00Z'))!.toISOString()).to.equal('2026-03-29T01:00:00.000Z'); // 03:00 CEST
    expect(isOpen(night, at('2026-03-29T01:15:00Z'))).to.equal(true);
    expect(isOpen(night, at('2026-03-29T01:30:00Z'))).to.equal(false); // 03:30 CEST
    // 25 October: 02:30 comes twice (CEST, then CET); the window opens at the first
    expect(nextOpening(night, at('2026-10-24T12:00:00Z'))!.toISOString()).to.equal('2026-10-25T00:30:00.000Z');
  });

  it('blackouts: no start on those local dates; the next opening skips them', () => {
    const closed = schedule(['Tue-Thu 09:00-16:00 Europe/Berlin'], ['2026-10-27..2026-10-28', '2026-12-24']);
    expect(isOpen(closed, at('2026-10-27T08:00:00Z'))).to.equal(false);
    expect(nextOpening(closed, at('2026-10-23T12:00:00Z'))!.toISOString()).to.equal('2026-10-29T08:00:00.000Z');
    // a blackout date is the window's local date: 23:30 UTC on the 23rd is already the 24th in Berlin
    const always = schedule(['daily 00:00-24:00 Europe/Berlin'], ['2026-12-24']);
    expect(isOpen(always, at('2026-12-23T22:59:00Z'))).to.equal(true);
    expect(isOpen(always, at('2026-12-23T23:30:00Z'))).to.equal(false);
    expect(nextOpening(always, at('2026-12-24T12:00:00Z'))!.toISOString()).to.equal('2026-12-24T23:00:00.000Z');
    // no window, only blackouts: UTC dates
    const utc: Schedule = { windows: [], blackouts: [blackout('2026-11-30..2026-12-01')], zone: 'UTC' };
    expect(isOpen(utc, at('2026-11-29T23:59:00Z'))).to.equal(true);
    expect(isOpen(utc, at('2026-12-01T12:00:00Z'))).to.equal(false);
    expect(nextOpening(utc, at('2026-11-30T05:00:00Z'))!.toISOString()).to.equal('2026-12-02T00:00:00.000Z');
  });

  it('day lists, ranges that wrap the week, several windows', () => {
    expect([...window('Fri-Mon 10:00-11:00 UTC').days].sort()).to.deep.equal([0, 1, 5, 6]);
    expect([...window('Tue,Thu 10:00-11:00 UTC').days].sort()).to.deep.equal([2, 4]);
    expect([...window('monday-wednesday,Fri 10:00-11:00 UTC').days].sort()).to.deep.equal([1, 2, 3, 5]);
    const two = schedule(['Fri 22:00-24:00 UTC', 'Sat 00:00-04:00 UTC']);
    expect(isOpen(two, at('2026-11-27T23:30:00Z'))).to.equal(true);
    expect(isOpen(two, at('2026-11-28T03:59:00Z'))).to.equal(true);
    expect(isOpen(two, at('2026-11-28T04:00:00Z'))).to.equal(false);
  });

  it('bad windows and blackouts say what is wrong', () => {
    const problems: Array<[string, RegExp]> = [
      ['Tue-Thu 09:00-16:00', /must be DAYS HH:MM-HH:MM ZONE/],
      ['Tue-Thu 09:00-16:00 Europe/Berln', /unknown time zone "Europe\/Berln"/],
      ['Tue-Thu 9-16 UTC', /times must be HH:MM-HH:MM/],
      ['Tue-Thu 16:00-09:00 UTC', /must end after it starts .*two/],
      ['Tus-Thu 09:00-16:00 UTC', /days must be names or ranges/],
      ['Tue-Thu 09:00-25:00 UTC', /times must be HH:MM-HH:MM/],
    ];
    for (const [text, message] of problems) expect(parseWindow(text), text).to.match(message);
    expect(parseBlackout('2026-02-30')).to.match(/must be a date or a range of dates/);
    expect(parseBlackout('2026-12-31..2026-12-01')).to.match(/ends \(2026-12-01\) before it starts/);
    expect(parseBlackout('month-end')).to.match(/must be a date or a range/);
  });
});

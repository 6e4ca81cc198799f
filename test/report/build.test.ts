/**
 * buildReport and its renderers on a history written by hand over 90 days: standing (on time,
 * overdue, never rotated, failing), the age sawtooth and when it passes the period,
 * offboardings grouped per person and leaving (a retry the same day is the same offboarding),
 * revokes, the range, and the time to build and render a large history.
 */
import { expect } from 'chai';
import type { Config } from '../../src/config/types.js';
import type { HistoryEntry, RotationRecord } from '../../src/model.js';
import { buildReport } from '../../src/report/build.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderHtml } from '../../src/report/html.js';
import { parseReportDate, reportRange } from '../../src/report/range.js';
import { TempDir, yamlWith } from '../config/helpers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const D0 = Date.parse('2026-03-01T00:00:00.000Z');
const iso = (ms: number) => new Date(D0 + ms).toISOString();
let seq = 0;

function entry(
  key: string,
  trigger: HistoryEntry['trigger'],
  started: number,
  took: number,
  outcome: HistoryEntry['outcome'] = 'completed',
  reason?: string,
): HistoryEntry {
  seq++;
  return {
    rotationId: `rot-${String(seq).padStart(6, '0')}`,
    key,
    trigger,
    actor: 'ops@host',
    startedAt: iso(started),
    finishedAt: iso(started + took),
    durationMs: took,
    oldKeyId: `old-${seq}`,
    newKeyId: outcome === 'completed' ? `new-${seq}` : undefined,
    outcome,
    reason,
  };
}

const keyYaml = (id: string, period: string, holders = '[bob]') => `  - id: ${id}
    purpose: key ${id}
    issuer: tokens
    path: app/${id}
    period: ${period}
    holders: ${holders}
`;

describe('report: build and render', () => {
  const tmp = new TempDir();
  let config: Config;

  before(async () => {
    await tmp.create();
    const yaml = yamlWith(
      keyYaml('a', '30d') +
        keyYaml('b', '30d') +
        keyYaml('c', '30d') +
        keyYaml('d', '30d') +
        keyYaml('e', '90d', '[alice]') +
        keyYaml('f', '90d', '[team:ops]'),
      '',
    ).replace('  alice: { name: Alice }', '  alice: { name: Alice Martin }\n  bob: { name: Bob }');
    config = (await tmp.load(yaml)).config;
  });
  after(() => tmp.remove());

  const history = (): HistoryEntry[] => [
    entry('a', 'due', -5 * DAY, MIN),
    entry('a', 'due', 20 * DAY, MIN),
    entry('a', 'due', 45 * DAY, MIN),
    entry('a', 'due', 70 * DAY, MIN),
    entry('b', 'due', -5 * DAY, MIN),
    entry('b', 'manual', 40 * DAY, MIN),
    entry('d', 'due', 10 * DAY, MIN),
    entry('d', 'due', 50 * DAY, MIN, 'rolled-back'),
    // alice leaves on day 30: e at once, f fails and is retried three hours later; she is offboarded again on day 60
    entry('e', 'offboard', 30 * DAY, 2 * MIN, 'completed', 'alice'),
    entry('f', 'offboard', 30 * DAY + MIN, 2 * MIN, 'rolled-back', 'alice'),
    entry('f', 'offboard', 30 * DAY + 3 * HOUR - MIN, MIN, 'completed', 'alice'),
    entry('e', 'offboard', 60 * DAY, MIN, 'completed', 'alice'),
    entry('e', 'revoke', 80 * DAY, 30_000, 'completed', 'pasted in a ticket'),
    entry('gone', 'due', 15 * DAY, MIN),
  ];

  const build = (records = new Map<string, RotationRecord>(), h = history()) =>
    buildReport({
      config,
      records,
      history: h,
      findings: [],
      range: { since: iso(0), until: iso(90 * DAY) },
      now: new Date(D0 + 90 * DAY),
    });

  it('standing, due dates and counts as of the end of the range', () => {
    const report = build();
    const by = new Map(report.keys.map((k) => [k.key, k]));
    expect(report.keys.map((k) => [k.key, k.standing])).to.deep.equal([
      ['a', 'on-time'],
      ['b', 'overdue'],
      ['c', 'overdue'],
      ['d', 'failing'],
      ['e', 'on-time'],
      ['f', 'on-time'],
    ]);
    expect(by.get('a')!.nextDue).to.equal(iso(100 * DAY + MIN));
    expect(by.get('b')!.overdueMs).to.equal(90 * DAY - (70 * DAY + MIN));
    expect(by.get('c')!.neverRotated).to.equal(true);
    expect(by.get('d')!.failing).to.equal(`last rotation rolled-back at ${iso(50 * DAY + MIN)}`);
    expect(by.get('b')!.findings.map((f) => f.rule)).to.deep.equal(['overdue']);
    expect(report.summary).to.deep.equal({
      keys: 6,
      onTime: 3,
      overdue: 2,
      failing: 1,
      rotations: 12, // in the range (the key no longer declared too), not a's and b's of day -5
      offboardings: 2,
      revokes: 1,
      longestOffboardingMs: 3 * HOUR,
    });
    expect(report.history.map((e) => e.key)).to.include('gone');
    // a store's attention note makes a key failing whatever its history says
    const attention = build(new Map([['a', { attention: { rotationId: 'r', reason: 'old key not deleted', at: iso(89 * DAY) } }]]));
    expect(attention.keys[0]!.failing).to.equal('needs attention: old key not deleted');
  });

  it('the age sawtooth: known from the last rotation before the range, a drop per rotation in it, past the period when late', () => {
    const by = new Map(build().keys.map((k) => [k.key, k.age]));
    expect(by.get('a')).to.deep.include({ resets: 3, maxAgeMs: 25 * DAY, exceeded: false });
    expect(by.get('a')!.points[0]).to.deep.equal([D0, 5 * DAY - MIN]);
    expect(by.get('b')!.points).to.deep.equal([
      [D0, 5 * DAY - MIN],
      [D0 + 40 * DAY + MIN, 45 * DAY],
      [D0 + 40 * DAY + MIN, 0],
      [D0 + 90 * DAY, 50 * DAY - MIN],
    ]);
    expect(by.get('b')!.exceeded).to.equal(true);
    expect(by.get('c')).to.deep.equal({ points: [], maxAgeMs: 0, resets: 0, exceeded: false });
    // the rolled-back try is not a rotation: d's one drop is day 10's
    expect(by.get('d')!.resets).to.equal(1);
  });

  it('offboardings: per person and leaving, each key with when it was rotated, the time to the last; revokes with reasons', () => {
    const report = build();
    expect(report.offboardings).to.have.length(2);
    const [first, second] = report.offboardings;
    expect(first).to.deep.include({
      person: 'alice',
      name: 'Alice Martin',
      startedAt: iso(30 * DAY),
      untilLastMs: 3 * HOUR,
      complete: true,
    });
    expect(first!.keys.map((k) => [k.key, k.outcome, k.afterMs])).to.deep.equal([
      ['e', 'completed', 2 * MIN],
      ['f', 'completed', 3 * HOUR],
    ]);
    expect(second).to.deep.include({ startedAt: iso(60 * DAY), untilLastMs: MIN });
    // the retry never came: the offboarding is incomplete and says which key
    const h = history().filter((e) => !(e.key === 'f' && e.outcome === 'completed'));
    const open = build(new Map(), h).offboardings[0]!;
    expect(open.complete).to.equal(false);
    expect(open.untilLastMs).to.equal(undefined);
    expect(open.keys[1]).to.deep.include({ key: 'f', outcome: 'rolled-back', rotatedAt: undefined });
    expect(report.revokes).to.have.length(1);
    expect(report.revokes[0]).to.deep.include({ key: 'e', reason: 'pasted in a ticket', outcome: 'completed' });
  });

  it('the HTML marks the late key in the chart; the CSV has one row per entry in the range', () => {
    const report = build();
    const html = renderHtml(report);
    expect(html).to.match(/<g class="series exceeded" data-key="b"/);
    expect(html).to.match(/<g class="series within" data-key="a"/);
    expect(html).to.match(/<g class="series unknown" data-key="c"/);
    expect(html).to.include('<tr data-key="b" data-standing="overdue">');
    const csv = renderCsv(report).trimEnd().split('\r\n');
    expect(csv).to.have.length(report.history.length + 1);
    expect(csv.find((l) => l.includes(',revoke,'))).to.include('pasted in a ticket');
  });

  it('--since/--until: a day is UTC and --until takes all of it; a time needs its zone; impossible days are refused', () => {
    expect(parseReportDate('since', '2026-11-30').toISOString()).to.equal('2026-11-30T00:00:00.000Z');
    expect(parseReportDate('until', '2026-11-30').toISOString()).to.equal('2026-11-30T23:59:59.999Z');
    expect(parseReportDate('since', '2026-11-30T10:30+01:00').toISOString()).to.equal('2026-11-30T09:30:00.000Z');
    for (const bad of ['2026-02-29', '2026-13-01', '30/11/2026', '2026-11-30T10:30', '', 'now'])
      expect(() => parseReportDate('since', bad), bad).to.throw(/--since must be a date/);
    const now = new Date('2026-12-01T00:00:00Z');
    // without --since: from the first recorded rotation, at most a year back
    expect(reportRange({}, [entry('a', 'due', 0, MIN)], now).since).to.equal(iso(0));
    expect(reportRange({}, [], now).since).to.equal('2025-12-01T00:00:00.000Z');
    expect(() => reportRange({ since: '2026-12-02' }, [], now)).to.throw(/is after --until/);
  });

  it('a large history: 2,000 keys, 24 rotations each, built and rendered in well under the time a CLI run takes', async function () {
    this.timeout(60_000);
    const ids = Array.from({ length: 2000 }, (_, i) => `k${i}`);
    const big = (await tmp.load(yamlWith(ids.map((id) => keyYaml(id, '30d', '[alice]')).join('')))).config;
    const h: HistoryEntry[] = [];
    for (const id of ids) for (let r = 0; r < 24; r++) h.push(entry(id, 'due', r * 15 * DAY - 300 * DAY, MIN));
    const started = performance.now();
    const report = buildReport({
      config: big,
      records: new Map(),
      history: h,
      findings: [],
      range: reportRange({}, h, new Date(D0 + 90 * DAY)),
      now: new Date(D0 + 90 * DAY),
    });
    const built = performance.now();
    const html = renderHtml(report);
    const csv = renderCsv(report);
    const rendered = performance.now();
    expect(report.summary.keys).to.equal(2000);
    // the default range is the last year: the two oldest of each key's 24 fall before it
    expect(report.history.length).to.equal(44_000);
    console.log(
      `      (48,000 entries, 44,000 in the range: build ${Math.round(built - started)} ms, HTML ${(html.length / 1e6).toFixed(1)} MB + CSV ${(csv.length / 1e6).toFixed(1)} MB in ${Math.round(rendered - built)} ms)`,
    );
    expect(rendered - started).to.be.lessThan(15_000);
  });
});

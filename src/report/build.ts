/**
 * Build the evidence report from what rotation.yaml declares, each key's rotation record and
 * the stores' history. Pure: the command reads the stores, this only sorts and counts, so the
 * same inputs give the same report.
 */
import type { Config, KeyConfig } from '../config/types.js';
import type { HistoryEntry, RotationRecord } from '../model.js';
import { dueState, effectivePeriodMs } from '../plan/due.js';
import { stateFindings } from '../policy/state.js';
import type { Finding } from '../policy/types.js';
import type { MasterKeyAge } from '../stores/file/master-key-age.js';
import type { AgeSeries, KeyReport, KeyStanding, Offboarding, Report, ReportRange, RevokeEvent } from './model.js';
import { REQUIREMENTS } from './requirements.js';

export interface ReportInput {
  config: Config;
  /** each key's rotation record, by key id */
  records: ReadonlyMap<string, RotationRecord>;
  /** every history entry of every store, in any order */
  history: readonly HistoryEntry[];
  /** rotation.yaml's own findings (staticFindings) */
  findings: readonly Finding[];
  range: ReportRange;
  now: Date;
  /** each file store's master key age (read by the command) */
  masterKeys?: MasterKeyAge[];
}

/** Offboard rotations of one person closer together than this belong to one offboarding (a retry the next morning included). */
const OFFBOARDING_GAP_MS = 24 * 3600_000;
/** A record's lastRotatedAt within this of a history entry's end is that entry, not a rotation history missed. */
const SAME_ROTATION_MS = 60_000;

const ms = (iso: string) => Date.parse(iso);
// a retirement or an adoption (keyturn adopt) is in history but is no rotation: it neither resets nor fails a key
const isRotation = (e: HistoryEntry) => e.trigger !== 'retire' && e.trigger !== 'adopt';
const completedRotation = (e: HistoryEntry) => isRotation(e) && e.outcome === 'completed';

export function buildReport(input: ReportInput): Report {
  const { config, range } = input;
  const since = ms(range.since);
  const until = ms(range.until);
  // Due dates and standing are as of the end of the range, or now for a range that ends later.
  const asOf = Math.min(until, input.now.getTime());
  const history = [...input.history].sort((a, b) => a.finishedAt.localeCompare(b.finishedAt) || a.key.localeCompare(b.key));
  const inRange = history.filter((e) => ms(e.finishedAt) >= since && ms(e.finishedAt) <= until);
  const byKey = groupBy(history, (e) => e.key);
  const staticByKey = groupBy(input.findings, (f) => f.key ?? '');

  const keys = config.keys.map((key) =>
    keyReport(key, byKey.get(key.id) ?? [], input.records.get(key.id) ?? {}, staticByKey.get(key.id) ?? [], {
      since,
      until,
      asOf,
      now: input.now.getTime(),
    }),
  );
  const offboardings = offboardingsOf(config, history).filter((o) => ms(o.startedAt) >= since && ms(o.startedAt) <= until);
  const revokes: RevokeEvent[] = inRange
    .filter((e) => e.trigger === 'revoke')
    .map((e) => ({
      key: e.key,
      rotationId: e.rotationId,
      startedAt: e.startedAt,
      finishedAt: e.finishedAt,
      actor: e.actor,
      reason: e.reason ?? '(no reason recorded)',
      oldKeyId: e.oldKeyId,
      newKeyId: e.newKeyId,
      outcome: e.outcome,
      durationMs: e.durationMs,
    }));
  const count = (standing: KeyStanding) => keys.filter((k) => k.standing === standing).length;
  const offboardTimes = offboardings.map((o) => o.untilLastMs).filter((t): t is number => t !== undefined);
  return {
    format: 'keyturn-report/1',
    generatedAt: input.now.toISOString(),
    range,
    config: { file: config.file, sha256: config.hash },
    summary: {
      keys: keys.length,
      onTime: count('on-time'),
      overdue: count('overdue'),
      failing: count('failing'),
      rotations: inRange.filter(isRotation).length,
      offboardings: offboardings.length,
      revokes: revokes.length,
      longestOffboardingMs: offboardTimes.length ? Math.max(...offboardTimes) : undefined,
    },
    keys,
    history: inRange,
    offboardings,
    revokes,
    masterKeys: input.masterKeys ?? [],
    requirements: REQUIREMENTS,
  };
}

interface Times {
  since: number;
  until: number;
  asOf: number;
  now: number;
}

function keyReport(key: KeyConfig, entries: HistoryEntry[], record: RotationRecord, declared: Finding[], t: Times): KeyReport {
  const period = effectivePeriodMs(key);
  const completions = completionTimes(entries, record);
  const last = completions.filter((c) => c <= t.asOf).at(-1);
  const lastRotatedAt = last === undefined ? undefined : new Date(last).toISOString();
  const due = dueState(key, { lastRotatedAt }, new Date(t.asOf));
  const failing = failingReason(entries, record, t);
  const standing: KeyStanding = failing ? 'failing' : due.due ? 'overdue' : 'on-time';
  return {
    key: key.id,
    purpose: key.purpose,
    holders: key.holders,
    issuer: key.issuer,
    store: key.store,
    periodMs: period,
    tier: key.tier,
    rotations: entries.filter((e) => ms(e.finishedAt) >= t.since && ms(e.finishedAt) <= t.until),
    lastRotatedAt,
    nextDue: due.nextDue?.toISOString(),
    overdue: due.due,
    overdueMs: due.overdueMs,
    neverRotated: due.neverRotated,
    standing,
    failing,
    findings: [...declared, ...stateFindings(key, lastRotatedAt, new Date(t.asOf))],
    age: ageSeries(completions, period, t),
  };
}

/** When each completed rotation ended, with the record's date when history lacks it (a store that kept no history then). */
function completionTimes(entries: HistoryEntry[], record: RotationRecord): number[] {
  const times = entries.filter(completedRotation).map((e) => ms(e.finishedAt));
  const recorded = record.lastRotatedAt === undefined ? Number.NaN : ms(record.lastRotatedAt);
  if (!Number.isNaN(recorded) && !times.some((x) => Math.abs(x - recorded) <= SAME_ROTATION_MS)) times.push(recorded);
  return times.sort((a, b) => a - b);
}

function failingReason(entries: HistoryEntry[], record: RotationRecord, t: Times): string | undefined {
  if (record.attention && t.asOf >= t.now - SAME_ROTATION_MS) return `needs attention: ${record.attention.reason}`;
  const lastTry = entries.filter((e) => isRotation(e) && ms(e.finishedAt) <= t.asOf).at(-1);
  if (lastTry && lastTry.outcome !== 'completed') return `last rotation ${lastTry.outcome} at ${lastTry.finishedAt}`;
  return undefined;
}

/** The key's age over the range: rises with time, drops to 0 at each completed rotation; unknown before its first. */
function ageSeries(completions: number[], period: number | undefined, t: Times): AgeSeries {
  const points: Array<[number, number]> = [];
  let base = completions.filter((c) => c <= t.since).at(-1);
  if (base !== undefined) points.push([t.since, t.since - base]);
  let resets = 0;
  for (const c of completions) {
    if (c <= t.since || c > t.until) continue;
    if (base !== undefined) points.push([c, c - base]);
    points.push([c, 0]);
    base = c;
    resets++;
  }
  const end = Math.min(t.until, Math.max(t.asOf, t.since));
  if (base !== undefined && end > base) points.push([end, end - base]);
  const maxAgeMs = points.reduce((m, [, age]) => Math.max(m, age), 0);
  return { points, maxAgeMs, resets, exceeded: period !== undefined && maxAgeMs > period };
}

/** Offboard rotations grouped by person, then by time: one offboarding per person leaving. */
function offboardingsOf(config: Config, history: HistoryEntry[]): Offboarding[] {
  const out: Offboarding[] = [];
  const byPerson = groupBy(
    history.filter((e) => e.trigger === 'offboard'),
    (e) => e.reason ?? '(unknown)',
  );
  for (const [person, entries] of byPerson) {
    entries.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    let group: HistoryEntry[] = [];
    let lastEnd = Number.NEGATIVE_INFINITY;
    const flush = () => {
      if (group.length) out.push(offboarding(config, person, group));
      group = [];
    };
    for (const e of entries) {
      if (ms(e.startedAt) - lastEnd > OFFBOARDING_GAP_MS) flush();
      group.push(e);
      lastEnd = Math.max(lastEnd, ms(e.finishedAt));
    }
    flush();
  }
  return out.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

function offboarding(config: Config, person: string, entries: HistoryEntry[]): Offboarding {
  const startedAt = entries[0]!.startedAt;
  const start = ms(startedAt);
  const keys = [...groupBy(entries, (e) => e.key)].map(([key, tries]) => {
    const done = tries.filter((e) => e.outcome === 'completed').at(-1);
    const last = tries.at(-1)!;
    return {
      key,
      rotatedAt: done?.finishedAt,
      outcome: done ? 'completed' : last.outcome,
      rotationId: (done ?? last).rotationId,
      afterMs: done ? ms(done.finishedAt) - start : undefined,
    };
  });
  const complete = keys.every((k) => k.rotatedAt !== undefined);
  return {
    person,
    name: config.people[person]?.name,
    startedAt,
    keys,
    untilLastMs: complete ? Math.max(...keys.map((k) => k.afterMs ?? 0)) : undefined,
    complete,
  };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = keyOf(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}

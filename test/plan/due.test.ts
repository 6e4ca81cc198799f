/**
 * dueState and effectivePeriodMs: when a key is due (last rotation + its period, declared or
 * its ttl or its tier's longest), by how much it is overdue, and that a key never rotated is
 * due now. Keys come from loadConfig; `now` is always passed explicitly.
 */
import { expect } from 'chai';
import type { KeyConfig } from '../../src/config/types.js';
import { dueState, effectivePeriodMs } from '../../src/plan/due.js';
import { TempDir, yamlWith } from '../config/helpers.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ROTATED = '2026-01-01T00:00:00.000Z';
const at = (ms: number): Date => new Date(Date.parse(ROTATED) + ms);

/** One key `k` of the random issuer; `fields` are its lines after issuer (period, tier, ttl). */
const keyYaml = (id: string, fields: string): string => `  - id: ${id}
    purpose: ${id} key
    issuer: tokens
    holders: [alice]
${fields
  .split('\n')
  .filter(Boolean)
  .map((line) => `    ${line}\n`)
  .join('')}`;

describe('plan: due dates', () => {
  const tmp = new TempDir();
  let keys: Map<string, KeyConfig>;

  before(async () => {
    await tmp.create();
    const { config } = await tmp.load(
      yamlWith(
        keyYaml('monthly', 'period: 30d') +
          keyYaml('weekly-normal', 'period: 7d\ntier: normal') +
          keyYaml('hf', 'tier: high-frequency') +
          keyYaml('normal', 'tier: normal') +
          keyYaml('read-only', 'tier: read-only') +
          keyYaml('withdrawal', 'tier: withdrawal') +
          keyYaml('once', 'tier: one-time\nttl: 4h') +
          keyYaml('inherits', ''),
        'defaults:\n  tier: read-only\n',
      ),
    );
    keys = new Map(config.keys.map((k) => [k.id, k]));
  });
  after(() => tmp.remove());

  const key = (id: string): KeyConfig => {
    const found = keys.get(id);
    if (!found) expect.fail(`no key ${id} in the test config`);
    return found;
  };

  describe('effectivePeriodMs', () => {
    it('a declared period is the period', () => {
      expect(effectivePeriodMs(key('monthly'))).to.equal(30 * DAY);
    });

    it('a declared period wins over the tier’s longest', () => {
      expect(effectivePeriodMs(key('weekly-normal'))).to.equal(7 * DAY);
    });

    it('without a period, the tier’s longest: high-frequency 30d, normal 90d, read-only 180d, withdrawal 30d', () => {
      expect(['hf', 'normal', 'read-only', 'withdrawal'].map((id) => effectivePeriodMs(key(id)))).to.deep.equal([
        30 * DAY,
        90 * DAY,
        180 * DAY,
        30 * DAY,
      ]);
    });

    it('a one-time key rotates on its ttl', () => {
      expect(effectivePeriodMs(key('once'))).to.equal(4 * HOUR);
    });

    it('a key declaring none of them takes defaults.tier', () => {
      expect(key('inherits').tier).to.equal('read-only');
      expect(effectivePeriodMs(key('inherits'))).to.equal(180 * DAY);
    });

    it('a one-time tier with no ttl has no period', () => {
      expect(effectivePeriodMs({ tier: 'one-time' })).to.equal(undefined);
    });
  });

  describe('dueState', () => {
    it('a key never rotated is due now, and not overdue', () => {
      expect(dueState(key('monthly'), {}, at(0))).to.deep.equal({ due: true, neverRotated: true, overdueMs: 0 });
    });

    it('a record with a current key but no rotation date counts as never rotated', () => {
      expect(dueState(key('monthly'), { currentKeyId: 'k-1' }, at(0))).to.deep.include({ due: true, neverRotated: true });
    });

    it('one millisecond before the period ends: not due, the next due date given, nothing overdue', () => {
      expect(dueState(key('monthly'), { lastRotatedAt: ROTATED }, at(30 * DAY - 1))).to.deep.equal({
        due: false,
        neverRotated: false,
        dueSince: undefined,
        nextDue: at(30 * DAY),
        overdueMs: 0,
      });
    });

    it('exactly at the period boundary: due, due since that instant, overdue by 0', () => {
      expect(dueState(key('monthly'), { lastRotatedAt: ROTATED }, at(30 * DAY))).to.deep.equal({
        due: true,
        neverRotated: false,
        dueSince: at(30 * DAY),
        nextDue: at(30 * DAY),
        overdueMs: 0,
      });
    });

    it('past the boundary: overdue by exactly the time since it', () => {
      const state = dueState(key('monthly'), { lastRotatedAt: ROTATED }, at(30 * DAY + 5 * HOUR + 7));
      expect(state).to.deep.include({ due: true, overdueMs: 5 * HOUR + 7 });
      expect(state.dueSince?.toISOString()).to.equal('2026-01-31T00:00:00.000Z');
    });

    it('a tier-only key is due at the tier’s longest period', () => {
      const record = { lastRotatedAt: ROTATED };
      expect(dueState(key('normal'), record, at(90 * DAY - 1)).due).to.equal(false);
      expect(dueState(key('normal'), record, at(90 * DAY))).to.deep.include({ due: true, overdueMs: 0 });
      expect(dueState(key('read-only'), record, at(179 * DAY)).due).to.equal(false);
      expect(dueState(key('read-only'), record, at(181 * DAY))).to.deep.include({ due: true, overdueMs: DAY });
    });

    it('a declared period shorter than the tier makes the key due earlier', () => {
      expect(dueState(key('weekly-normal'), { lastRotatedAt: ROTATED }, at(8 * DAY))).to.deep.include({ due: true, overdueMs: DAY });
    });

    it('a one-time key is due when its ttl has passed', () => {
      expect(dueState(key('once'), { lastRotatedAt: ROTATED }, at(4 * HOUR - 1)).due).to.equal(false);
      expect(dueState(key('once'), { lastRotatedAt: ROTATED }, at(4 * HOUR))).to.deep.include({ due: true, dueSince: at(4 * HOUR) });
    });

    it('a key with no period at all is never due once rotated, and has no next due date', () => {
      const noPeriod: KeyConfig = { ...key('once'), ttlMs: undefined };
      expect(dueState(noPeriod, { lastRotatedAt: ROTATED }, at(3650 * DAY))).to.deep.equal({
        due: false,
        neverRotated: false,
        overdueMs: 0,
      });
    });

    it('a rotation date in the future (clock skew): not due until a full period after it', () => {
      const state = dueState(key('monthly'), { lastRotatedAt: at(DAY).toISOString() }, at(0));
      expect(state).to.deep.include({ due: false, overdueMs: 0 });
      expect(state.nextDue).to.deep.equal(at(31 * DAY));
    });
  });
});

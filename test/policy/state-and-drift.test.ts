import { expect } from 'chai';
import type { KeyConfig } from '../../src/config/types.js';
import { driftFindings, stateFindings, unknownKeyFindings } from '../../src/policy/index.js';

const DAY = 86_400_000;

function key(over: Partial<KeyConfig> = {}): KeyConfig {
  return {
    id: 'bot',
    purpose: 'p',
    issuer: 'exchange',
    spec: {},
    store: 'local',
    path: 'bot',
    periodMs: 30 * DAY,
    overlapMs: 0,
    holders: ['alice'],
    consumers: [],
    checks: [],
    restrictions: { permissions: ['reading', 'spot'], ipWhitelist: ['203.0.113.7'] },
    tags: [],
    position: { file: 'rotation.yaml', line: 7, column: 5 },
    ...over,
  };
}

describe('policy: stateFindings', () => {
  const now = new Date('2026-03-01T00:00:00Z');

  it('never-rotated (info) without a record, or with an unreadable date', () => {
    expect(stateFindings(key(), undefined, now).map((f) => [f.rule, f.severity, f.key, f.where])).to.deep.equal([
      ['never-rotated', 'info', 'bot', 'rotation.yaml:7:5'],
    ]);
    expect(stateFindings(key(), 'not a date', now)[0]!.rule).to.equal('never-rotated');
  });

  it('overdue (warn; error when strict) once last rotation + period has passed', () => {
    const last = new Date(now.getTime() - 33 * DAY).toISOString();
    const [finding] = stateFindings(key(), last, now);
    expect([finding!.rule, finding!.severity]).to.deep.equal(['overdue', 'warn']);
    expect(finding!.message).to.equal(`overdue by 3d: last rotated ${last}, period 30d`);
    expect(stateFindings(key(), last, now, { strict: true })[0]!.severity).to.equal('error');
  });

  it('nothing while the period runs; the tier bounds a key without period', () => {
    expect(stateFindings(key(), new Date(now.getTime() - 29 * DAY).toISOString(), now)).to.deep.equal([]);
    const tierOnly = key({ periodMs: undefined, tier: 'read-only' });
    expect(stateFindings(tierOnly, new Date(now.getTime() - 170 * DAY).toISOString(), now)).to.deep.equal([]);
    expect(stateFindings(tierOnly, new Date(now.getTime() - 181 * DAY).toISOString(), now)[0]!.rule).to.equal('overdue');
  });
});

describe('policy: drift', () => {
  it('permission-drift when the live permissions differ (order does not matter)', () => {
    expect(driftFindings(key(), { permissions: ['spot', 'reading'] })).to.deep.equal([]);
    const [finding] = driftFindings(key(), { permissions: ['reading', 'spot', 'withdrawals'] });
    expect([finding!.rule, finding!.severity]).to.deep.equal(['permission-drift', 'error']);
    expect(finding!.message).to.include('also has withdrawals');
  });

  it('ip-drift when the live whitelist differs; nothing when the issuer does not say', () => {
    expect(driftFindings(key(), {})).to.deep.equal([]);
    expect(driftFindings(key(), { ipWhitelist: ['203.0.113.7'] })).to.deep.equal([]);
    const [finding] = driftFindings(key(), { ipWhitelist: [] });
    expect([finding!.rule, finding!.message]).to.deep.equal([
      'ip-drift',
      'IP whitelist at the issuer (none) differs from rotation.yaml (203.0.113.7)',
    ]);
  });

  it('unknown-key for every listed key nobody declared', () => {
    const findings = unknownKeyFindings('exchange', [{ keyId: 'k1' }, { keyId: 'stray', name: 'manual-test' }], new Set(['k1']));
    expect(findings).to.have.length(1);
    expect(findings[0]).to.include({ rule: 'unknown-key', severity: 'error' });
    expect(findings[0]!.message).to.include('stray (manual-test)');
  });
});

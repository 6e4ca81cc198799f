import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Config, KeyConfig } from '../../src/config/types.js';
import { blocksRotation, RULES, staticFindings, type Finding, type RuleId } from '../../src/policy/index.js';
import { TempDir } from '../config/helpers.js';

const HEAD = `version: 1
stores:
  local: { type: file, path: store.enc }
issuers:
  exchange: { type: command, create: [x], revoke: [y] }
  tokens: { type: random }
people:
  alice: { name: Alice }
keys:
`;

interface KeyOptions {
  id?: string;
  purpose?: string;
  period?: string;
  tier?: string;
  ttl?: string;
  holders?: string;
  restrictions?: string;
  spec?: string;
  issuer?: string;
}

/** A compliant exchange key; every option replaces one line (undefined: the default, '': drop it). */
function key(o: KeyOptions = {}): string {
  const id = o.id ?? 'bot';
  const lines = [
    `  - id: ${id}`,
    `    purpose: ${o.purpose ?? `${id} trades spot`}`,
    `    issuer: ${o.issuer ?? 'exchange'}`,
    o.period === '' ? '' : `    period: ${o.period ?? '30d'}`,
    o.tier === '' ? '' : `    tier: ${o.tier ?? 'high-frequency'}`,
    o.ttl ? `    ttl: ${o.ttl}` : '',
    o.holders === '' ? '' : `    holders: ${o.holders ?? '[alice]'}`,
    o.spec ? `    spec: ${o.spec}` : '',
    o.restrictions === ''
      ? ''
      : `    restrictions: ${o.restrictions ?? '{ permissions: [reading, spot], ipWhitelist: [203.0.113.7], account: sub }'}`,
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

describe('policy rules (staticFindings)', () => {
  const tmp = new TempDir();
  beforeEach(() => tmp.create());
  afterEach(() => tmp.remove());

  const load = async (...keys: string[]): Promise<{ config: Config; findings: Finding[] }> => tmp.load(HEAD + keys.join(''));
  const rules = (findings: Finding[], id = 'bot'): Array<[RuleId, string]> =>
    findings.filter((f) => f.key === id).map((f) => [f.rule, f.severity]);

  it('a compliant exchange key and a plain token have no findings', async () => {
    const { findings } = await load(key(), key({ id: 'token', issuer: 'tokens', restrictions: '' }));
    expect(findings).to.deep.equal([]);
  });

  it('every finding names its key and where it is declared; asking again for the same config gives the same findings', async () => {
    const { config, findings } = await load(key({ holders: '' }), key({ id: 'second', holders: '', period: '60d' }));
    expect(findings).to.have.length(3);
    for (const f of findings) {
      const declared = config.keys.find((k: KeyConfig) => k.id === f.key)!;
      expect(f.where).to.equal(`${declared.position.file}:${declared.position.line}:${declared.position.column}`);
    }
    expect(findings[0]!.where).to.match(/rotation\.yaml:10:5$/);
    expect(staticFindings(config)).to.deep.equal(findings);
  });

  it('period-exceeds-tier: longer than the tier allows (warn); one-time keys need a ttl', async () => {
    const { findings } = await load(
      key({ id: 'hf', period: '31d' }),
      key({ id: 'hf-ok', period: '30d' }),
      key({ id: 'normal', tier: 'normal', period: '91d' }),
      key({ id: 'normal-ok', tier: 'normal', period: '90d' }),
      key({ id: 'ro', tier: 'read-only', period: '181d', restrictions: '{ permissions: [reading], ipWhitelist: [203.0.113.7] }' }),
      key({ id: 'ro-ok', tier: 'read-only', period: '180d', restrictions: '{ permissions: [reading], ipWhitelist: [203.0.113.7] }' }),
      key({ id: 'wd', tier: 'withdrawal', period: '31d' }),
      key({ id: 'once', tier: 'one-time', period: '1d' }),
      key({ id: 'once-ok', tier: 'one-time', period: '', ttl: '2h' }),
    );
    const fired = findings.filter((f) => f.rule === 'period-exceeds-tier');
    expect(fired.map((f) => [f.key, f.severity])).to.deep.equal([
      ['hf', 'warn'],
      ['normal', 'warn'],
      ['ro', 'warn'],
      ['wd', 'warn'],
      ['once', 'warn'],
    ]);
    expect(fired[0]!.message).to.equal('period 31d is longer than the high-frequency tier allows (30d)');
  });

  it('withdrawals-enabled: error, unless allowWithdrawals and an address whitelist (then warn)', async () => {
    const { findings } = await load(
      key({ id: 'plain', restrictions: '{ permissions: [reading, withdrawals], ipWhitelist: [203.0.113.7] }' }),
      key({ id: 'half', restrictions: '{ permissions: [reading, withdrawals], ipWhitelist: [203.0.113.7], allowWithdrawals: true }' }),
      key({
        id: 'empty',
        restrictions:
          '{ permissions: [reading, withdrawals], ipWhitelist: [203.0.113.7], allowWithdrawals: true, withdrawalAddressWhitelist: [] }',
      }),
      key({
        id: 'reviewed',
        restrictions:
          '{ permissions: [reading, withdrawals], ipWhitelist: [203.0.113.7], allowWithdrawals: true, withdrawalAddressWhitelist: [bc1qexample] }',
      }),
      key({ id: 'none' }),
    );
    const fired = findings.filter((f) => f.rule === 'withdrawals-enabled').map((f) => [f.key, f.severity]);
    expect(fired).to.deep.equal([
      ['plain', 'error'],
      ['half', 'error'],
      ['empty', 'error'],
      ['reviewed', 'warn'],
    ]);
  });

  it('universal-transfer: universal or internal transfer (warn)', async () => {
    const { findings } = await load(
      key({ id: 'uni', restrictions: '{ permissions: [reading, universal-transfer], ipWhitelist: [203.0.113.7] }' }),
      key({ id: 'int', restrictions: '{ permissions: [reading, internal-transfer], ipWhitelist: [203.0.113.7] }' }),
      key({ id: 'spot' }),
    );
    expect(findings.filter((f) => f.rule === 'universal-transfer').map((f) => [f.key, f.severity])).to.deep.equal([
      ['uni', 'warn'],
      ['int', 'warn'],
    ]);
  });

  it('excess-permission: a read-only tier key with more than reading (warn)', async () => {
    const { findings } = await load(
      key({
        id: 'greedy',
        tier: 'read-only',
        period: '30d',
        restrictions: '{ permissions: [reading, futures], ipWhitelist: [203.0.113.7] }',
      }),
      key({ id: 'modest', tier: 'read-only', period: '30d', restrictions: '{ permissions: [reading], ipWhitelist: [203.0.113.7] }' }),
    );
    expect(rules(findings, 'greedy')).to.deep.equal([['excess-permission', 'warn']]);
    expect(rules(findings, 'modest')).to.deep.equal([]);
  });

  it('no-ip-whitelist (error) and no-ip-whitelist-read (warn); keys without permissions are not judged', async () => {
    const { findings } = await load(
      key({ id: 'trader', restrictions: '{ permissions: [reading, spot] }' }),
      key({ id: 'reader', restrictions: '{ permissions: [reading] }' }),
      key({ id: 'token', issuer: 'tokens', restrictions: '' }),
    );
    expect(rules(findings, 'trader')).to.deep.equal([['no-ip-whitelist', 'error']]);
    expect(rules(findings, 'reader')).to.deep.equal([['no-ip-whitelist-read', 'warn']]);
    expect(rules(findings, 'token')).to.deep.equal([]);
  });

  it('ip-list-invalid: empty, more than 20, CIDR, not IPv4 (error)', async () => {
    const many = Array.from({ length: 21 }, (_, i) => `10.0.0.${i + 1}`).join(', ');
    const twenty = Array.from({ length: 20 }, (_, i) => `10.0.0.${i + 1}`).join(', ');
    const { findings } = await load(
      key({ id: 'empty', restrictions: '{ permissions: [reading], ipWhitelist: [] }' }),
      key({ id: 'many', restrictions: `{ permissions: [reading], ipWhitelist: [${many}] }` }),
      key({ id: 'twenty', restrictions: `{ permissions: [reading], ipWhitelist: [${twenty}] }` }),
      key({ id: 'cidr', restrictions: '{ permissions: [reading], ipWhitelist: [10.0.0.0/24] }' }),
      key({ id: 'v6', restrictions: '{ permissions: [reading], ipWhitelist: ["2001:db8::1", 256.1.1.1, 10.0.0.01] }' }),
    );
    const invalid = (id: string) => findings.find((f) => f.key === id && f.rule === 'ip-list-invalid');
    expect(invalid('empty')!.severity).to.equal('error');
    expect(invalid('many')!.message).to.include('it lists 21 addresses (at most 20)');
    expect(invalid('twenty')).to.equal(undefined);
    expect(invalid('cidr')!.message).to.include('CIDR blocks are not accepted: 10.0.0.0/24');
    expect(invalid('v6')!.message).to.include('not IPv4 addresses: 2001:db8::1, 256.1.1.1, 10.0.0.01');
  });

  it('unrestricted-expiry: no whitelist and a period past 90 days, or past 30 with trading (error)', async () => {
    const { findings } = await load(
      key({ id: 'reader-long', tier: 'read-only', period: '180d', restrictions: '{ permissions: [reading] }' }),
      key({ id: 'reader-tier', tier: 'read-only', period: '', restrictions: '{ permissions: [reading] }' }),
      key({ id: 'reader-ok', tier: 'read-only', period: '90d', restrictions: '{ permissions: [reading] }' }),
      key({ id: 'trader-long', tier: 'normal', period: '60d', restrictions: '{ permissions: [reading, spot] }' }),
      key({ id: 'trader-ok', period: '30d', restrictions: '{ permissions: [reading, spot] }' }),
      key({ id: 'whitelisted', tier: 'read-only', period: '180d', restrictions: '{ permissions: [reading], ipWhitelist: [203.0.113.7] }' }),
    );
    const fired = findings.filter((f) => f.rule === 'unrestricted-expiry').map((f) => [f.key, f.severity]);
    expect(fired).to.deep.equal([
      ['reader-long', 'error'],
      ['reader-tier', 'error'],
      ['trader-long', 'error'],
    ]);
  });

  it('shared-purpose: the same purpose, ignoring case and spacing (warn on both)', async () => {
    const { findings } = await load(
      key({ id: 'a', purpose: 'Grid bot  trades spot' }),
      key({ id: 'b', purpose: ' grid BOT trades spot ' }),
      key({ id: 'c', purpose: 'something else' }),
      key({ id: 'd', purpose: '"Something\u00a0else"' }),
    );
    const fired = findings.filter((f) => f.rule === 'shared-purpose');
    expect(fired.map((f) => [f.key, f.severity])).to.deep.equal([
      ['a', 'warn'],
      ['b', 'warn'],
      ['c', 'warn'],
      ['d', 'warn'],
    ]);
    expect(fired[0]!.message).to.match(/^same purpose as b:/);
  });

  it('no-holders (info)', async () => {
    const { findings } = await load(key({ id: 'orphan', holders: '' }), key({ id: 'held' }));
    expect(rules(findings, 'orphan')).to.deep.equal([['no-holders', 'info']]);
    expect(rules(findings, 'held')).to.deep.equal([]);
  });

  it('key-count: the 31st key of one exchange account and later (error); other accounts count apart', async () => {
    const keys = Array.from({ length: 31 }, (_, i) => key({ id: `k${i + 1}`, spec: '{ subAccount: alpha }' }));
    keys.push(...Array.from({ length: 30 }, (_, i) => key({ id: `b${i + 1}`, spec: '{ subAccount: beta }' })));
    const { findings } = await load(...keys);
    const fired = findings.filter((f) => f.rule === 'key-count');
    expect(fired.map((f) => [f.key, f.severity])).to.deep.equal([['k31', 'error']]);
    expect(fired[0]!.message).to.include('key 31 of 31 declared for account exchange/alpha');
  });

  it('main-account-key: a trading key on the main account (info)', async () => {
    const { findings } = await load(
      key({ id: 'main-trader', restrictions: '{ permissions: [reading, spot], ipWhitelist: [203.0.113.7], account: main }' }),
      key({ id: 'main-reader', tier: 'read-only', restrictions: '{ permissions: [reading], ipWhitelist: [203.0.113.7], account: main }' }),
      key({ id: 'sub-trader' }),
    );
    expect(rules(findings, 'main-trader')).to.deep.equal([['main-account-key', 'info']]);
    expect(rules(findings, 'main-reader')).to.deep.equal([]);
    expect(rules(findings, 'sub-trader')).to.deep.equal([]);
  });

  it('blocksRotation: only an error about that key blocks it', async () => {
    const { findings } = await load(
      key({ id: 'bad', restrictions: '{ permissions: [reading, withdrawals], ipWhitelist: [203.0.113.7] }' }),
      key({ id: 'warned', period: '60d' }),
      key({ id: 'clean' }),
    );
    expect(blocksRotation(findings, 'bad')).to.equal(true);
    expect(blocksRotation(findings, 'warned')).to.equal(false);
    expect(blocksRotation(findings, 'clean')).to.equal(false);
    expect(blocksRotation([], 'bad')).to.equal(false);
  });

  it('docs/rules.md explains exactly the rule ids of the catalogue', () => {
    const text = readFileSync('docs/rules.md', 'utf8');
    // a rule has its own heading (### `id` — severity) or a row in the PostgreSQL roles table
    const headings = [...text.matchAll(/^### `([a-z-]+)` —/gm)].map((m) => m[1]!);
    const rows = [...text.matchAll(/^\| `(pg-[a-z-]+)`(?:, `(pg-[a-z-]+)`)? \|/gm)].flatMap((m) =>
      m.slice(1).filter((id) => id !== undefined),
    );
    expect([...new Set([...headings, ...rows])].sort()).to.deep.equal(Object.keys(RULES).sort());
  });

  it('RULES describes every rule id with its default severity', () => {
    expect(Object.keys(RULES)).to.have.length(30);
    expect(RULES['no-ip-whitelist'].severity).to.equal('error');
    expect(RULES['period-exceeds-tier'].severity).to.equal('warn');
    expect(RULES['never-rotated'].severity).to.equal('info');
    for (const [id, rule] of Object.entries(RULES)) expect(rule.summary, id).to.be.a('string').and.not.equal('');
  });
});

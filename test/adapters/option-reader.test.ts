import { expect } from 'chai';
import { OptionReader } from '../../src/adapters/option-reader.js';
import { settingsOf } from '../../src/adapters/settings.js';
import { parseTimeout } from '../../src/config/duration.js';
import { commandKind } from '../../src/issuers/command-spec.js';
import { issuerConfig } from '../issuers/support.js';

/** The reader over `raw`, and the problems it reported (path: message). */
function reader(raw: Record<string, unknown>): { o: OptionReader; problems: string[] } {
  const problems: string[] = [];
  return { o: new OptionReader(raw, (path, message) => problems.push(`${path.join('.')}: ${message}`)), problems };
}

describe('adapter options (OptionReader)', () => {
  it('reads timeouts as ms numbers, single-unit durations (decimals too) and compound durations', () => {
    expect(parseTimeout(2500)).to.equal(2500);
    expect(parseTimeout('2500')).to.equal(2500);
    expect(parseTimeout('500ms')).to.equal(500);
    expect(parseTimeout('30s')).to.equal(30_000);
    expect(parseTimeout('1.5s')).to.equal(1500);
    expect(parseTimeout('5m')).to.equal(300_000);
    expect(parseTimeout('1h')).to.equal(3_600_000);
    expect(parseTimeout('1m30s')).to.equal(90_000);
    for (const bad of ['soon', '', '0', '0s', '-5s', '5 minutes', '5d', Number.NaN, -1, null])
      expect(parseTimeout(bad), String(bad)).to.equal(undefined);
    expect(reader({}).o.duration('timeout', 1234)).to.equal(1234);
    const { o, problems } = reader({ timeout: '5d' });
    expect(o.duration('timeout', 1)).to.equal(undefined);
    expect(problems).to.deep.equal(['timeout: is not a duration (a number of ms, or like 30s, 5m, 1m30s)']);
    expect(() => settingsOf(commandKind, issuerConfig('command', { create: 'a', revoke: 'b', timeout: '5d' }), 'issuer')).to.throw(
      /option `timeout` is not a duration/,
    );
  });

  it('takes argv lists as they are and strings through sh -c', () => {
    expect(reader({ create: ['node', 'x.js', 3] }).o.command('create')).to.deep.equal(['node', 'x.js', '3']);
    expect(reader({ create: 'a | b' }).o.command('create')).to.deep.equal(['sh', '-c', 'a | b']);
    expect(reader({}).o.command('create')).to.equal(undefined);
    for (const bad of ['  ', [], [{}], 42]) {
      const { o, problems } = reader({ create: bad });
      expect(o.command('create'), JSON.stringify(bad)).to.equal(undefined);
      expect(o.ok).to.equal(false);
      expect(problems[0]).to.match(/^create: is /);
      expect(() => settingsOf(commandKind, issuerConfig('command', { create: bad, revoke: 'b' }), 'issuer')).to.throw(/option `create`/);
    }
  });

  it('parses a hand-built config once and keeps the result as its settings', () => {
    const config = issuerConfig('command', { create: 'make-key', revoke: ['drop', 'key'] });
    const first = settingsOf(commandKind, config, 'issuer');
    expect(first).to.include({ timeoutMs: 120_000 });
    expect(first.create).to.deep.equal(['sh', '-c', 'make-key']);
    expect(config.settings).to.equal(first);
    expect(settingsOf(commandKind, config, 'issuer')).to.equal(first);
  });
});

import { expect } from 'chai';
import { commandOption, durationOption, parseDurationMs } from '../../src/issuers/options.js';
import { issuerConfig } from './support.js';

describe('issuer options', () => {
  it('reads timeouts as ms numbers, single-unit durations (decimals too) and compound durations', () => {
    expect(parseDurationMs(2500)).to.equal(2500);
    expect(parseDurationMs('2500')).to.equal(2500);
    expect(parseDurationMs('500ms')).to.equal(500);
    expect(parseDurationMs('30s')).to.equal(30_000);
    expect(parseDurationMs('1.5s')).to.equal(1500);
    expect(parseDurationMs('5m')).to.equal(300_000);
    expect(parseDurationMs('1h')).to.equal(3_600_000);
    expect(parseDurationMs('1m30s')).to.equal(90_000);
    for (const bad of ['soon', '', '0', '0s', '-5s', '5 minutes', '5d', Number.NaN, -1, null])
      expect(parseDurationMs(bad), String(bad)).to.equal(undefined);
    expect(durationOption(issuerConfig('command', {}), 'timeout', 1234)).to.equal(1234);
    expect(() => durationOption(issuerConfig('command', { timeout: '5d' }), 'timeout', 1)).to.throw(/option `timeout` is not a duration/);
  });

  it('takes argv lists as they are and strings through sh -c', () => {
    expect(commandOption(issuerConfig('command', { create: ['node', 'x.js', 3] }), 'create')).to.deep.equal(['node', 'x.js', '3']);
    expect(commandOption(issuerConfig('command', { create: 'a | b' }), 'create')).to.deep.equal(['sh', '-c', 'a | b']);
    expect(commandOption(issuerConfig('command', {}), 'create')).to.equal(undefined);
    for (const bad of ['  ', [], [{}], 42])
      expect(() => commandOption(issuerConfig('command', { create: bad }), 'create')).to.throw(/option `create`/);
  });
});

import { expect } from 'chai';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../src/config/duration.js';

describe('durations', () => {
  it('parses every unit', () => {
    expect(parseDuration('200ms')).to.equal(200);
    expect(parseDuration('10s')).to.equal(10_000);
    expect(parseDuration('5m')).to.equal(300_000);
    expect(parseDuration('12h')).to.equal(43_200_000);
    expect(parseDuration('30d')).to.equal(2_592_000_000);
    expect(parseDuration('2w')).to.equal(1_209_600_000);
    expect(parseDuration('0s')).to.equal(0);
  });

  it('parses combined units, largest first', () => {
    expect(parseDuration('1h30m')).to.equal(5_400_000);
    expect(parseDuration('1d2h3m4s5ms')).to.equal(86_400_000 + 7_200_000 + 180_000 + 4_000 + 5);
    expect(parseDuration('1m500ms')).to.equal(60_500);
  });

  it('refuses what is not a duration', () => {
    for (const text of ['', '30', '30 d', '30days', '1.5h', '-1s', '30m1h', '1h1h', 'd', ' 1s', '1s ', '5M', '1msx']) {
      expect(parseDuration(text), text).to.equal(undefined);
    }
  });

  it('formats to the shortest text that parses back', () => {
    expect(formatDuration(2_592_000_000)).to.equal('30d');
    expect(formatDuration(43_200_000)).to.equal('12h');
    expect(formatDuration(5_400_000)).to.equal('1h30m');
    expect(formatDuration(0)).to.equal('0s');
    expect(formatDuration(200)).to.equal('200ms');
    expect(formatDuration(1_209_600_000)).to.equal('14d');
    expect(formatDuration(-90_000)).to.equal('-1m30s');
    for (const ms of [1, 999, 1000, 61_001, 90_061_001, 15_552_000_000]) expect(parseDuration(formatDuration(ms))).to.equal(ms);
  });

  it('pattern accepts exactly what parseDuration reads, and nothing that overflows', () => {
    const pattern = new RegExp(DURATION_PATTERN, 'u');
    for (const text of ['30d', '1h30m', '200ms', '9999999w9999999d99999999h999999999m9999999999s999999999999ms']) {
      expect(pattern.test(text), text).to.equal(true);
      expect(parseDuration(text), text).to.be.a('number');
    }
    expect(pattern.test('99999999w')).to.equal(false);
    expect(pattern.test('5ms5s')).to.equal(false);
  });
});

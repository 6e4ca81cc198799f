/**
 * Every duration has a range (docs/rotation-yaml.md, "Duration limits"): zero timeouts,
 * zero periods and timeouts of millennia are refused by `keyturn validate` at the field.
 */
import { expect } from 'chai';
import { fileWith, ValidateDir } from './validate-cli.js';

describe('keyturn validate: duration ranges', function () {
  this.timeout(30_000);
  const dir = new ValidateDir();
  beforeEach(() => dir.create());
  afterEach(() => dir.remove());

  it('refuses zero and absurd durations wherever they are, each at its field with the allowed range', async () => {
    const refusal = await dir.refuse(
      fileWith(
        `    issuer: provider
    period: 0d
    consumers:
      - name: app
        restart: { command: "true" }
        timeout: 9999999999s
        health: { command: "true", timeout: 0s, interval: 0s }
    checks:
      - { name: smoke, command: "true", timeout: 0s }
`,
        '  provider: { type: command, create: x, revoke: y, timeout: 1e20 }\n',
        'defaults:\n  leaseTtl: 0s\n  consumerTimeout: 0s\n  overlap: 9999w\n',
      ),
    );
    expect(refusal.problems).to.deep.equal([
      '3:13  defaults.leaseTtl  `0s` must be at least 10s (allowed: 10s to 1d)',
      '4:20  defaults.consumerTimeout  `0s` must be at least 1s (allowed: 1s to 1h)',
      '5:12  defaults.overlap  `9999w` must be at most 30d (allowed: 0s to 30d)',
      '9:61  issuers.provider.timeout  `100000000000000000000` must be at most 1d (allowed: 100ms to 1d)',
      '15:13  keys[0].period  `0d` must be at least 1h (allowed: 1h to 3650d)',
      '19:18  keys[0].consumers[0].timeout  `9999999999s` must be at most 1h (allowed: 1s to 1h)',
      '20:45  keys[0].consumers[0].health.timeout  `0s` must be at least 100ms (allowed: 100ms to 5m)',
      '20:59  keys[0].consumers[0].health.interval  `0s` must be at least 100ms (allowed: 100ms to 5m)',
      '22:50  keys[0].checks[0].timeout  `0s` must be at least 1s (allowed: 1s to 1h)',
    ]);
  });

  it('accepts the ends of each range', async () => {
    await dir.accept(
      fileWith(
        `    issuer: tokens
    period: 1h
    overlap: 30d
    consumers:
      - { name: app, restart: { command: "true" }, timeout: 1h, health: { command: "true", timeout: 100ms, interval: 5m } }
  - { id: once, purpose: q, store: local, issuer: tokens, tier: one-time, ttl: 3650d }
`,
        '  tokens: { type: random }\n  signing: { type: ed25519, timeout: 100 }\n',
        'defaults:\n  leaseTtl: 10s\n  consumerTimeout: 1s\n',
      ),
    );
  });
});

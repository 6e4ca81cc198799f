import { expect } from 'chai';
import type { CheckConfig } from '../../src/config/types.js';
import { runChecks, type Delivery } from '../../src/consumers/index.js';
import { rejection } from '../support/expect-rejection.js';
import { expectNoSecret, testContext } from './support.js';

const SECRET = 'Abcdefgh12345678Abcdefgh12345678';
const delivery: Delivery = {
  keyId: 'k-9',
  rotationId: 'rot-20260102030405-99999999',
  material: { value: SECRET, apiKey: 'AKIAEXAMPLE123' },
};

function check(name: string, code: string, env: Record<string, string> = { PW: 'value' }, timeoutMs = 5000): CheckConfig {
  return { name, command: [process.execPath, '-e', code], timeoutMs, env };
}

describe('runChecks', () => {
  it('passes when every check exits 0, with the mapped fields in env', async () => {
    const { ctx, logs } = testContext();
    await runChecks(
      [
        check('password-shape', 'process.exit(/^[A-Za-z0-9]{32}$/.test(process.env.PW) ? 0 : 1)'),
        check('both-fields', "process.exit(process.env.ID === 'AKIAEXAMPLE123' && process.env.SECRET.length === 32 ? 0 : 1)", {
          ID: 'apiKey',
          SECRET: 'value',
        }),
      ],
      delivery,
      ctx,
    );
    const logged = await logs();
    expect(logged).to.include('check password-shape passed');
    expect(logged).to.include('check both-fields passed');
    expectNoSecret(logged, SECRET);
  });

  it('a failing check is EVERIFY naming it, its output masked; later checks do not run', async () => {
    const { ctx, logs } = testContext();
    const error = await rejection(
      runChecks(
        [check('login', "console.error('login refused for ' + process.env.PW); process.exit(4)"), check('never', 'process.exit(0)')],
        delivery,
        ctx,
      ),
    );
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.include('check login failed (exit 4)');
    expect(error.message).to.include('login refused for [REDACTED]');
    expectNoSecret(error.message, SECRET);
    const logged = await logs();
    expect(logged).to.include('run check login');
    expect(logged).to.not.include('run check never');
    expectNoSecret(logged, SECRET);
  });

  it('a check that hangs is EVERIFY at its timeout', async () => {
    const { ctx } = testContext();
    const started = Date.now();
    const error = await rejection(runChecks([check('slow', 'setInterval(() => {}, 1000)', {}, 300)], delivery, ctx));
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.include('check slow did not finish within 300ms');
    expect(Date.now() - started).to.be.lessThan(3000);
  });

  it('a field missing from the material is EVERIFY naming the field', async () => {
    const { ctx } = testContext();
    const error = await rejection(runChecks([check('sig', 'process.exit(0)', { PRIV: 'privateKey' })], delivery, ctx));
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.equal('check sig: the key has no field "privateKey" (mapped to PRIV)');
  });
});

/**
 * Main-account keys through `manual` with `exchange: binance`: the operator enters the key
 * at the scripted prompt; verify asks the sandbox's apiRestrictions with that key, so the
 * exchange (not the operator) confirms IP whitelist, withdrawals off and the permissions.
 * The keys are made the way an operator would, "in the web UI" (the sandbox's admin routes).
 */
import { expect } from 'chai';
import type { Restrictions } from '../../src/config/types.js';
import { createManualIssuer } from '../../src/issuers/manual.js';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf } from '../issuers/support.js';
import { admin, sandboxWithAccounts } from './wire.js';

const declared: Restrictions = { permissions: ['reading', 'spot'], ipWhitelist: ['127.0.0.1'], account: 'main' };

describe('manual issuer with exchange: binance (main-account keys)', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let url: string;

  beforeEach(async () => {
    ({ sandbox, url } = await sandboxWithAccounts());
  });
  afterEach(() => sandbox.close());

  /** A main-account key as the operator set it up in the web UI. */
  const webUiKey = async (patch: Record<string, unknown>) => {
    const made = await admin(url, 'POST', '/__sandbox/setup', { master: 'desk@sandbox.test', newManagementKey: true });
    await admin(url, 'POST', '/__sandbox/web-ui/edit', { apiKey: made.apiKey, patch });
    return { apiKey: made.apiKey as string, secret: made.secretKey as string };
  };

  const run = async (key: { apiKey: string; secret: string }, options: Record<string, unknown> = { exchange: 'binance', baseUrl: url }) => {
    const config = issuerConfig('manual', options, 'binance-main');
    const target = {
      key: keyConfig({ id: 'grid-bot-main', purpose: 'grid bot on the main account', restrictions: declared }),
      issuer: config,
    };
    const issuer = createManualIssuer(config);
    const test = makeContext({ answers: [key.apiKey, key.secret] });
    const issued = await issuer.create(target, test.ctx);
    return { verify: () => issuer.verify(issued, target, test.ctx), test };
  };

  it('verifies a correctly set key with Binance itself, without asking the operator to confirm', async () => {
    const key = await webUiKey({ canTrade: true, status: 2, ipList: ['127.0.0.1'] });
    const { verify, test } = await run(key);
    await verify();
    expect(test.prompt.asked).to.deep.equal(['API Key: ', 'Secret Key: ']);
    const logged = await test.logs();
    expect(logged).to.include('Binance confirms the restrictions');
    expect(logged).to.not.include(key.secret).and.not.include(key.apiKey);
    expect(sandbox.stats.byKey[key.apiKey]!.ok).to.be.at.least(2);
  });

  it('refuses a key without the IP restriction', async () => {
    const key = await webUiKey({ canTrade: true, status: 1, ipList: [] });
    const error = await rejectionOf((await run(key)).verify());
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.include('ipRestrict is not true');
  });

  it('refuses a key with withdrawals ticked, and one with a permission not declared', async () => {
    const withdrawals = await webUiKey({ canTrade: true, status: 2, ipList: ['127.0.0.1'], enableWithdrawals: true });
    const first = await rejectionOf((await run(withdrawals)).verify());
    expect(first.message).to.include('enableWithdrawals is not false');
    expect(first.message).to.not.include(withdrawals.secret);

    const futures = await webUiKey({ canTrade: true, canFuturesTrade: true, status: 2, ipList: ['127.0.0.1'] });
    const second = await rejectionOf((await run(futures)).verify());
    expect(second.message).to.include('permissions are reading, spot, futures, declared reading, spot');
  });

  it('refuses a key whose Secret Key does not belong to it (-1022)', async () => {
    const key = await webUiKey({ canTrade: true, status: 2, ipList: ['127.0.0.1'] });
    const error = await rejectionOf((await run({ apiKey: key.apiKey, secret: 'x'.repeat(64) })).verify());
    expect(error.code).to.equal('EVERIFY');
    expect(error.message).to.match(/-1022/);
  });

  it('refuses exchange options it cannot honour', () => {
    expect(() => createManualIssuer(issuerConfig('manual', { exchange: 'kraken' }, 'm'))).to.throw(/must be binance/);
    expect(() => createManualIssuer(issuerConfig('manual', { baseUrl: url }, 'm'))).to.throw(/needs `exchange: binance`/);
  });
});

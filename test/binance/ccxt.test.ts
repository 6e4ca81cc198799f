/**
 * The sandbox through ccxt's unified API, as a new user would try it: loadMarkets (which reads
 * /api/v3/exchangeInfo), fetchBalance, createOrder with the test flag, fetchMyTrades, and
 * Binance's error codes arriving as ccxt's own error classes. Beside the `binance` client in
 * sandbox.test.ts: a second, independent client that must accept the sandbox's answers.
 */
import { expect } from 'chai';
import ccxt from 'ccxt';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { createSubKey, enc, sandboxWithAccounts, SUB } from './wire.js';

describe('exchange sandbox through ccxt', function () {
  this.timeout(30_000);
  let sandbox: Sandbox;
  let exchange: InstanceType<typeof ccxt.binance>;

  beforeEach(async () => {
    const started = await sandboxWithAccounts();
    sandbox = started.sandbox;
    const made = await createSubKey(
      started.url,
      started.management,
      `email=${enc(SUB)}&apiName=ccxt&status=2&ipAddress=127.0.0.1&canTrade=true`,
    );
    exchange = new ccxt.binance({
      apiKey: String(made.body.apiKey),
      secret: String(made.body.secretKey),
      // the sandbox is spot only: no futures markets, no margin pairs, no currency list (sapi capital)
      options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
    });
    const api = exchange.urls.api as Record<string, string>;
    for (const name of Object.keys(api)) api[name] = api[name]!.replace(/^https:\/\/[a-z0-9]+\.binance\.com/, started.url);
  });
  afterEach(() => sandbox.close());

  it('loadMarkets, fetchBalance, a test order and fetchMyTrades work through the unified API', async () => {
    const markets = await exchange.loadMarkets();
    expect(Object.keys(markets)).to.include.members(['BTC/USDT', 'ETH/USDT']);
    expect(markets['BTC/USDT']!.limits.amount!.min).to.equal(0.00001);
    const balance = await exchange.fetchBalance();
    expect((balance.total as unknown as Record<string, number>).USDT).to.equal(10000);
    const order = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.001, 20000, { test: true });
    expect(order.symbol).to.equal('BTC/USDT');
    const real = await exchange.createOrder('ETH/USDT', 'limit', 'sell', 0.01, 3000);
    expect(real).to.include({ symbol: 'ETH/USDT', side: 'sell', type: 'limit', status: 'open' });
    expect(await exchange.fetchMyTrades('BTC/USDT')).to.deep.equal([]);
  });

  it("the sandbox's refusals arrive as ccxt's error classes (Binance's codes mapped by ccxt itself)", async () => {
    await exchange.loadMarkets();
    const refusal = async (call: () => Promise<unknown>) =>
      call().then(
        () => undefined,
        (e: Error) => e,
      );
    const badSymbol = await refusal(() =>
      exchange.privatePostOrderTest({ symbol: 'NOPEUSDT', side: 'BUY', type: 'MARKET', quantity: '1' }),
    );
    expect(badSymbol).to.be.instanceOf(ccxt.BadSymbol);
    const badSide = await refusal(() =>
      exchange.privatePostOrderTest({ symbol: 'BTCUSDT', side: 'UP', type: 'MARKET', quantity: '0.001' }),
    );
    expect(badSide).to.be.instanceOf(ccxt.BadRequest);
    expect(badSide!.message).to.include('-1117');
    const lot = await refusal(() =>
      exchange.privatePostOrderTest({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.0000001' }),
    );
    expect(lot).to.be.instanceOf(ccxt.InvalidOrder);
    exchange.secret = 'not-the-secret';
    const signature = await refusal(() => exchange.fetchBalance());
    expect(signature).to.be.instanceOf(ccxt.AuthenticationError);
  });
});

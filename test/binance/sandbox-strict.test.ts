/**
 * The sandbox as strict as Binance's documentation (binance-spot-api-docs rest-api.md,
 * errors.md, the sub-account API pages), on the wire: exchangeInfo for its symbols, order
 * parameters refused with Binance's codes, status=3 keys, the IP-list delete, weight headers
 * and errors.md's texts on 429, 418 and an unknown endpoint, and the TRADE permission the
 * master's management key needs.
 */
import { expect } from 'chai';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { admin, createSubKey, enc, raw, sandboxWithAccounts, signed, SUB, type WireKey } from './wire.js';

describe('exchange sandbox: strict like Binance', function () {
  this.timeout(20_000);
  let sandbox: Sandbox;
  let url: string;
  let management: WireKey;
  let trader: WireKey;

  beforeEach(async () => {
    ({ sandbox, url, management } = await sandboxWithAccounts());
    const made = await createSubKey(url, management, `email=${enc(SUB)}&apiName=t&status=2&ipAddress=127.0.0.1&canTrade=true`);
    trader = { apiKey: String(made.body.apiKey), secret: String(made.body.secretKey) };
  });
  afterEach(() => sandbox.close());

  it('serves exchangeInfo with its symbols, filters and rate limits (weight 20 in the header)', async () => {
    const res = await raw(url, 'GET', '/api/v3/exchangeInfo');
    expect(res.status).to.equal(200);
    expect(res.headers['x-mbx-used-weight-1m']).to.equal('20');
    const symbols = res.body.symbols as Array<{ symbol: string; status: string; filters: Array<{ filterType: string }> }>;
    expect(symbols.map((s) => s.symbol)).to.include.members(['BTCUSDT', 'ETHUSDT']);
    expect(symbols[0]!.status).to.equal('TRADING');
    expect(symbols[0]!.filters.map((f) => f.filterType)).to.include.members(['PRICE_FILTER', 'LOT_SIZE', 'NOTIONAL']);
    expect((res.body.rateLimits as Array<{ rateLimitType: string }>).map((r) => r.rateLimitType)).to.include('REQUEST_WEIGHT');
  });

  it("refuses order parameters with Binance's codes and messages; a valid order (and test order) is accepted", async () => {
    const order = (params: string) => signed(url, 'POST', '/api/v3/order', trader, params);
    const cases: Array<[string, number, string]> = [
      ['symbol=NOPEUSDT&side=BUY&type=MARKET&quantity=0.001', -1121, 'Invalid symbol.'],
      ['symbol=BTCUSDT&side=UP&type=MARKET&quantity=0.001', -1117, 'Invalid side.'],
      ['symbol=BTCUSDT&side=BUY&type=FANCY&quantity=0.001', -1116, 'Invalid orderType.'],
      ['symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=NOW&quantity=0.001&price=20000', -1115, 'Invalid timeInForce.'],
      [
        'symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=20000',
        -1102,
        "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.",
      ],
      ['side=BUY&type=MARKET&quantity=0.001', -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."],
      ['symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.0000001', -1013, 'Filter failure: LOT_SIZE'],
      ['symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=20000.001', -1013, 'Filter failure: PRICE_FILTER'],
      ['symbol=BTCUSDT&side=BUY&type=MARKET&quantity=abc', -1100, "Illegal characters found in parameter 'quantity'"],
      ['symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001&price=1', -1106, "Parameter 'price' sent when not required."],
    ];
    for (const [params, code, msg] of cases) {
      const res = await order(params);
      expect([res.status, res.body.code], params).to.deep.equal([400, code]);
      expect(res.body.msg, params).to.include(msg);
    }
    const ok = await order('symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.001&price=20000');
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', status: 'NEW' });
    expect((await signed(url, 'POST', '/api/v3/order/test', trader, 'symbol=ETHUSDT&side=SELL&type=MARKET&quantity=0.01')).status).to.equal(
      200,
    );
    expect((await signed(url, 'POST', '/api/v3/order/test', trader, 'symbol=ETHUSDT&side=SELL&type=MARKET')).body.code).to.equal(-1102);
    const trades = await signed(url, 'GET', '/api/v3/myTrades', trader, 'symbol=BTCUSDT');
    expect([trades.status, trades.body]).to.deep.equal([200, []]);
  });

  it('accepts a key restricted to a third party (status=3 with thirdPartyName), refuses one without the name; the caller cannot use it', async () => {
    const made = await createSubKey(url, management, `email=${enc(SUB)}&apiName=tp&status=3&thirdPartyName=SomeCopyTrader`);
    expect(made.status, JSON.stringify(made.body)).to.equal(200);
    expect(made.body.status).to.equal(3);
    const listed = (await admin(url, 'GET', `/__sandbox/keys?account=${enc(SUB)}`)) as Array<{ apiName: string; thirdPartyName?: string }>;
    expect(listed.find((k) => k.apiName === 'tp')!.thirdPartyName).to.equal('SomeCopyTrader');
    const used = await signed(url, 'GET', '/api/v3/account', { apiKey: String(made.body.apiKey), secret: String(made.body.secretKey) });
    expect(used.body.code).to.equal(-2015);
    const noName = await createSubKey(url, management, `email=${enc(SUB)}&apiName=tp2&status=3`);
    expect([noName.status, noName.body.code]).to.deep.equal([400, -1102]);
  });

  it('deletes IPs from a key with DELETE …/ipRestriction/ipList', async () => {
    const made = await createSubKey(url, management, `email=${enc(SUB)}&apiName=ips&status=2&ipAddress=127.0.0.1,203.0.113.7,198.51.100.2`);
    const apiKey = String(made.body.apiKey);
    const res = await signed(
      url,
      'DELETE',
      '/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList',
      management,
      `email=${enc(SUB)}&subAccountApiKey=${apiKey}&ipAddress=203.0.113.7,198.51.100.2`,
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.deep.include({ ipRestrict: 'true', ipList: ['127.0.0.1'], apiKey });
    // three management calls of 3000 this minute: two creates and this delete
    expect(res.headers['x-sapi-used-uid-weight-1m']).to.equal('9000');
    const missing = await signed(
      url,
      'DELETE',
      '/sapi/v1/sub-account/subAccountApi/ipRestriction/ipList',
      management,
      `email=${enc(SUB)}&subAccountApiKey=${apiKey}`,
    );
    expect(missing.body.code).to.equal(-1102);
  });

  it("429, 418 and an unknown endpoint carry the weight header and errors.md's texts", async () => {
    await admin(url, 'POST', '/__sandbox/faults', {
      faults: [
        { path: '/api/v3/time', kind: 'rate-limit', retryAfter: 3 },
        { path: '/api/v3/time', kind: 'ban', retryAfter: 120 },
      ],
    });
    const limited = await raw(url, 'GET', '/api/v3/time');
    expect([limited.status, limited.body.code, limited.headers['retry-after']]).to.deep.equal([429, -1003, '3']);
    expect(limited.headers['x-mbx-used-weight-1m']).to.match(/^\d+$/);
    expect(limited.body.msg).to.match(
      /^Too much request weight used; current limit is \d+ request weight per 1 MINUTE\. Please use WebSocket Streams for live updates to avoid polling the API\.$/,
    );
    const banned = await raw(url, 'GET', '/api/v3/time');
    expect([banned.status, banned.body.code]).to.deep.equal([418, -1003]);
    expect(banned.headers['x-mbx-used-weight-1m']).to.match(/^\d+$/);
    expect(banned.body.msg).to.match(
      /^Way too much request weight used; IP banned until \d+\. Please use WebSocket Streams for live updates to avoid bans\.$/,
    );
    const unknown = await raw(url, 'GET', '/api/v3/nothing-here');
    expect([unknown.status, unknown.body.code, unknown.body.msg]).to.deep.equal([404, -1020, 'This operation is not supported.']);
    expect(unknown.headers['x-mbx-used-weight-1m']).to.match(/^\d+$/);
    const sapiUnknown = await raw(url, 'GET', '/sapi/v1/nothing-here');
    expect([sapiUnknown.status, sapiUnknown.headers['x-sapi-used-ip-weight-1m']]).to.deep.equal([404, '2']);
  });

  it('a weight limit passed: the 429 itself reports the weight used', async () => {
    await sandbox.close();
    const { startSandbox } = await import('../../scripts/sandbox/server.js');
    sandbox = await startSandbox({ ipWeightLimit: 2 });
    url = sandbox.url;
    await raw(url, 'GET', '/api/v3/time');
    await raw(url, 'GET', '/api/v3/time');
    const over = await raw(url, 'GET', '/api/v3/time');
    expect([over.status, over.headers['x-mbx-used-weight-1m']]).to.deep.equal([429, '3']);
    expect(over.body.msg).to.include('current limit is 2 request weight per 1 MINUTE');
  });

  it("the management endpoints are TRADE: the master's key needs Spot & Margin Trading; without it -2015", async () => {
    await admin(url, 'POST', '/__sandbox/web-ui/edit', { apiKey: management.apiKey, patch: { canTrade: false } });
    const refused = await createSubKey(url, management, `email=${enc(SUB)}&apiName=x&status=1`);
    expect([refused.status, refused.body.code]).to.deep.equal([401, -2015]);
    await admin(url, 'POST', '/__sandbox/web-ui/edit', { apiKey: management.apiKey, patch: { canTrade: true } });
    expect((await createSubKey(url, management, `email=${enc(SUB)}&apiName=x&status=1`)).status).to.equal(200);
  });
});

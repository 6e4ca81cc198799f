import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { MainClient } from 'binance';
import { hmacHex, signedPayload } from '../../scripts/sandbox/signature.js';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { admin, createSubKey, enc, raw, sandboxWithAccounts, signed, SUB, type WireKey } from './wire.js';

// Binance's documented example (REST API docs, "SIGNED endpoint examples", HMAC)
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOC_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';

describe('binance sandbox', function () {
  let sandbox: Sandbox;
  let url: string;
  let management: WireKey;

  before(async () => {
    ({ sandbox, url, management } = await sandboxWithAccounts());
  });
  after(() => sandbox.close());
  afterEach(() => admin(url, 'DELETE', '/__sandbox/faults'));

  async function newKey(extra = ''): Promise<WireKey & Record<string, unknown>> {
    const res = await createSubKey(url, management, `email=${enc(SUB)}&apiName=t-${Date.now()}${extra}`);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return { ...res.body, apiKey: res.body.apiKey as string, secret: res.body.secretKey as string };
  }

  describe('signatures as documented', () => {
    it('HMAC of the documented example (query string only) is the documented signature', () => {
      expect(hmacHex(DOC_SECRET, DOC_QUERY)).to.equal('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
    });

    it('mixed query string and body: the payload is the query followed by the body, no separator', () => {
      const { payload, signature } = signedPayload(
        'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
        'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=abc',
      );
      expect(signature).to.equal('abc');
      expect(hmacHex(DOC_SECRET, payload)).to.equal('0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77');
    });

    it('accepts an HMAC signature in upper case (HMAC is case-insensitive) and refuses a wrong one with -1022', async () => {
      const key = await newKey('&status=1');
      const payload = `timestamp=${Date.now()}`;
      const good = hmacHex(key.secret!, payload);
      expect(
        (await raw(url, 'GET', '/api/v3/account', { apiKey: key.apiKey, query: `${payload}&signature=${good.toUpperCase()}` })).status,
      ).to.equal(200);
      const bad = await raw(url, 'GET', '/api/v3/account', { apiKey: key.apiKey, query: `${payload}&signature=${'0'.repeat(64)}` });
      expect([bad.status, bad.body.code]).to.deep.equal([400, -1022]);
    });

    it('signs over the percent-encoded bytes as sent: a non-ASCII value signed encoded passes, signed decoded fails', async () => {
      const name = enc('grid bot ✓ (test)');
      const ok = await createSubKey(url, management, `email=${enc(SUB)}&apiName=${name}&status=1`);
      expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
      expect(ok.body.apiName).to.equal('grid bot ✓ (test)');
      const ts = `timestamp=${Date.now()}`;
      const decodedPayload = `email=${SUB}&apiName=grid bot ✓ (test)&status=1&${ts}`;
      const body = `email=${enc(SUB)}&apiName=${name}&status=1&${ts}&signature=${hmacHex(management.secret!, decodedPayload)}`;
      const refused = await raw(url, 'POST', '/sapi/v1/sub-account/subAccountApi', { apiKey: management.apiKey, body });
      expect(refused.body.code).to.equal(-1022);
    });

    it('Ed25519: a key registered with its public key signs base64 (percent-encoded); a flipped signature is refused', async () => {
      const pair = generateKeyPairSync('ed25519');
      const publicKey = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const privateKey = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const created = await createSubKey(url, management, `email=${enc(SUB)}&apiName=ed&status=1&publicKey=${enc(publicKey)}`);
      expect(created.status, JSON.stringify(created.body)).to.equal(200);
      expect(created.body.secretKey).to.equal('');
      const key = { apiKey: created.body.apiKey as string, privateKey };
      expect((await signed(url, 'GET', '/sapi/v1/account/apiRestrictions', key)).status).to.equal(200);
      const other = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const refused = await signed(url, 'GET', '/sapi/v1/account/apiRestrictions', { apiKey: key.apiKey, privateKey: other });
      expect(refused.body.code).to.equal(-1022);
    });

    it('refuses publicKey in the query string (it must travel in the body)', async () => {
      const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const res = await signed(
        url,
        'POST',
        '/sapi/v1/sub-account/subAccountApi',
        management,
        `email=${enc(SUB)}&apiName=q&status=1&publicKey=${enc(publicKey)}`,
        { inBody: false },
      );
      expect(res.body.code).to.equal(-1130);
    });
  });

  describe('the published `binance` npm client', () => {
    it('its HMAC-signed requests are accepted (apiRestrictions, account)', async () => {
      const key = await newKey('&status=2&ipAddress=127.0.0.1&canTrade=true');
      const client = new MainClient({ api_key: key.apiKey, api_secret: key.secret, baseUrl: url, disableTimeSync: true });
      const restrictions = await client.getApiKeyPermissions();
      expect(restrictions).to.include({
        ipRestrict: true,
        enableWithdrawals: false,
        enableSpotAndMarginTrading: true,
        enableReading: true,
      });
      const account = await client.getAccountInformation();
      expect(account.canTrade).to.equal(true);
    });

    it('its Ed25519-signed requests are accepted', async () => {
      const pair = generateKeyPairSync('ed25519');
      const created = await createSubKey(
        url,
        management,
        `email=${enc(SUB)}&apiName=lib-ed&status=1&publicKey=${enc(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString())}`,
      );
      const client = new MainClient({
        api_key: created.body.apiKey as string,
        api_secret: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        baseUrl: url,
        disableTimeSync: true,
      });
      expect((await client.getApiKeyPermissions()).ipRestrict).to.equal(false);
    });
  });

  describe('Binance checks', () => {
    it('API key: missing or malformed → -2014, unknown → -2015', async () => {
      const none = await raw(url, 'GET', '/api/v3/account', { query: `timestamp=${Date.now()}&signature=x` });
      expect([none.status, none.body.code]).to.deep.equal([401, -2014]);
      const unknown = await signed(url, 'GET', '/api/v3/account', { apiKey: 'A'.repeat(64), secret: 's' });
      expect([unknown.status, unknown.body.code]).to.deep.equal([401, -2015]);
    });

    it('timestamp outside recvWindow → -1021; ahead by more than 1s → -1021; recvWindow over 60000 → -1131; no timestamp → -1102', async () => {
      const key = await newKey('&status=1');
      expect((await signed(url, 'GET', '/api/v3/account', key, '', { timestamp: Date.now() - 6000 })).body.code).to.equal(-1021);
      expect((await signed(url, 'GET', '/api/v3/account', key, '', { timestamp: Date.now() - 6000, recvWindow: 10000 })).status).to.equal(
        200,
      );
      expect((await signed(url, 'GET', '/api/v3/account', key, '', { timestamp: Date.now() + 5000 })).body.code).to.equal(-1021);
      expect((await signed(url, 'GET', '/api/v3/account', key, '', { recvWindow: 60001 })).body.code).to.equal(-1131);
      expect((await raw(url, 'GET', '/api/v3/account', { apiKey: key.apiKey, query: 'signature=00' })).body.code).to.equal(-1102);
    });

    it("IP whitelist is enforced on the caller's address (127.0.0.2 allowed, 127.0.0.1 refused)", async () => {
      const key = await newKey('&status=2&ipAddress=127.0.0.2');
      expect((await signed(url, 'GET', '/api/v3/account', key, '', { localAddress: '127.0.0.2' })).status).to.equal(200);
      const refused = await signed(url, 'GET', '/api/v3/account', key, '', { localAddress: '127.0.0.1' });
      expect([refused.status, refused.body.code]).to.deep.equal([401, -2015]);
    });

    it('refuses CIDR blocks, non-IPv4 addresses, more than 20 addresses, and status 2 without addresses', async () => {
      for (const ips of ['10.0.0.0/8', '::1', Array.from({ length: 21 }, (_, i) => `10.0.0.${i + 1}`).join(',')]) {
        const res = await createSubKey(url, management, `email=${enc(SUB)}&apiName=bad&status=2&ipAddress=${enc(ips)}`);
        expect(res.body.code, ips).to.equal(-1130);
      }
      expect((await createSubKey(url, management, `email=${enc(SUB)}&apiName=bad&status=2`)).body.code).to.equal(-1102);
    });

    it('permissions: a read-only key cannot trade or withdraw (-2015); canTrade can trade; withdrawals need the web UI', async () => {
      const reader = await newKey('&status=1');
      const order = 'symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001';
      expect((await signed(url, 'POST', '/api/v3/order', reader, order)).body.code).to.equal(-2015);
      const trader = await newKey('&status=1&canTrade=true');
      expect((await signed(url, 'POST', '/api/v3/order', trader, order)).status).to.equal(200);
      expect((await signed(url, 'POST', '/sapi/v1/capital/withdraw/apply', trader, 'coin=BTC&address=x&amount=1')).body.code).to.equal(
        -2015,
      );
      // a sub-account key cannot manage keys either
      expect((await createSubKey(url, trader, `email=${enc(SUB)}&apiName=x&status=1`)).body.code).to.equal(-2015);
    });

    it('management: list and delete; a deleted key is refused at once with -2015', async () => {
      const key = await newKey('&status=1');
      const listed = await signed(url, 'GET', '/sapi/v1/sub-account/subAccountApi', management, `email=${enc(SUB)}`);
      expect(
        (listed.body as unknown as Array<{ apiKey: string; secretKey?: string }>).some(
          (k) => k.apiKey === key.apiKey && k.secretKey === undefined,
        ),
      ).to.equal(true);
      const deleted = await signed(
        url,
        'DELETE',
        '/sapi/v1/sub-account/subAccountApi',
        management,
        `email=${enc(SUB)}&subAccountApiKey=${key.apiKey}`,
      );
      expect(deleted.status, JSON.stringify(deleted.body)).to.equal(200);
      expect((await signed(url, 'GET', '/api/v3/account', key)).body.code).to.equal(-2015);
    });

    it('weight headers: each key-management call costs 3000 UID weight', async () => {
      await admin(url, 'POST', '/__sandbox/weights/reset');
      const first = await signed(url, 'GET', '/sapi/v1/sub-account/subAccountApi', management, `email=${enc(SUB)}`);
      const second = await signed(url, 'GET', '/sapi/v1/sub-account/subAccountApi', management, `email=${enc(SUB)}`);
      expect(first.headers['x-sapi-used-uid-weight-1m']).to.equal('3000');
      expect(second.headers['x-sapi-used-uid-weight-1m']).to.equal('6000');
      expect(Number(second.headers['x-sapi-used-ip-weight-1m'])).to.be.greaterThan(0);
      expect((await raw(url, 'GET', '/api/v3/time')).headers['x-mbx-used-weight-1m']).to.match(/^\d+$/);
    });

    it('the 31st key of an account is refused (-12022)', async () => {
      const res = await signed(url, 'GET', '/sapi/v1/sub-account/subAccountApi', management, `email=${enc('data@sub.sandbox.test')}`);
      const existing = (res.body as unknown as unknown[]).length;
      for (let i = existing; i < 30; i++)
        expect((await createSubKey(url, management, `email=${enc('data@sub.sandbox.test')}&apiName=n${i}&status=1`)).status).to.equal(200);
      await admin(url, 'POST', '/__sandbox/weights/reset');
      const refused = await createSubKey(url, management, `email=${enc('data@sub.sandbox.test')}&apiName=n31&status=1`);
      expect([refused.status, refused.body.code]).to.deep.equal([400, -12022]);
    });
  });

  describe('fault injection', () => {
    it('429 with Retry-After, 418, and a 5xx after the create took effect', async () => {
      await admin(url, 'POST', '/__sandbox/weights/reset');
      await admin(url, 'POST', '/__sandbox/faults', {
        faults: [
          { path: '/api/v3/time', kind: 'rate-limit', retryAfter: 7 },
          { path: '/api/v3/ping', kind: 'ban', retryAfter: 120 },
        ],
      });
      const limited = await raw(url, 'GET', '/api/v3/time');
      expect([limited.status, limited.body.code, limited.headers['retry-after']]).to.deep.equal([429, -1003, '7']);
      expect((await raw(url, 'GET', '/api/v3/ping')).status).to.equal(418);
      expect((await raw(url, 'GET', '/api/v3/time')).status).to.equal(200);

      await admin(url, 'POST', '/__sandbox/faults', {
        path: '/sapi/v1/sub-account/subAccountApi',
        method: 'POST',
        kind: 'after-error',
        status: 502,
      });
      const lost = await createSubKey(url, management, `email=${enc(SUB)}&apiName=lost-answer&status=1`);
      expect(lost.status).to.equal(502);
      const keys = await admin(url, 'GET', `/__sandbox/keys?account=${enc(SUB)}`);
      expect(keys.some((k: { apiName: string }) => k.apiName === 'lost-answer')).to.equal(true);
    });

    it('latency delays the answer', async () => {
      await admin(url, 'POST', '/__sandbox/faults', { path: '/api/v3/time', kind: 'latency', ms: 300 });
      const start = Date.now();
      await raw(url, 'GET', '/api/v3/time');
      expect(Date.now() - start).to.be.at.least(280);
    });
  });
});

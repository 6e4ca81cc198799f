/**
 * Throttling is retried with backoff: a tiny HTTP proxy in front of moto answers the first
 * requests with 429 ThrottlingException (as Secrets Manager does), then forwards. The store,
 * built with keyturn's client configuration, must still succeed, and the retries must be spaced.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clientConfig } from '../../src/aws/client-config.js';
import { SecretsManagerStore } from '../../src/stores/aws/secrets-store.js';
import { adminClientConfig } from '../../bench/moto.js';
import { startStrictMoto, type StrictMoto } from '../../scripts/aws-strict-moto.js';
import { rejection } from '../support/expect-rejection.js';

describe('aws clients retry throttling (429 ThrottlingException) with backoff', function () {
  this.timeout(60_000);
  let moto: StrictMoto;
  let proxy: http.Server;
  let endpoint: string;
  let throttleNext = 0;
  const seen: number[] = [];

  before(async () => {
    moto = await startStrictMoto();
    const target = new URL(moto.endpoint);
    proxy = http.createServer((req, res) => {
      seen.push(Date.now());
      if (throttleNext > 0) {
        throttleNext -= 1;
        req.resume();
        res.writeHead(429, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const upstream = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await moto?.stop();
  });

  it('a call throttled 3 times succeeds on the 4th attempt, the attempts spaced by backoff', async () => {
    const { credentials } = adminClientConfig(moto);
    const client = new SecretsManagerClient({ ...clientConfig({ region: moto.region, endpoint }, {}), credentials });
    const store = new SecretsManagerStore({ client, prefix: 'throttle/' });
    const ref = { store: 's', path: 'one', key: 'one' };
    await store.record(ref, { currentKeyId: 'k0' });
    seen.length = 0;
    throttleNext = 3;
    expect(await store.rotation(ref)).to.deep.equal({ currentKeyId: 'k0' });
    expect(seen).to.have.length(4);
    const waited = seen.at(-1)! - seen[0]!;
    expect(waited, 'the SDK backed off between attempts').to.be.greaterThan(50);
    await store.close();
  });

  it('gives up after the configured attempts and reports the throttling', async () => {
    const { credentials } = adminClientConfig(moto);
    const client = new SecretsManagerClient({ ...clientConfig({ region: moto.region, endpoint, maxAttempts: 2 }, {}), credentials });
    const store = new SecretsManagerStore({ client, prefix: 'throttle/' });
    seen.length = 0;
    throttleNext = 5;
    const caught = await rejection(store.rotation({ store: 's', path: 'one', key: 'one' }));
    expect(caught.name).to.equal('ThrottlingException');
    expect(seen).to.have.length(2);
    throttleNext = 0;
    await store.close();
  });
});

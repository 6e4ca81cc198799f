import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { ConsumerConfig, HealthSpec } from '../../src/config/types.js';
import { restartConsumer, type Delivery } from '../../src/consumers/index.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { expectNoSecret, freePort, httpServer, testContext, type TestServer } from './support.js';

const SECRET = 'db-password-Qm9vYmFyYmF6cXV4';
const delivery: Delivery = { keyId: 'key-2', rotationId: 'rot-20260102030405-00000002', material: { value: SECRET } };

function healthOnly(health: HealthSpec): ConsumerConfig {
  return { name: 'reader', timeoutMs: 5000, env: { DB_PASSWORD: 'value' }, health };
}

function http(url: string, fields: Partial<Extract<HealthSpec, { kind: 'http' }>> = {}): HealthSpec {
  return { kind: 'http', url, expectStatus: 200, timeoutMs: 1000, retries: 3, intervalMs: 30, ...fields };
}

describe('restartConsumer: health checks', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('HTTP: never healthy is ECONSUMER after 1 + retries attempts, naming the consumer and the last reason', async () => {
    server = await httpServer(() => ({ status: 503 }));
    const { ctx, logs } = testContext();
    const error = await rejection(restartConsumer(healthOnly(http(`${server.url}/health`, { retries: 3 })), delivery, ctx));
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('consumer reader is not healthy after 4 attempts');
    expect(error.message).to.include('answered 503, expected 200');
    expect(server.requests).to.have.length(4);
    expect(server.requests.every((r) => r.method === 'GET' && r.url === '/health')).to.equal(true);
    expectNoSecret(await logs(), SECRET);
  });

  it('HTTP: succeeds as soon as one attempt passes', async () => {
    server = await httpServer((_request, index) => ({ status: index < 2 ? 503 : 200 }));
    const { ctx } = testContext();
    await restartConsumer(healthOnly(http(`${server.url}/health`, { retries: 10 })), delivery, ctx);
    expect(server.requests).to.have.length(3);
  });

  it('HTTP: credentials in the URL are sent as Basic auth, never shown', async () => {
    server = await httpServer((request) => ({
      status: request.headers.authorization === `Basic ${Buffer.from('probe:hunter22pw').toString('base64')}` ? 200 : 401,
    }));
    const { ctx } = testContext();
    const withAuth = server.url.replace('http://', 'http://probe:hunter22pw@');
    await restartConsumer(healthOnly(http(`${withAuth}/health`, { retries: 0 })), delivery, ctx);
    const error = await rejection(
      restartConsumer(
        healthOnly(http(`${server.url.replace('http://', 'http://probe:wrong-pass@')}/health`, { retries: 0 })),
        delivery,
        ctx,
      ),
    );
    expect(error.message).to.include('answered 401');
    expect(error.message).to.include('probe:***@');
    expect(error.message).to.not.include('wrong-pass');
  });

  it('HTTP: compares the exact status (a 204 is not a 200)', async () => {
    server = await httpServer(() => ({ status: 204 }));
    const { ctx } = testContext();
    const error = await rejection(restartConsumer(healthOnly(http(`${server.url}/`, { retries: 0 })), delivery, ctx));
    expect(error.message).to.include('after 1 attempt:');
    expect(error.message).to.include('answered 204, expected 200');
    await restartConsumer(healthOnly(http(`${server.url}/`, { retries: 0, expectStatus: 204 })), delivery, ctx);
  });

  it('HTTP: an endpoint that never answers fails each attempt at its timeout', async () => {
    server = await httpServer(() => 'hang');
    const { ctx } = testContext();
    const started = Date.now();
    const error = await rejection(restartConsumer(healthOnly(http(`${server.url}/health`, { timeoutMs: 200, retries: 1 })), delivery, ctx));
    expect(error.message).to.include('no answer within 200ms');
    expect(server.requests).to.have.length(2);
    expect(Date.now() - started).to.be.lessThan(2000);
  });

  it('HTTP: nothing listening is reported as ECONNREFUSED, and the URL password is masked', async () => {
    const port = await freePort();
    const { ctx } = testContext();
    const error = await rejection(
      restartConsumer(healthOnly(http(`http://probe:hunter22pw@127.0.0.1:${port}/health`, { retries: 1 })), delivery, ctx),
    );
    expect(error.message).to.include('ECONNREFUSED');
    expect(error.message).to.include(`GET http://probe:***@127.0.0.1:${port}/health`);
    expect(error.message).to.not.include('hunter22pw');
  });

  it('command: retried until exit 0; failure names the command and its exit code', async () => {
    const dir = await tempDir();
    try {
      const { ctx } = testContext({ cwd: dir });
      const probe = [process.execPath, '-e', "require('fs').appendFileSync('attempts', 'x'); console.error('not ready'); process.exit(2)"];
      const error = await rejection(
        restartConsumer(healthOnly({ kind: 'command', command: probe, timeoutMs: 5000, retries: 2, intervalMs: 20 }), delivery, ctx),
      );
      expect(error.code).to.equal('ECONSUMER');
      expect(error.message).to.include('after 3 attempts');
      expect(error.message).to.include('exited 2: not ready');
      expect(await fs.readFile(path.join(dir, 'attempts'), 'utf8')).to.equal('xxx');
    } finally {
      await removeTempDir(dir);
    }
  });

  it('command: gets the key id but never the secret', async () => {
    const { ctx } = testContext();
    const probe = [
      process.execPath,
      '-e',
      "process.exit(process.env.KEYTURN_KEY_ID === 'key-2' && process.env.DB_PASSWORD === undefined ? 0 : 1)",
    ];
    await restartConsumer(healthOnly({ kind: 'command', command: probe, timeoutMs: 5000, retries: 0, intervalMs: 10 }), delivery, ctx);
  });
});

import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { ConsumerConfig } from '../../src/config/types.js';
import { restartConsumer, type Delivery } from '../../src/consumers/index.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { exists, expectNoSecret, testContext } from './support.js';

const SECRET = 'sk-live-7f3a9c2e5b1d8f4a6c0e';
const delivery: Delivery = { keyId: 'key-new-1', rotationId: 'rot-20260102030405-abcdef12', material: { value: SECRET } };

function consumer(fields: Partial<ConsumerConfig>): ConsumerConfig {
  return { name: 'svc', timeoutMs: 10_000, env: { API_SECRET: 'value' }, ...fields };
}

describe('restartConsumer: command restarts', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  it('runs the command in its cwd (relative to the run) with the key in env only', async () => {
    await fs.mkdir(path.join(dir, 'app'));
    const { ctx, logs } = testContext({ cwd: dir });
    const script =
      "const e = process.env; require('fs').writeFileSync('seen.json', JSON.stringify({ argv: process.argv, secret: e.API_SECRET, keyId: e.KEYTURN_KEY_ID, rotationId: e.KEYTURN_ROTATION_ID, names: e.KEYTURN_SECRET_ENV }))";
    await restartConsumer(consumer({ restart: { kind: 'command', command: [process.execPath, '-e', script], cwd: 'app' } }), delivery, ctx);
    const seen = JSON.parse(await fs.readFile(path.join(dir, 'app', 'seen.json'), 'utf8')) as Record<string, unknown>;
    expect(seen).to.deep.include({ secret: SECRET, keyId: 'key-new-1', rotationId: delivery.rotationId, names: 'API_SECRET' });
    expect(JSON.stringify(seen.argv)).to.not.include(SECRET);
    const logged = await logs();
    expect(logged).to.include('consumer svc restarted');
    expectNoSecret(logged, SECRET);
  });

  it('a restart that exits 3 is ECONSUMER with the stderr tail, the secret masked', async () => {
    const { ctx, logs } = testContext({ cwd: dir });
    const script =
      "console.error('boot: loading config'); console.error('boot failed: token ' + process.env.API_SECRET + ' rejected'); process.exit(3)";
    const error = await rejection(
      restartConsumer(consumer({ restart: { kind: 'command', command: [process.execPath, '-e', script] } }), delivery, ctx),
    );
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('consumer svc');
    expect(error.message).to.include('exited 3');
    expect(error.message).to.include('boot: loading config');
    expect(error.message).to.include('boot failed: token [REDACTED] rejected');
    expectNoSecret(error.message, SECRET);
    const logged = await logs();
    expect(logged).to.include('boot failed: token [REDACTED] rejected');
    expectNoSecret(logged, SECRET);
  });

  it('a restart that hangs is killed at its timeout: ECONSUMER in bounded time', async () => {
    const { ctx } = testContext({ cwd: dir });
    const started = Date.now();
    const error = await rejection(
      restartConsumer(
        consumer({ timeoutMs: 400, restart: { kind: 'command', command: [process.execPath, '-e', 'setInterval(() => {}, 1000)'] } }),
        delivery,
        ctx,
      ),
    );
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('did not finish within 400ms');
    expect(Date.now() - started).to.be.lessThan(3000);
  });

  it('a hung grandchild holding the output open does not hold the rotation past the deadline', async () => {
    const { ctx } = testContext({ cwd: dir });
    const started = Date.now();
    // sh is killed at the timeout; sleep keeps sh's stdout open for 6 more seconds
    const error = await rejection(
      restartConsumer(consumer({ timeoutMs: 300, restart: { kind: 'command', command: ['sh', '-c', 'sleep 6; true'] } }), delivery, ctx),
    );
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('did not finish within 300ms');
    expect(Date.now() - started).to.be.lessThan(4500);
  });

  it('a field missing from the material is ECONSUMER naming the field, and nothing runs', async () => {
    const { ctx } = testContext({ cwd: dir });
    const c = consumer({ env: { API_KEY: 'apiKey', API_SECRET: 'value' }, restart: { kind: 'command', command: ['touch', 'ran'] } });
    const error = await rejection(restartConsumer(c, delivery, ctx));
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('"apiKey"');
    expect(error.message).to.include('API_KEY');
    expectNoSecret(error.message, SECRET);
    expectNoSecret(JSON.stringify((error as { details?: unknown }).details), SECRET);
    expect(await exists(path.join(dir, 'ran'))).to.equal(false);
  });

  it('a command that does not exist is ECONSUMER with exit 127', async () => {
    const { ctx } = testContext({ cwd: dir });
    const error = await rejection(
      restartConsumer(consumer({ restart: { kind: 'command', command: ['keyturn-no-such-command-x'] } }), delivery, ctx),
    );
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('exited 127');
  });

  it('dry-run restarts nothing', async () => {
    const { ctx, logs } = testContext({ cwd: dir, dryRun: true });
    await restartConsumer(consumer({ restart: { kind: 'command', command: ['touch', 'ran'] } }), delivery, ctx);
    expect(await exists(path.join(dir, 'ran'))).to.equal(false);
    expect(await logs()).to.include('dry-run: would restart consumer svc');
  });
});

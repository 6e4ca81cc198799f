/**
 * The demo consumer (dist/scripts/demo-consumer.js) restarted through restartConsumer, as
 * rotation.yaml runs it: a real detached process serving /health on a free port.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { ConsumerConfig } from '../../src/config/types.js';
import { restartConsumer, type Delivery } from '../../src/consumers/index.js';
import { runCommand } from '../../src/process/run-command.js';
import { rejection } from '../support/expect-rejection.js';
import { processAlive } from '../support/pid.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { exists, expectNoSecret, freePort, testContext } from './support.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/demo-consumer.js', import.meta.url));
const FIRST = 'first-secret-9b7d5f3a1c2e4g6h';
const SECOND = 'second-secret-8a6c4e2g0i1k3m5o';

describe('demo consumer', function () {
  this.timeout(20_000);
  let dir: string;
  let port: number;
  let test: ReturnType<typeof testContext>;

  const gridBot = (extra: string[] = [], env: Record<string, string> = { GRID_WEBHOOK_SECRET: 'value' }): ConsumerConfig => ({
    name: 'grid-bot',
    timeoutMs: 10_000,
    env,
    restart: {
      kind: 'command',
      command: [process.execPath, SCRIPT, 'restart', '--name', 'grid-bot', '--port', String(port), '--idle-exit', '2m', ...extra],
    },
    health: { kind: 'http', url: `http://127.0.0.1:${port}/health`, expectStatus: 200, timeoutMs: 2000, retries: 40, intervalMs: 100 },
  });
  const delivery = (n: number, secret: string): Delivery => ({
    keyId: `key-${n}`,
    rotationId: `rot-20260102030405-0000000${n}`,
    material: { value: secret },
  });
  const pidOf = async () => Number((await fs.readFile(path.join(dir, '.keyturn', 'demo', 'grid-bot.pid'), 'utf8')).trim());

  beforeEach(async () => {
    dir = await tempDir();
    port = await freePort();
    test = testContext({ cwd: dir });
  });
  afterEach(async () => {
    await runCommand(
      [process.execPath, SCRIPT, 'stop', '--name', 'grid-bot'],
      { label: 'stop demo consumer', timeoutMs: 10_000 },
      test.ctx,
    );
    expectNoSecret(await test.logs(), FIRST, SECOND);
    await removeTempDir(dir);
  });

  it('restarts on each new key: health passes and /health shows the new key id', async () => {
    await restartConsumer(gridBot(), delivery(1, FIRST), test.ctx);
    const first = await fetch(`http://127.0.0.1:${port}/health`);
    expect(first.status).to.equal(200);
    expect(await first.json()).to.deep.equal({ ok: true, name: 'grid-bot', keyId: 'key-1' });
    const firstPid = await pidOf();

    await restartConsumer(gridBot(), delivery(2, SECOND), test.ctx);
    const second = await fetch(`http://127.0.0.1:${port}/health`);
    const body = await second.text();
    expect(JSON.parse(body)).to.deep.equal({ ok: true, name: 'grid-bot', keyId: 'key-2' });
    expectNoSecret(body, FIRST, SECOND);
    const secondPid = await pidOf();
    expect(secondPid).to.not.equal(firstPid);
    expect(processAlive(firstPid), 'the old instance was stopped').to.equal(false);

    // the key reached the process through its environment, not its command line
    if (await exists(`/proc/${secondPid}/environ`)) {
      expect((await fs.readFile(`/proc/${secondPid}/environ`, 'utf8')).split('\0')).to.include(`GRID_WEBHOOK_SECRET=${SECOND}`);
      expectNoSecret(await fs.readFile(`/proc/${secondPid}/cmdline`, 'utf8'), SECOND);
    }
    const log = await fs.readFile(path.join(dir, '.keyturn', 'demo', 'grid-bot.log'), 'utf8');
    expect(log).to.include('key key-2, secret in GRID_WEBHOOK_SECRET, healthy');
    expectNoSecret(log, FIRST, SECOND);

    await runCommand([process.execPath, SCRIPT, 'stop', '--name', 'grid-bot'], { label: 'stop', timeoutMs: 10_000 }, test.ctx);
    expect(processAlive(secondPid)).to.equal(false);
    expect(await exists(path.join(dir, '.keyturn', 'demo', 'grid-bot.pid'))).to.equal(false);
  });

  it('without the key in its environment it answers 503 and the restart fails its health check', async () => {
    const error = await rejection(
      restartConsumer(
        {
          ...gridBot(['--secret-env', 'GRID_WEBHOOK_SECRET'], {}),
          health: {
            kind: 'http',
            url: `http://127.0.0.1:${port}/health`,
            expectStatus: 200,
            timeoutMs: 2000,
            retries: 15,
            intervalMs: 100,
          },
        },
        delivery(1, FIRST),
        test.ctx,
      ),
    );
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('consumer grid-bot is not healthy after 16 attempts');
    expect(error.message).to.include('answered 503, expected 200');
  });

  it('serve exits by itself after --idle-exit', async () => {
    const child = spawn(process.execPath, [SCRIPT, 'serve', '--name', 'idle', '--port', String(port), '--idle-exit', '300ms'], {
      cwd: dir,
      env: { ...process.env, KEYTURN_KEY_ID: 'k', IDLE_SECRET: FIRST },
      stdio: 'ignore',
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).to.equal(0);
    expect(Date.now() - started).to.be.within(250, 5000);
    const log = await fs.readFile(path.join(dir, '.keyturn', 'demo', 'idle.log'), 'utf8');
    expect(log).to.include('serve: exiting (idle for 300ms)');
    expectNoSecret(log, FIRST);
  });

  it('refuses a name that could leave .keyturn/demo', async () => {
    const result = await runCommand([process.execPath, SCRIPT, 'stop', '--name', '../x'], { label: 'stop', timeoutMs: 10_000 }, test.ctx);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.include('--name must be');
  });
});

/**
 * systemctl, docker, kubectl and pm2 are replaced by recorders on PATH (ctx.env.PATH): each
 * call appends its argv and environment to a file, so the test sees exactly what ran.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { ConsumerConfig, RestartSpec } from '../../src/config/types.js';
import { describeConsumer, restartConsumer, type Delivery } from '../../src/consumers/index.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { expectNoSecret, testContext } from './support.js';

const SECRET = 'whsec_c0ffee1234567890deadbeef';
const delivery: Delivery = {
  keyId: 'kid-77',
  rotationId: 'rot-20260102030405-77777777',
  material: { value: SECRET, apiKey: 'public-ish-api-key' },
};

interface Call {
  argv: string[];
  env: Record<string, string | undefined>;
}

const RECORDER = `
const fs = require('node:fs');
const path = require('node:path');
const [tool, ...args] = process.argv.slice(2);
fs.appendFileSync(path.join(__dirname, 'calls.jsonl'), JSON.stringify({ argv: [tool, ...args], env: process.env }) + '\\n');
const exitFile = path.join(__dirname, 'exit-' + tool + '-' + args.filter((a) => !a.startsWith('-')).slice(0, 2).join('-'));
process.exit(fs.existsSync(exitFile) ? Number(fs.readFileSync(exitFile, 'utf8')) : 0);
`;

async function fakeTools(dir: string): Promise<{ bin: string; calls(): Promise<Call[]> }> {
  const bin = path.join(dir, 'bin');
  await fs.mkdir(bin);
  await fs.writeFile(path.join(bin, 'record.cjs'), RECORDER);
  for (const tool of ['systemctl', 'docker', 'kubectl', 'pm2']) {
    await fs.writeFile(path.join(bin, tool), `#!/bin/sh\nexec '${process.execPath}' '${path.join(bin, 'record.cjs')}' ${tool} "$@"\n`, {
      mode: 0o755,
    });
  }
  return {
    bin,
    calls: async () =>
      (await fs.readFile(path.join(bin, 'calls.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Call),
  };
}

function consumer(restart: RestartSpec, fields: Partial<ConsumerConfig> = {}): ConsumerConfig {
  return { name: 'bot', timeoutMs: 90_000, env: { BOT_SECRET: 'value' }, restart, ...fields };
}

describe('restartConsumer: presets', () => {
  let dir: string;
  let tools: Awaited<ReturnType<typeof fakeTools>>;
  let test: ReturnType<typeof testContext>;

  beforeEach(async () => {
    dir = await tempDir();
    tools = await fakeTools(dir);
    test = testContext({ cwd: dir, env: { PATH: `${tools.bin}${path.delimiter}${process.env.PATH ?? ''}` } });
  });
  afterEach(async () => {
    expectNoSecret(await test.logs(), SECRET);
    await removeTempDir(dir);
  });

  it('kubernetes: rollout restart, then rollout status with the consumer timeout; no secret handed to kubectl', async () => {
    await restartConsumer(
      consumer({ kind: 'kubernetes', deployment: 'grid-bot', namespace: 'trading', context: 'prod-eu' }),
      delivery,
      test.ctx,
    );
    const calls = await tools.calls();
    expect(calls.map((c) => c.argv)).to.deep.equal([
      ['kubectl', '--context', 'prod-eu', '-n', 'trading', 'rollout', 'restart', 'deployment/grid-bot'],
      ['kubectl', '--context', 'prod-eu', '-n', 'trading', 'rollout', 'status', 'deployment/grid-bot', '--timeout=90s'],
    ]);
    for (const call of calls) {
      expect(call.env.KEYTURN_KEY_ID).to.equal('kid-77');
      expect(call.env.BOT_SECRET).to.equal(undefined);
      expectNoSecret(JSON.stringify(call), SECRET);
    }
    expect(await test.logs()).to.include('kubernetes does not pass keyturn');
  });

  it('kubernetes without context or namespace, timeout rounded up to whole seconds', async () => {
    await restartConsumer(consumer({ kind: 'kubernetes', deployment: 'api' }, { timeoutMs: 2500 }), delivery, test.ctx);
    expect((await tools.calls()).map((c) => c.argv)).to.deep.equal([
      ['kubectl', 'rollout', 'restart', 'deployment/api'],
      ['kubectl', 'rollout', 'status', 'deployment/api', '--timeout=3s'],
    ]);
  });

  it('kubernetes: a failed rollout status is ECONSUMER naming the command', async () => {
    await fs.writeFile(path.join(tools.bin, 'exit-kubectl-rollout-status'), '1');
    const error = await rejection(restartConsumer(consumer({ kind: 'kubernetes', deployment: 'api' }), delivery, test.ctx));
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('`kubectl rollout status deployment/api --timeout=90s` exited 1');
  });

  it('systemd: systemctl restart, then the default health check is-active', async () => {
    await restartConsumer(consumer({ kind: 'systemd', unit: 'grid-bot.service' }), delivery, test.ctx);
    const calls = await tools.calls();
    expect(calls.map((c) => c.argv)).to.deep.equal([
      ['systemctl', 'restart', 'grid-bot.service'],
      ['systemctl', 'is-active', '--quiet', 'grid-bot.service'],
    ]);
    for (const call of calls) expectNoSecret(JSON.stringify(call), SECRET);
  });

  it('systemd: a unit that stays inactive fails the default health check', async function () {
    this.timeout(15_000);
    await fs.writeFile(path.join(tools.bin, 'exit-systemctl-is-active-grid-bot.service'), '3');
    const error = await rejection(restartConsumer(consumer({ kind: 'systemd', unit: 'grid-bot.service' }), delivery, test.ctx));
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('consumer bot is not healthy after 6 attempts');
    expect(error.message).to.include('`systemctl is-active --quiet grid-bot.service` exited 3');
    expect((await tools.calls()).filter((c) => c.argv[1] === 'is-active')).to.have.length(6);
  });

  it('docker: docker restart NAME, no secret handed to docker', async () => {
    await restartConsumer(consumer({ kind: 'docker', container: 'grid-bot-1' }), delivery, test.ctx);
    const calls = await tools.calls();
    expect(calls.map((c) => c.argv)).to.deep.equal([['docker', 'restart', 'grid-bot-1']]);
    expect(calls[0]?.env.BOT_SECRET).to.equal(undefined);
  });

  it('pm2: pm2 restart NAME --update-env, the secret in its env and not in its argv', async () => {
    await restartConsumer(
      consumer({ kind: 'pm2', process: 'grid-bot' }, { env: { BOT_SECRET: 'value', BOT_API_KEY: 'apiKey' } }),
      delivery,
      test.ctx,
    );
    const calls = await tools.calls();
    expect(calls.map((c) => c.argv)).to.deep.equal([['pm2', 'restart', 'grid-bot', '--update-env']]);
    const [call] = calls;
    expect(call?.env).to.include({
      BOT_SECRET: SECRET,
      BOT_API_KEY: 'public-ish-api-key',
      KEYTURN_KEY_ID: 'kid-77',
      KEYTURN_ROTATION_ID: delivery.rotationId,
      KEYTURN_SECRET_ENV: 'BOT_SECRET,BOT_API_KEY',
    });
    expectNoSecret(JSON.stringify(call?.argv), SECRET);
  });

  it('a preset tool that is not installed is ECONSUMER (exit 127)', async () => {
    const bare = testContext({ cwd: dir, env: { PATH: path.join(dir, 'empty') } });
    const error = await rejection(restartConsumer(consumer({ kind: 'docker', container: 'x' }), delivery, bare.ctx));
    expect(error.code).to.equal('ECONSUMER');
    expect(error.message).to.include('exited 127');
  });
});

describe('describeConsumer', () => {
  it('shows the exact commands, env names and health check, never a value', () => {
    const lines = describeConsumer({
      name: 'grid-bot',
      timeoutMs: 30_000,
      env: { GRID_WEBHOOK_SECRET: 'value' },
      restart: { kind: 'command', command: ['node', 'dist/scripts/demo-consumer.js', 'restart', '--name', 'grid bot'], cwd: 'apps' },
      health: {
        kind: 'http',
        url: 'http://ops:s3cret-pw@127.0.0.1:47811/health',
        expectStatus: 200,
        timeoutMs: 2000,
        retries: 25,
        intervalMs: 200,
      },
    });
    expect(lines).to.deep.equal([
      "restart grid-bot: node dist/scripts/demo-consumer.js restart --name 'grid bot' (within 30s, in apps)",
      'env grid-bot: GRID_WEBHOOK_SECRET=<key field value>, KEYTURN_KEY_ID, KEYTURN_ROTATION_ID',
      'health grid-bot: GET http://ops:***@127.0.0.1:47811/health until 200 (up to 26 attempts, 200ms apart, 2s each)',
    ]);
  });

  it('kubernetes: both kubectl commands; env marked as not delivered', () => {
    expect(describeConsumer(consumer({ kind: 'kubernetes', deployment: 'api', namespace: 'prod' }, { timeoutMs: 120_000 }))).to.deep.equal([
      'restart bot: kubectl -n prod rollout restart deployment/api (within 120s)',
      'restart bot: kubectl -n prod rollout status deployment/api --timeout=120s (within 120s)',
      'env bot: not delivered, kubernetes passes no environment to the service: BOT_SECRET=<key field value>',
      'health bot: none declared',
    ]);
  });

  it('systemd: the default health check is shown as such', () => {
    expect(describeConsumer(consumer({ kind: 'systemd', unit: 'bot.service' }, { env: {} }))).to.deep.equal([
      'restart bot: systemctl restart bot.service (within 90s)',
      'env bot: KEYTURN_KEY_ID, KEYTURN_ROTATION_ID',
      'health bot: systemctl is-active --quiet bot.service until exit 0 (up to 6 attempts, 1000ms apart, 5s each) (default)',
    ]);
  });
});

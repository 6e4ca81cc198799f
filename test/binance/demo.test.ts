/**
 * The demo's own parts, as real processes: demo-setup starts the sandbox and stores the
 * management key once (a second run changes nothing), and demo-bot trades with the key in its
 * environment and reports on /health whether that key still works.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { openStore } from '../../src/stores/registry.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { admin, createSubKey, sandboxWithAccounts, SUB } from './wire.js';
import { freePort } from '../../scripts/free-port.js';

const SETUP = path.join(process.cwd(), 'dist/scripts/demo-setup.js');
const BOT = path.join(process.cwd(), 'dist/scripts/demo-bot.js');

const health = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
  return res ? { status: res.status, body: (await res.json()) as { ok: boolean; requests: number; failed: number } } : undefined;
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the demo', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('keyturn-demo-');
  });
  afterEach(() => removeTempDir(dir));

  it('demo-setup starts the sandbox and stores the management key once; a second run reuses both', async () => {
    const port = await freePort();
    const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex') };
    await writeFile(
      path.join(dir, 'rotation.yaml'),
      `version: 1
stores:
  local: { type: file, path: .keyturn/store.enc }
issuers:
  exchange: { type: binance, baseUrl: "http://127.0.0.1:${port}", managementKey: { store: local, path: exchange/management } }
keys:
  - { id: bot, purpose: p, issuer: exchange, store: local, period: 30d, spec: { email: ${SUB} }, restrictions: { permissions: [reading], ipWhitelist: [127.0.0.1] } }
`,
    );
    try {
      const first = await execa('node', [SETUP], { cwd: dir, env });
      expect(first.stdout)
        .to.include(`exchange sandbox started at http://127.0.0.1:${port}`)
        .and.include('management key stored in local:exchange/management');
      const second = await execa('node', [SETUP], { cwd: dir, env });
      expect(second.stdout).to.include('exchange sandbox reused').and.include('management key already in');

      const store = await openStore({ name: 'local', type: 'file', options: { path: '.keyturn/store.enc' } }, { baseDir: dir, env });
      const management = (await store.current({ store: 'local', path: 'exchange/management', key: 'exchange:management' }))!.material;
      await store.close();
      expect(`${first.stdout}${first.stderr}${second.stdout}`).to.not.include(management.secret!);
      // the stored key is the master's working management key: it lists the sub-account's keys
      const listed = await createSubKey(
        `http://127.0.0.1:${port}`,
        { apiKey: management.apiKey!, secret: management.secret },
        `email=${encodeURIComponent(SUB)}&apiName=probe&status=1`,
      );
      expect(listed.status).to.equal(200);
      expect(JSON.parse(await readFile(path.join(dir, '.keyturn/exchange-sandbox.json'), 'utf8')).keys).to.have.length(2);
    } finally {
      const pid = Number(await readFile(path.join(dir, '.keyturn/demo/exchange-sandbox.pid'), 'utf8').catch(() => '0'));
      if (pid > 0) process.kill(pid, 'SIGTERM');
    }
  });

  it('demo-bot trades with the key in its environment; /health turns 503 once the key may no longer trade', async () => {
    const { sandbox, url, management } = await sandboxWithAccounts();
    const port = await freePort();
    try {
      const made = (
        await createSubKey(url, management, `email=${encodeURIComponent(SUB)}&apiName=bot&status=2&ipAddress=127.0.0.1&canTrade=true`)
      ).body as { apiKey: string; secretKey: string };
      const env = { ...process.env, BINANCE_API_KEY: made.apiKey, BINANCE_API_SECRET: made.secretKey, KEYTURN_KEY_ID: 'bn:test' };
      const restarted = await execa('node', [BOT, 'restart', '--name', 'bot', '--port', String(port), '--base-url', url, '--rate', '20'], {
        cwd: dir,
        env,
      });
      expect(restarted.stdout).to.match(/restarted \(pid \d+\)/);
      const up = await until('a healthy bot', async () => ((await health(port))?.status === 200 ? health(port) : undefined));
      expect(up!.body.ok).to.equal(true);
      expect(sandbox.stats.byKey[made.apiKey]!.ok).to.be.greaterThan(0);

      await admin(url, 'POST', '/__sandbox/web-ui/edit', { apiKey: made.apiKey, patch: { canTrade: false } });
      const down = await until('an unhealthy bot', async () => ((await health(port))?.status === 503 ? health(port) : undefined));
      expect(down!.body.failed).to.be.greaterThan(0);

      const stopped = await execa('node', [BOT, 'stop', '--name', 'bot'], { cwd: dir });
      expect(stopped.stdout).to.include('stopped');
      const log = await readFile(path.join(dir, '.keyturn/demo/bot.log'), 'utf8');
      expect(log).to.include('a signed call failed with -2015').and.include('exiting (signal)');
      expect(log).to.not.include(made.apiKey).and.not.include(made.secretKey);
    } finally {
      await execa('node', [BOT, 'stop', '--name', 'bot'], { cwd: dir, reject: false });
      await sandbox.close();
    }
  });
});

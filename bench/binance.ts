/**
 * npm run bench:binance — zero downtime through key rotation, on loopback only.
 *
 * An in-process exchange sandbox; the demo bot (scripts/demo-bot.ts, a real detached process)
 * sends signed test orders at RATE per second with the key keyturn gave it; the built CLI
 * rotates that key ROTATIONS times (`keyturn rotate grid-bot --yes`: create, stage, promote,
 * restart the bot with the new key in its environment, health check, verify, retire with an
 * overlap window). Reported: requests the exchange answered and refused (per the bot and per
 * the sandbox), the slowest second, whether the previous key still worked right after each
 * cutover, and wall time. Rotations are paced to Binance's UID weight limit (3000 per key
 * management call, 180000 a minute), as a real run would be.
 *
 *   BENCH_ROTATIONS=20 BENCH_RATE=30 npm run bench:binance
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { startSandbox } from '../scripts/sandbox/server.js';
import { openStore } from '../src/stores/registry.js';
import { BinanceClient } from '../src/issuers/binance/client.js';
import { hmacSigner } from '../src/issuers/binance/signing.js';
import { silentLogger } from '../src/log/logger.js';
import { freePort } from '../scripts/free-port.js';
import { exchangeConfigHead } from '../test/binance/wire.js';

const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 30);
const CLI = path.resolve('dist/src/cli/main.js');
const BOT = path.resolve('dist/scripts/demo-bot.js');
const SUB = 'grid@sub.sandbox.test';
const UID_LIMIT = 180_000;
const MANAGEMENT_WEIGHT = 3000;
/** a bound on the whole run: 20 paced rotations take about two minutes */
const DEADLINE_MS = 10 * 60_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function rotationYaml(url: string, port: number, statsFile: string): string {
  return `${exchangeConfigHead(url)}people:
  alice: { name: Alice, teams: [trading] }
teams:
  trading: { members: [alice] }
keys:
  - id: grid-bot
    purpose: grid bot trading BTCUSDT
    issuer: exchange
    path: trading/grid-bot
    period: 30d
    tier: high-frequency
    overlap: 5m
    holders: [team:trading]
    spec: { email: ${SUB} }
    restrictions: { permissions: [reading, spot], ipWhitelist: [127.0.0.1], account: sub }
    consumers:
      - name: grid-bot
        restart:
          command: [node, ${JSON.stringify(BOT)}, restart, --name, bench-bot, --port, "${port}", --base-url, ${JSON.stringify(url)}, --rate, "${RATE}", --exit-after, 15m, --stats-file, ${JSON.stringify(statsFile)}]
        env: { BINANCE_API_KEY: apiKey, BINANCE_API_SECRET: secret }
        health: { url: "http://127.0.0.1:${port}/health", timeout: 2s, retries: 50, interval: 100ms }
`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const sandbox = await startSandbox({ host: '127.0.0.1' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-binance-'));
  const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'bench' };
  const statsFile = path.join(dir, 'bot-stats.jsonl');
  const setup = (await (
    await fetch(`${sandbox.url}/__sandbox/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ master: 'desk@sandbox.test', subAccounts: [SUB] }),
    })
  ).json()) as { apiKey: string; secretKey: string };
  await writeFile(path.join(dir, 'rotation.yaml'), rotationYaml(sandbox.url, await freePort(), statsFile));
  const storeConfig = { name: 'local', type: 'file', options: { path: 'store.enc' } };
  const ref = { store: 'local', path: 'trading/grid-bot', key: 'grid-bot' };
  const s = await openStore(storeConfig, { baseDir: dir, env });
  const mref = { store: 'local', path: 'exchange/management', key: 'exchange:management' };
  await s.stage(mref, 'bootstrap', { keyId: 'management', material: { apiKey: setup.apiKey, secret: setup.secretKey } });
  await s.promote(mref, 'bootstrap');
  await s.close();

  const rotate = async () => {
    const r = await execa('node', [CLI, 'rotate', 'grid-bot', '--yes', '--log-level', 'warn'], {
      cwd: dir,
      env,
      reject: false,
      stdin: 'ignore',
    });
    if (r.exitCode !== 0) throw new Error(`rotate exited ${r.exitCode}: ${String(r.stderr).slice(-1500)}`);
  };
  const managementCalls = () => sandbox.stats.byKey[setup.apiKey]?.ok ?? 0;
  const botTraffic = () =>
    Object.entries(sandbox.stats.byKey)
      .filter(([apiKey]) => apiKey !== setup.apiKey)
      .reduce((sum, [, k]) => ({ ok: sum.ok + k.ok, refused: sum.refused + k.refused }), { ok: 0, refused: 0 });

  // the first rotation creates the bot's first key and starts it; the measured window begins after
  await rotate();
  const perSecond: number[] = [];
  let lastCount = botTraffic().ok + botTraffic().refused;
  const sampler = setInterval(() => {
    const now = botTraffic().ok + botTraffic().refused;
    perSecond.push(now - lastCount);
    lastCount = now;
  }, 1000);

  const before = botTraffic();
  const windowStart = Date.now();
  let oldAlive = 0;
  let callsPerRotation = 6;
  const spent: Array<{ minute: number; weight: number }> = [];
  try {
    for (let i = 1; i <= ROTATIONS; i++) {
      if (Date.now() - started > DEADLINE_MS) throw new Error(`deadline: ${i - 1} rotations in ${DEADLINE_MS}ms`);
      // pace to Binance's UID limit: never start a rotation the minute's budget cannot finish
      const minute = Math.floor(Date.now() / 60_000);
      const used = spent.filter((e) => e.minute === minute).reduce((sum, e) => sum + e.weight, 0);
      if (used + callsPerRotation * MANAGEMENT_WEIGHT > UID_LIMIT) await sleep((minute + 1) * 60_000 - Date.now() + 50);
      const calls = managementCalls();
      await rotate();
      const made = managementCalls() - calls;
      callsPerRotation = Math.max(made, 1);
      spent.push({ minute: Math.floor(Date.now() / 60_000), weight: made * MANAGEMENT_WEIGHT });

      // the previous key is still good during the overlap: a signed read with it, right after cutover
      const store = await openStore(storeConfig, { baseDir: dir, env });
      const previous = await store.previous(ref);
      await store.close();
      if (previous?.material.apiKey && previous.material.secret) {
        const client = new BinanceClient({
          baseUrl: sandbox.url,
          apiKey: previous.material.apiKey,
          signer: hmacSigner(previous.material.secret),
          recvWindowMs: 5000,
          timeoutMs: 5000,
          maxRetryWaitMs: 0,
          logger: silentLogger,
        });
        if (
          await client.call('GET', '/api/v3/account', {}).then(
            () => true,
            () => false,
          )
        )
          oldAlive++;
      }
      process.stderr.write(`rotation ${i}/${ROTATIONS} done (${made} management calls)\n`);
    }
    await sleep(1000);
  } finally {
    clearInterval(sampler);
    await execa('node', [BOT, 'stop', '--name', 'bench-bot'], { cwd: dir, reject: false });
  }
  const windowMs = Date.now() - windowStart;
  const after = botTraffic();
  const lines = (await readFile(statsFile, 'utf8').catch(() => ''))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { requests: number; failed: number });
  const bot = lines.reduce((sum, l) => ({ requests: sum.requests + l.requests, failed: sum.failed + l.failed }), {
    requests: 0,
    failed: 0,
  });
  const liveKeys = (await (await fetch(`${sandbox.url}/__sandbox/keys?account=${encodeURIComponent(SUB)}`)).json()) as unknown[];
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });

  const full = perSecond.slice(1, -1);
  const made = after.ok + after.refused - before.ok - before.refused;
  const result = {
    rotations: ROTATIONS,
    targetRate: RATE,
    windowSeconds: +(windowMs / 1000).toFixed(1),
    // the bot's own count, every process it ran as (one per restart), first to last
    botProcesses: lines.length,
    botRequests: bot.requests,
    botFailed: bot.failed,
    // the exchange's view during the rotations; its refusals are keyturn's isDead probes of
    // each deleted key (-2015 proves it dead), not the bot's: botFailed counts those
    exchangeRequestsInWindow: made,
    averageRatePerSecond: +(made / (windowMs / 1000)).toFixed(1),
    slowestFullSecond: Math.min(...full),
    exchangeRefusedInWindow: after.refused - before.refused,
    previousKeyWorkedAfterCutover: `${oldAlive}/${ROTATIONS}`,
    keysLeftOnSubAccount: liveKeys.length,
    wallSeconds: +((Date.now() - started) / 1000).toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.botFailed > 0) process.exitCode = 1;
}

await main();

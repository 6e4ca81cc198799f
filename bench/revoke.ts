/**
 * npm run bench:revoke — a leak of 30 sub-account keys, on loopback only.
 *
 * An in-process exchange sandbox with KEYS sub-account keys (spread over SUBS sub-accounts,
 * bound to 127.0.0.1, created by `keyturn rotate --all`); then the built CLI runs
 * `keyturn revoke --all --reason … --yes --json`. A watcher inside this process asks the
 * exchange's own state every 2 ms whether each old key still exists, so "refused" is the
 * exchange's view, not keyturn's; at the end every old key is also tried on the wire (-2015)
 * and every new one must work. Reported: seconds from launching the command until all old
 * keys were refused (target ≤ 3 s), keyturn's own figures from its JSON (all dead, run
 * ended), until every key was replaced, and the UID weight the run spent (Binance allows
 * 180000 a minute: 30 deletes and 30 creates are exactly that, so nothing else may list).
 *
 *   BENCH_KEYS=30 BENCH_SUBS=6 npm run bench:revoke
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { startSandbox } from '../scripts/sandbox/server.js';
import { openStore } from '../src/stores/registry.js';
import { BinanceClient } from '../src/issuers/binance/client.js';
import { hmacSigner } from '../src/issuers/binance/signing.js';
import { silentLogger } from '../src/log/logger.js';
import { exchangeConfigHead } from '../test/binance/wire.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 30);
const SUBS = Number(process.env.BENCH_SUBS ?? 6);
const CLI = path.resolve('dist/src/cli/main.js');
const TARGET_S = 3;

const subOf = (i: number) => `desk${i % SUBS}@sub.sandbox.test`;
const idOf = (i: number) => `bot-${String(i).padStart(2, '0')}`;

function rotationYaml(url: string): string {
  const keys = Array.from(
    { length: KEYS },
    (_, i) => `  - id: ${idOf(i)}
    purpose: strategy ${i}
    issuer: exchange
    path: trading/${idOf(i)}
    period: 30d
    tier: high-frequency
    holders: [alice]
    spec: { email: ${subOf(i)} }
    restrictions: { permissions: [reading, spot], ipWhitelist: [127.0.0.1], account: sub }
`,
  ).join('');
  return `${exchangeConfigHead(url, { concurrency: 16 })}people:
  alice: { name: Alice }
keys:
${keys}`;
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ host: '127.0.0.1' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-bench-revoke-'));
  const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'bench' };
  try {
    const subs = Array.from({ length: Math.min(SUBS, KEYS) }, (_, i) => subOf(i));
    const setup = (await (
      await fetch(`${sandbox.url}/__sandbox/setup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ master: 'desk@sandbox.test', subAccounts: subs }),
      })
    ).json()) as { apiKey: string; secretKey: string };
    await writeFile(path.join(dir, 'rotation.yaml'), rotationYaml(sandbox.url));
    const storeConfig = { name: 'local', type: 'file', options: { path: 'store.enc' } };
    const s = await openStore(storeConfig, { baseDir: dir, env });
    const mref = { store: 'local', path: 'exchange/management', key: 'exchange:management' };
    await s.stage(mref, 'bootstrap', { keyId: 'management', material: { apiKey: setup.apiKey, secret: setup.secretKey } });
    await s.promote(mref, 'bootstrap');
    await s.close();

    const cli = (args: string[]) => execa('node', [CLI, ...args], { cwd: dir, env, reject: false, stdin: 'ignore' });
    const first = await cli(['rotate', '--all', '--yes', '--concurrency', '30', '--log-level', 'warn']);
    if (first.exitCode !== 0) throw new Error(`setup rotate exited ${first.exitCode}: ${String(first.stderr).slice(-1500)}`);
    // the setup's 30 creates were an earlier minute's spending at Binance
    sandbox.resetWeights();

    const currents = async () => {
      const store = await openStore(storeConfig, { baseDir: dir, env });
      try {
        return await Promise.all(
          Array.from({ length: KEYS }, async (_, i) => {
            const v = (await store.current({ store: 'local', path: `trading/${idOf(i)}`, key: idOf(i) }))!;
            return { apiKey: v.material.apiKey!, secret: v.material.secret! };
          }),
        );
      } finally {
        await store.close();
      }
    };
    const old = await currents();
    const refusedAt = new Map<string, number>();
    const launched = performance.now();
    const watcher = setInterval(() => {
      const now = performance.now();
      for (const k of old) if (!refusedAt.has(k.apiKey) && !sandbox.state.key(k.apiKey)) refusedAt.set(k.apiKey, now - launched);
    }, 2);
    const management = () => sandbox.stats.byKey[setup.apiKey]?.ok ?? 0;
    const callsBefore = management();
    const run = await cli(['revoke', '--all', '--reason', 'bench: server breached', '--yes', '--json', '--log-level', 'warn']);
    const exitedAfterMs = performance.now() - launched;
    clearInterval(watcher);
    if (run.exitCode !== 0) throw new Error(`revoke exited ${run.exitCode}: ${String(run.stderr).slice(-2000)}`);
    const report = JSON.parse(String(run.stdout)) as { allDeadAfterMs: number; doneAfterMs: number; results: Array<{ outcome: string }> };

    // on the wire: every old key refused, every new key working
    const call = (k: { apiKey: string; secret: string }) =>
      new BinanceClient({
        baseUrl: sandbox.url,
        apiKey: k.apiKey,
        signer: hmacSigner(k.secret),
        recvWindowMs: 5000,
        timeoutMs: 5000,
        maxRetryWaitMs: 0,
        logger: silentLogger,
      })
        .call('GET', '/sapi/v1/account/apiRestrictions')
        .then(
          () => 'ok',
          (e: { code?: number }) => String(e.code),
        );
    const oldAnswers = await Promise.all(old.map(call));
    const fresh = await currents();
    const newAnswers = await Promise.all(fresh.map(call));
    const allRefusedS = Math.max(...old.map((k) => refusedAt.get(k.apiKey) ?? Number.POSITIVE_INFINITY)) / 1000;
    const firstRefusedS = Math.min(...old.map((k) => refusedAt.get(k.apiKey) ?? Number.POSITIVE_INFINITY)) / 1000;
    const result = {
      keys: KEYS,
      subAccounts: subs.length,
      secondsFromLaunchUntilFirstOldKeyRefused: +firstRefusedS.toFixed(2),
      secondsFromLaunchUntilAllOldKeysRefused: +allRefusedS.toFixed(2),
      targetSeconds: TARGET_S,
      withinTarget: allRefusedS <= TARGET_S,
      keyturnAllDeadSeconds: +(report.allDeadAfterMs / 1000).toFixed(2),
      keyturnRunSeconds: +(report.doneAfterMs / 1000).toFixed(2),
      secondsFromLaunchUntilAllReplaced: +(exitedAfterMs / 1000).toFixed(2),
      replaced: report.results.filter((r) => r.outcome === 'completed').length,
      oldKeysRefusedOnTheWire: oldAnswers.filter((a) => a === '-2015').length,
      newKeysWorking: newAnswers.filter((a) => a === 'ok').length,
      managementCalls: management() - callsBefore,
      uidWeightSpent: (management() - callsBefore) * 3000,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (!result.withinTarget || result.replaced !== KEYS || result.oldKeysRefusedOnTheWire !== KEYS || result.newKeysWorking !== KEYS) {
      process.exitCode = 1;
    }
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();

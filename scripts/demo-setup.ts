/**
 * What `npm start` needs before keyturn runs, done only when missing (run it any number of
 * times): the exchange sandbox listening where rotation.yaml's binance issuers point (started
 * in the background on its fixed loopback port, with its state in .keyturn/ so the exchange
 * outlives it, and --idle-exit so it does not outlive the demo), the master account with the
 * sub-accounts the keys name, and the master's management key in the store the issuer reads
 * it from. The key's value goes from the sandbox to the store, never into rotation.yaml,
 * argv or the output.
 *
 *   node dist/scripts/demo-setup.js [--config rotation.yaml]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import { openStore } from '../src/stores/registry.js';
import { DEMO_DIR, log, startDetached } from './demo/instance.js';

const MASTER = 'desk@sandbox.test';
const STATE_FILE = path.join('.keyturn', 'exchange-sandbox.json');
const IDLE_EXIT = '3m';
const SANDBOX = fileURLToPath(new URL('./exchange-sandbox.js', import.meta.url));

function fail(message: string): never {
  process.stderr.write(`demo-setup: ${message}\n`);
  process.exit(2);
}

interface Exchange {
  issuer: string;
  baseUrl: URL;
  managementKey: { store: string; path: string };
  subAccounts: string[];
}

/** The binance issuers that point at a loopback sandbox, with the sub-accounts their keys use. */
function exchangesOf(config: Config): Exchange[] {
  return Object.values(config.issuers)
    .filter((issuer) => issuer.type === 'binance')
    .map((issuer) => {
      const baseUrl = new URL(String(issuer.options.baseUrl));
      if (!/^127\.\d+\.\d+\.\d+$/.test(baseUrl.hostname))
        fail(`issuer ${issuer.name}: the demo runs against the sandbox on a loopback address, not ${baseUrl.origin}`);
      const emails = config.keys.filter((k) => k.issuer === issuer.name).map((k) => String(k.spec.email));
      return {
        issuer: issuer.name,
        baseUrl,
        managementKey: issuer.options.managementKey as Exchange['managementKey'],
        subAccounts: [...new Set(emails)],
      };
    });
}

/** 'sandbox' when our sandbox answers, 'down' when nothing listens, 'other' when something else does. */
async function probe(base: URL): Promise<'sandbox' | 'down' | 'other'> {
  try {
    const res = await fetch(new URL('/__sandbox/stats', base), { signal: AbortSignal.timeout(2000) });
    return res.ok && typeof ((await res.json()) as { requests?: unknown }).requests === 'number' ? 'sandbox' : 'other';
  } catch (error) {
    return (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED' ? 'down' : 'other';
  }
}

async function ensureSandbox(base: URL): Promise<'reused' | 'started'> {
  const found = await probe(base);
  if (found === 'sandbox') return 'reused';
  if (found === 'other')
    fail(`something other than the exchange sandbox answers on ${base.origin}; stop it or change baseUrl in rotation.yaml`);
  const pid = startDetached('exchange-sandbox', SANDBOX, [
    '--host',
    base.hostname,
    '--port',
    base.port,
    '--state',
    STATE_FILE,
    '--idle-exit',
    IDLE_EXIT,
    '--name',
    'exchange-sandbox',
  ]);
  log('exchange-sandbox', `demo-setup: started the sandbox (pid ${pid}) on ${base.origin}`);
  for (const until = Date.now() + 10_000; Date.now() < until;) {
    if ((await probe(base)) === 'sandbox') return 'started';
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fail(`the sandbox did not come up on ${base.origin}; see ${path.join(DEMO_DIR, 'exchange-sandbox.log')}`);
}

async function setupAccounts(exchange: Exchange): Promise<{ apiKey: string; secretKey: string }> {
  const res = await fetch(new URL('/__sandbox/setup', exchange.baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // the management key itself is bound to this machine, as it should be at Binance
    body: JSON.stringify({ master: MASTER, subAccounts: exchange.subAccounts, ipList: ['127.0.0.1'] }),
  });
  if (!res.ok) fail(`the sandbox refused the account setup (HTTP ${res.status})`);
  return (await res.json()) as { apiKey: string; secretKey: string };
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--config');
  const { config } = await loadConfig(at >= 0 ? process.argv[at + 1]! : 'rotation.yaml', { env: process.env });
  for (const exchange of exchangesOf(config)) {
    const sandbox = await ensureSandbox(exchange.baseUrl);
    const management = await setupAccounts(exchange);
    const storeConfig =
      config.stores[exchange.managementKey.store] ??
      fail(`issuer ${exchange.issuer}: store ${exchange.managementKey.store} is not declared`);
    const store = await openStore(storeConfig, { baseDir: config.dir, env: process.env });
    const ref = { store: storeConfig.name, path: exchange.managementKey.path, key: `${exchange.issuer}:management` };
    let stored = 'already in';
    try {
      // a new sandbox state (its file deleted) means a new management key: store that one
      if ((await store.current(ref))?.material.apiKey !== management.apiKey) {
        const rotationId = `demo-setup-${Date.now()}`;
        await store.stage(ref, rotationId, {
          keyId: `bn:${management.apiKey.slice(0, 8)}…${management.apiKey.slice(-4)}`,
          material: { apiKey: management.apiKey, secret: management.secretKey },
        });
        await store.promote(ref, rotationId);
        stored = 'stored in';
      }
    } finally {
      await store.close();
    }
    process.stdout.write(
      `demo-setup: exchange sandbox ${sandbox} at ${exchange.baseUrl.origin} (exits after ${IDLE_EXIT} idle); ` +
        `${exchange.subAccounts.length} sub-account(s); management key ${stored} ${storeConfig.name}:${exchange.managementKey.path}\n`,
    );
  }
}

await main();

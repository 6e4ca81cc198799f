/**
 * The demo's trading bot: calls a signed exchange endpoint continuously with the key keyturn
 * gave it, and says on /health whether that key works.
 *
 *   restart --name N --port P --base-url URL [--call order-test|account] [--rate 25]
 *           [--exit-after 15m] [--stats-file FILE]
 *       stop the running instance, start a detached `run` with this environment, exit 0
 *   run     (same options)   the bot itself
 *   stop    --name N
 *
 * The key arrives in the environment, as keyturn delivers it: BINANCE_API_KEY and
 * BINANCE_API_SECRET (or BINANCE_PRIVATE_KEY for Ed25519). Never printed, logged or served.
 * GET http://127.0.0.1:P/health → 200 {ok, name, keyId, requests, failed} once the last
 * signed call succeeded, else 503. The bot exits by itself after --exit-after, or when the
 * exchange has been unreachable for a minute, so a demo leaves nothing running for good; on
 * exit it appends its counts to --stats-file (one JSON line) for the benchmark.
 */
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { BinanceClient } from '../src/issuers/binance/client.js';
import { BinanceApiError } from '../src/issuers/binance/api-error.js';
import { signerFor } from '../src/issuers/binance/signing.js';
import { silentLogger } from '../src/log/logger.js';
import { durationMs, log, startDetached, stopInstance } from './demo/instance.js';

const SCRIPT = 'demo-bot.js';
const UNREACHABLE_EXIT_MS = 60_000;

interface Options {
  name: string;
  port?: number;
  baseUrl?: string;
  call: 'order-test' | 'account';
  rate: number;
  exitAfterMs: number;
  statsFile?: string;
  /** the flags as given, handed on from restart to run */
  args: string[];
}

function fail(message: string): never {
  process.stderr.write(`demo-bot: ${message}\n`);
  process.exit(2);
}

function parse(args: string[]): Options {
  const o: Options = { name: '', call: 'order-test', rate: 25, exitAfterMs: 15 * 60_000, args };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i]!, args[i + 1]];
    if (value === undefined) fail(`${flag} needs a value`);
    if (flag === '--name') o.name = /^[A-Za-z0-9_-]+$/.test(value) ? value : fail('--name must be letters, digits, _ -');
    else if (flag === '--port') o.port = Number(value);
    else if (flag === '--base-url') o.baseUrl = value;
    else if (flag === '--call')
      o.call = value === 'account' || value === 'order-test' ? value : fail('--call must be order-test or account');
    else if (flag === '--rate') o.rate = Number(value);
    else if (flag === '--exit-after') o.exitAfterMs = durationMs(value) ?? fail(`not a duration: ${value}`);
    else if (flag === '--stats-file') o.statsFile = value;
    else fail(`unknown option ${flag}`);
  }
  if (!o.name) fail('--name is required');
  if (o.port !== undefined && !(Number.isInteger(o.port) && o.port > 0 && o.port < 65536)) fail('--port must be 1-65535');
  if (!(o.rate > 0 && o.rate <= 200)) fail('--rate must be 1-200 requests a second');
  return o;
}

function loopbackUrl(raw: string | undefined): string {
  if (!raw) fail('--base-url is required');
  const url = new URL(raw);
  // the demo talks to the sandbox only: never a real exchange with a real key
  if (!/^127\.\d+\.\d+\.\d+$/.test(url.hostname)) fail('--base-url must be a loopback address (the sandbox)');
  return url.origin;
}

async function run(o: Options): Promise<void> {
  const baseUrl = loopbackUrl(o.baseUrl);
  if (o.port === undefined) fail('--port is required');
  const keyId = process.env.KEYTURN_KEY_ID ?? '(no key id)';
  const material = Object.fromEntries(
    (
      [
        ['apiKey', 'BINANCE_API_KEY'],
        ['secret', 'BINANCE_API_SECRET'],
        ['privateKey', 'BINANCE_PRIVATE_KEY'],
      ] as const
    )
      .filter(([, env]) => process.env[env])
      .map(([field, env]) => [field, process.env[env]!]),
  );
  const signer = signerFor(material);
  if (!material.apiKey || !signer) fail('no key in the environment (BINANCE_API_KEY and BINANCE_API_SECRET or BINANCE_PRIVATE_KEY)');
  const client = new BinanceClient({
    baseUrl,
    apiKey: material.apiKey,
    signer,
    recvWindowMs: 5000,
    timeoutMs: 5000,
    maxRetryWaitMs: 2000,
    logger: silentLogger,
  });

  const counts = { requests: 0, ok: 0, failed: 0, codes: {} as Record<string, number> };
  let lastOk = false;
  let lastReached = Date.now();
  let stopping = false;
  let finished = false;

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/health') return void res.writeHead(404).end();
    const body = { ok: lastOk, name: o.name, keyId, requests: counts.requests, failed: counts.failed };
    res.writeHead(lastOk ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  server.on('error', (error) => {
    log(o.name, `run: cannot listen on 127.0.0.1:${o.port}: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
    process.exit(1);
  });
  server.listen(o.port, '127.0.0.1');

  const once = async () => {
    counts.requests++;
    try {
      if (o.call === 'order-test') {
        await client.call('POST', '/api/v3/order/test', {
          symbol: 'BTCUSDT',
          side: 'BUY',
          type: 'LIMIT',
          timeInForce: 'GTC',
          quantity: '0.001',
          price: '20000',
        });
      } else {
        await client.call('GET', '/api/v3/account', { omitZeroBalances: true });
      }
      counts.ok++;
      lastOk = true;
      lastReached = Date.now();
    } catch (error) {
      counts.failed++;
      lastOk = false;
      const label = error instanceof BinanceApiError ? (error.status === 0 ? 'unreachable' : String(error.code ?? error.status)) : 'error';
      counts.codes[label] = (counts.codes[label] ?? 0) + 1;
      if (error instanceof BinanceApiError && error.status !== 0) lastReached = Date.now();
      // the first failure of a kind is worth a line; codes only (a Binance message never holds the key)
      if (counts.codes[label] === 1) log(o.name, `run: a signed call failed with ${label}`);
    }
  };

  const finish = async (why: string) => {
    if (finished) return;
    finished = true;
    log(o.name, `run: exiting (${why}) after ${counts.requests} requests, ${counts.failed} failed, key ${keyId}`);
    if (o.statsFile) fs.appendFileSync(o.statsFile, `${JSON.stringify({ name: o.name, keyId, pid: process.pid, ...counts })}\n`);
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', () => void (stopping = true));
  process.on('SIGINT', () => void (stopping = true));
  setTimeout(() => void finish(`--exit-after ${o.exitAfterMs}ms`), o.exitAfterMs).unref();
  log(o.name, `run: calling ${o.call} at ${o.rate}/s on ${baseUrl} with key ${keyId}; health on 127.0.0.1:${o.port}`);

  // sequential calls at a steady pace: a call in flight is always finished before exit
  const interval = 1000 / o.rate;
  let next = Date.now();
  while (!stopping) {
    await once();
    if (Date.now() - lastReached > UNREACHABLE_EXIT_MS) break;
    next += interval;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    else next = Date.now();
  }
  await finish(stopping ? 'signal' : 'the exchange is unreachable');
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const o = parse(rest);
  switch (command) {
    case 'restart': {
      if (await stopInstance(o.name, SCRIPT)) log(o.name, 'restart: stopped the previous instance');
      const pid = startDetached(o.name, fileURLToPath(import.meta.url), ['run', ...o.args]);
      log(o.name, `restart: started pid ${pid} with key ${process.env.KEYTURN_KEY_ID ?? '(no key id)'}`);
      process.stdout.write(`demo-bot ${o.name}: restarted (pid ${pid})\n`);
      return;
    }
    case 'run':
      return run(o);
    case 'stop': {
      const stopped = await stopInstance(o.name, SCRIPT);
      process.stdout.write(`demo-bot ${o.name}: ${stopped ? 'stopped' : 'was not running'}\n`);
      return;
    }
    default:
      fail('usage: demo-bot restart|run|stop --name N [--port P --base-url URL …]');
  }
}

await main();

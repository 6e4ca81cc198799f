/**
 * A Binance-compatible exchange for keyturn's tests and demo, on a loopback address.
 *
 *   node dist/scripts/exchange-sandbox.js [--host 127.0.0.1] [--port 0] [--state FILE]
 *        [--url-file FILE] [--exit-after 10m] [--idle-exit 2m] [--uid-weight-limit N]
 *
 * Prints `listening URL` on stdout (and writes the URL to --url-file) once it accepts
 * requests. --exit-after stops it after a fixed time, --idle-exit once no request arrived
 * for that long: either way a demo never leaves it running.
 */
import { writeFileSync } from 'node:fs';
import { startSandbox } from './sandbox/server.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function durationMs(text: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(text);
  if (!match) {
    process.stderr.write(`exchange-sandbox: not a duration: ${text} (e.g. 500ms, 30s, 10m)\n`);
    process.exit(2);
  }
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[(match[2] ?? 'ms') as 'ms' | 's' | 'm'];
}

const host = option('--host') ?? '127.0.0.1';
if (!/^127\.\d+\.\d+\.\d+$/.test(host)) {
  process.stderr.write('exchange-sandbox: --host must be a loopback address (127.0.0.0/8)\n');
  process.exit(2);
}
const exitAfter = option('--exit-after');
const idleExit = option('--idle-exit');
const sandbox = await startSandbox({
  host,
  port: Number(option('--port') ?? 0),
  stateFile: option('--state'),
  uidWeightLimit: option('--uid-weight-limit') ? Number(option('--uid-weight-limit')) : undefined,
});
const urlFile = option('--url-file');
if (urlFile) writeFileSync(urlFile, sandbox.url);
process.stdout.write(`listening ${sandbox.url}\n`);
const stop = (why: string) => {
  process.stdout.write(`exchange-sandbox: stopping (${why})\n`);
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
if (exitAfter) setTimeout(() => stop(`--exit-after ${exitAfter}`), durationMs(exitAfter)).unref();
if (idleExit) {
  const idleMs = durationMs(idleExit);
  // polled rather than re-armed per request: the bot's 25 requests a second would churn timers
  setInterval(
    () => {
      if (Date.now() - sandbox.lastRequestAt >= idleMs) stop(`no request for ${idleExit}`);
    },
    Math.min(idleMs, 5000),
  ).unref();
}

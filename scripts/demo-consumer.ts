/**
 * A tiny stand-in for a service that uses a key, for keyturn's demo and tests.
 *
 *   restart --name N --port P [--secret-env VAR]… [--idle-exit 15m]
 *       stop the running instance, start a detached `serve` with this environment, exit 0
 *   serve   --name N --port P [--secret-env VAR]… [--idle-exit 15m]
 *       GET http://127.0.0.1:P/health → 200 {"ok":true,"name":N,"keyId":…} while it holds a key, else 503
 *   stop    --name N
 *
 * The key arrives in the environment, as keyturn delivers it. Which variables hold it:
 * every --secret-env VAR; else the names keyturn lists in KEYTURN_SECRET_ENV; else any
 * variable ending in _SECRET, _PASSWORD or _KEY (KEYTURN_* aside). The secret is never
 * printed, logged or served. State lives in .keyturn/demo/ under the working directory:
 * N.pid, N.log. `serve` exits by itself after --idle-exit without a request, so a demo
 * leaves nothing running for good.
 */
import fs from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { DEMO_DIR, durationMs, log, pidFile, startDetached, stopInstance } from './demo/instance.js';

const SCRIPT = 'demo-consumer.js';

interface Options {
  name: string;
  port?: number;
  secretEnv: string[];
  idleExitMs: number;
  /** flags to hand on from restart to serve */
  passOn: string[];
}

function parse(args: string[]): Options {
  const options: Options = { name: '', secretEnv: [], idleExitMs: 15 * 60_000, passOn: [] };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (value === undefined) fail(`${flag} needs a value`);
    i++;
    switch (flag) {
      case '--name':
        if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/.test(value)) fail(`--name must be letters, digits, . _ -`);
        options.name = value;
        break;
      case '--port': {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be 1-65535`);
        options.port = port;
        break;
      }
      case '--secret-env':
        options.secretEnv.push(value);
        options.passOn.push(flag, value);
        break;
      case '--idle-exit':
        options.idleExitMs = duration(value);
        options.passOn.push(flag, value);
        break;
      default:
        fail(`unknown option ${flag}`);
    }
  }
  if (!options.name) fail('--name is required');
  return options;
}

function duration(text: string): number {
  return durationMs(text) ?? fail(`not a duration: ${text} (e.g. 500ms, 30s, 15m)`);
}

function fail(message: string): never {
  process.stderr.write(`demo-consumer: ${message}\n`);
  process.exit(2);
}

async function restart(options: Options): Promise<void> {
  if (options.port === undefined) fail('--port is required');
  const name = options.name;
  if (await stopInstance(name, SCRIPT)) log(name, 'restart: stopped the previous instance');
  const pid = startDetached(name, fileURLToPath(import.meta.url), [
    'serve',
    '--name',
    name,
    '--port',
    String(options.port),
    ...options.passOn,
  ]);
  log(name, `restart: started serve pid ${pid} with key ${process.env.KEYTURN_KEY_ID ?? '(no key id)'}`);
  process.stdout.write(`demo-consumer ${name}: restarted (pid ${pid})\n`);
}

function secretNames(options: Options): { names: string[]; all: boolean } {
  if (options.secretEnv.length > 0) return { names: options.secretEnv, all: true };
  const listed = (process.env.KEYTURN_SECRET_ENV ?? '').split(',').filter(Boolean);
  if (listed.length > 0) return { names: listed, all: true };
  const guessed = Object.keys(process.env).filter((key) => /_(SECRET|PASSWORD|KEY)$/.test(key) && !key.startsWith('KEYTURN_'));
  return { names: guessed, all: false };
}

function serve(options: Options): void {
  if (options.port === undefined) fail('--port is required');
  const { name } = options;
  const keyId = process.env.KEYTURN_KEY_ID ?? '';
  const { names, all } = secretNames(options);
  const held = names.filter((envName) => (process.env[envName] ?? '') !== '');
  const healthy = keyId !== '' && held.length > 0 && (!all || held.length === names.length);

  let idle: NodeJS.Timeout | undefined;
  const server = http.createServer((request, response) => {
    armIdle();
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (request.method !== 'GET' || url.pathname !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"ok":false}');
      return;
    }
    const body = healthy ? { ok: true, name, keyId } : { ok: false, name, reason: 'no key in the environment' };
    response.writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const shutdown = (why: string) => {
    clearTimeout(idle);
    log(name, `serve: exiting (${why})`);
    try {
      if (fs.readFileSync(pidFile(name), 'utf8').trim() === String(process.pid)) fs.rmSync(pidFile(name));
    } catch {
      // no pid file: nothing to clean
    }
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  function armIdle() {
    clearTimeout(idle);
    idle = setTimeout(() => shutdown(`idle for ${options.idleExitMs}ms`), options.idleExitMs);
  }
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  server.on('error', (error) => {
    log(name, `serve: cannot listen on 127.0.0.1:${options.port}: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
    process.exit(1);
  });
  server.listen(options.port, '127.0.0.1', () => {
    fs.mkdirSync(DEMO_DIR, { recursive: true });
    fs.writeFileSync(pidFile(name), `${process.pid}\n`);
    armIdle();
    // names and the key id only: the values stay in the environment
    log(
      name,
      `serve: listening on 127.0.0.1:${options.port}, key ${keyId || '(none)'}, secret in ${held.join(', ') || '(none)'}, ${healthy ? 'healthy' : 'unhealthy'}`,
    );
  });
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  const options = parse(rest);
  switch (command) {
    case 'restart':
      return restart(options);
    case 'serve':
      return serve(options);
    case 'stop': {
      const stopped = await stopInstance(options.name, SCRIPT);
      if (stopped) log(options.name, 'stop: stopped');
      process.stdout.write(`demo-consumer ${options.name}: ${stopped ? 'stopped' : 'was not running'}\n`);
      return;
    }
    default:
      fail('usage: demo-consumer restart|serve|stop --name N [--port P] [--secret-env VAR]… [--idle-exit 15m]');
  }
}

await main();

/**
 * A consumer of a keyturn-rotated PostgreSQL credential: a small service holding a `pg` pool,
 * which reads its credential from keyturn's file store and, on SIGHUP, reads it again, opens
 * a new pool, checks it, swaps it in and drains the old one, so no query fails at the switch.
 *
 *   node dist/scripts/postgres-demo-consumer.js serve --store STORE_FILE --path db/orders --state DIR
 *        [--rate 250] [--pool 10] [--max-uses 0]
 *   node dist/scripts/postgres-demo-consumer.js reload --state DIR [--timeout-ms 30000]
 *
 * serve needs KEYTURN_MASTER_KEY (or master.key beside the store file), like keyturn. It runs
 * `--rate` queries a second (0: none, it only holds the pool), records each second's count,
 * failures and slowest query, and on SIGTERM writes DIR/stats.json and exits. DIR/state.json
 * says which key id it runs with. `reload` (keyturn's restart command for this consumer) sends
 * SIGHUP and waits until the service runs with KEYTURN_KEY_ID (set by keyturn), or with a key
 * id other than before when run by hand. Neither prints a password or takes one in argv.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { openStore } from '../src/stores/registry.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    path: { type: 'string' },
    state: { type: 'string' },
    rate: { type: 'string', default: '250' },
    pool: { type: 'string', default: '10' },
    'max-uses': { type: 'string', default: '0' },
    'timeout-ms': { type: 'string', default: '30000' },
  },
});

interface Second {
  ok: number;
  failed: number;
  slowestMs: number;
}

export interface DemoStats {
  queries: number;
  failed: number;
  /** connections the pool could not open (e.g. refused with an old password) */
  connectFailed: number;
  connectionsOpened: number;
  switches: number;
  seconds: Second[];
  errors: Record<string, number>;
}

const stateDir = values.state;
if (!stateDir) {
  process.stderr.write('--state DIR is required\n');
  process.exit(2);
}
const statePath = path.join(stateDir, 'state.json');
const readState = (): { keyId?: string; pid?: number } => (existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {});
/** state.json is replaced whole (rename), so `reload` never reads half of it */
const saveState = (value: object): void => {
  writeFileSync(`${statePath}.tmp`, JSON.stringify(value));
  renameSync(`${statePath}.tmp`, statePath);
};

if (positionals[0] === 'reload') {
  const before = readState();
  const pid = before.pid;
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!pid || !alive(pid)) {
    // nothing to reload: the service reads the store's CURRENT when it starts
    process.stderr.write('the service is not running: it will read the new credential when it starts\n');
    process.exit(0);
  }
  const want = process.env.KEYTURN_KEY_ID;
  process.kill(pid, 'SIGHUP');
  const deadline = Date.now() + Number(values['timeout-ms']);
  for (;;) {
    const now = readState();
    if (want ? now.keyId === want : now.keyId !== before.keyId) break;
    if (Date.now() > deadline) {
      process.stderr.write(`the service did not switch to ${want ?? 'a new key'} in time\n`);
      process.exit(1);
    }
    await sleep(20);
  }
  process.exit(0);
}

if (positionals[0] !== 'serve' || !values.store || !values.path) {
  process.stderr.write('usage: serve --store FILE --path PATH --state DIR | reload --state DIR\n');
  process.exit(2);
}

const storeFile = values.store;
const secretPath = values.path;
const poolSize = Number(values.pool);
const maxUses = Number(values['max-uses']);
const rate = Number(values.rate);
const stats: DemoStats = { queries: 0, failed: 0, connectFailed: 0, connectionsOpened: 0, switches: 0, seconds: [], errors: {} };
const started = Date.now();
const second = (): Second => {
  const index = Math.floor((Date.now() - started) / 1000);
  while (stats.seconds.length <= index) stats.seconds.push({ ok: 0, failed: 0, slowestMs: 0 });
  return stats.seconds[index]!;
};

async function readCredential(): Promise<{ keyId: string; material: Record<string, string> }> {
  const store = await openStore(
    { name: 'demo', type: 'file', options: { path: path.basename(storeFile) } },
    { baseDir: path.dirname(path.resolve(storeFile)), env: process.env },
  );
  try {
    const current = await store.current({ store: 'demo', path: secretPath, key: secretPath });
    if (!current) throw new Error(`no CURRENT version at ${secretPath}`);
    return { keyId: current.keyId, material: current.material };
  } finally {
    await store.close();
  }
}

function openPool(material: Record<string, string>): pg.Pool {
  const pool = new pg.Pool({
    host: material.host,
    port: Number(material.port),
    database: material.database,
    user: material.username,
    password: material.password,
    max: poolSize,
    ...(maxUses > 0 ? { maxUses } : {}),
    idleTimeoutMillis: 30_000,
  });
  pool.on('connect', () => stats.connectionsOpened++);
  pool.on('error', () => undefined);
  return pool;
}

let current = await readCredential();
let pool = openPool(current.material);
const writeState = (): void => saveState({ keyId: current.keyId, pid: process.pid });
writeState();

let switching: Promise<void> | undefined;
async function reload(): Promise<void> {
  const next = await readCredential();
  if (next.keyId === current.keyId) {
    writeState();
    return;
  }
  const fresh = openPool(next.material);
  // the new pool must work before it takes traffic: keyturn verified the key, the service checks its own path to it
  for (let attempt = 1; ; attempt++) {
    try {
      await fresh.query('SELECT 1');
      break;
    } catch (error) {
      if (attempt >= 50) {
        await fresh.end().catch(() => undefined);
        throw error;
      }
      await sleep(100);
    }
  }
  const old = pool;
  pool = fresh;
  current = next;
  stats.switches++;
  writeState();
  // queries already running or queued on the old pool finish first (pg-pool's end() would leave
  // queued ones unanswered); then its connections close
  const drainBy = Date.now() + 10_000;
  while ((old.waitingCount > 0 || old.idleCount < old.totalCount) && Date.now() < drainBy) await sleep(10);
  await old.end().catch(() => undefined);
}
process.on('SIGHUP', () => {
  switching = (switching ?? Promise.resolve()).then(reload).catch((error: unknown) => {
    process.stderr.write(`reload failed: ${(error as { code?: string }).code ?? 'error'}\n`);
  });
});

const inflight = new Set<Promise<void>>();
let running = true;
function oneQuery(): void {
  const t0 = performance.now();
  const work = pool
    .query('SELECT count(*) FROM orders')
    .then(() => {
      stats.queries++;
      const s = second();
      s.ok++;
      s.slowestMs = Math.max(s.slowestMs, performance.now() - t0);
    })
    .catch((error: { code?: string; message?: string }) => {
      stats.queries++;
      stats.failed++;
      second().failed++;
      const code = error.code ?? 'no-code';
      stats.errors[code] = (stats.errors[code] ?? 0) + 1;
      if (code === '28P01' || code === '28000') stats.connectFailed++;
    });
  inflight.add(work);
  void work.finally(() => inflight.delete(work));
}

// paced by the clock, not by the timer: a late tick sends what is owed, so the rate holds under load
let issued = 0;
const timer =
  rate > 0
    ? setInterval(() => {
        if (!running) return;
        const owed = Math.floor(((Date.now() - started) * rate) / 1000) - issued;
        for (let i = 0; i < owed; i++, issued++) oneQuery();
      }, 5)
    : undefined;

process.on('SIGTERM', () => {
  running = false;
  if (timer) clearInterval(timer);
  void (async () => {
    // a timer keeps the process alive while it waits: a promise alone would let it exit early
    await Promise.race([Promise.allSettled([...inflight]), sleep(10_000)]);
    if (inflight.size) {
      stats.failed += inflight.size;
      stats.errors['no-answer'] = inflight.size;
    }
    await Promise.race([switching, sleep(10_000)]);
    await Promise.race([pool.end().catch(() => undefined), sleep(5_000)]);
    writeFileSync(path.join(stateDir, 'stats.json'), JSON.stringify(stats));
    process.exit(0);
  })();
});

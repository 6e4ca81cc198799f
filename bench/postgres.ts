/**
 * npm run bench:postgres — queries through password rotations, against a real PostgreSQL.
 *
 * A throwaway cluster (scripts/postgres-cluster.ts); the demo consumer
 * (scripts/postgres-demo-consumer.ts, a real process) runs RATE queries a second over a pool
 * of POOL connections with the credential it reads from keyturn's store; the built CLI rotates
 * the key ROTATIONS times, reloading the consumer (SIGHUP: new pool, checked, swapped, old one
 * drained). Two runs:
 *
 * - alternating, with an overlap window (each rotation first retires the role superseded by
 *   the one before, then sets the other): target 0 failed queries;
 * - single, ALTER ROLE in place, the pool recycling each connection after MAX_USES queries so
 *   that new connections are made during the switch: how many new connections are refused.
 *
 * Reported for each: queries run and failed, connections refused, the slowest second (fewest
 * queries done, and the slowest query), rotation wall time (mean, max).
 *
 *   BENCH_ROTATIONS=20 BENCH_RATE=250 BENCH_POOL=10 npm run bench:postgres
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { setUpRoles, startCluster, type PgCluster } from '../scripts/postgres-cluster.js';
import type { DemoStats } from '../scripts/postgres-demo-consumer.js';

const ROTATIONS = Number(process.env.BENCH_ROTATIONS ?? 20);
const RATE = Number(process.env.BENCH_RATE ?? 250);
const POOL = Number(process.env.BENCH_POOL ?? 10);
const MAX_USES = Number(process.env.BENCH_MAX_USES ?? 50);
const CLI = path.resolve('dist/src/cli/main.js');
const DEMO = path.resolve('dist/scripts/postgres-demo-consumer.js');
const ADMIN = { username: 'keyturn_admin', password: randomBytes(18).toString('base64url') };

interface Result {
  strategy: string;
  rotations: number;
  seconds: number;
  queries: number;
  failed: number;
  connectFailed: number;
  connectionsOpened: number;
  switches: number;
  slowestSecond: { index: number; ok: number; failed: number };
  slowestQueryMs: number;
  rotationMs: { mean: number; max: number };
  errors: Record<string, number>;
}

function yamlFor(cluster: PgCluster, dir: string, spec: string, overlap: string): string {
  return `version: 1
defaults: { store: local, leaseTtl: 2m }
stores:
  local: { type: file, path: store.enc }
issuers:
  db:
    type: postgres
    host: ${cluster.host}
    port: ${cluster.port}
    database: appdb
    sslmode: disable
    admin: { store: local, path: admin/postgres }
people:
  ops: { name: Ops }
keys:
  - id: orders-db
    purpose: orders service database login
    issuer: db
    path: db/orders
    period: 30d
    overlap: ${overlap}
    holders: [ops]
    spec: ${spec}
    consumers:
      - name: orders
        restart: { command: [node, ${JSON.stringify(DEMO)}, reload, --state, ${JSON.stringify(dir)}] }
`;
}

async function run(cluster: PgCluster, strategy: 'alternating' | 'single'): Promise<Result> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `keyturn-bench-pg-${strategy}-`));
  const env = { ...process.env, KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'bench' };
  const spec =
    strategy === 'alternating' ? '{ strategy: alternating, roles: [app_blue, app_green] }' : '{ strategy: single, role: app_single }';
  await writeFile(path.join(dir, 'rotation.yaml'), yamlFor(cluster, dir, spec, strategy === 'alternating' ? '1h' : '0s'));
  const keyturn = async (args: string[], input?: string) => {
    const r = await execa('node', [CLI, ...args], { cwd: dir, env, reject: false, ...(input ? { input } : { stdin: 'ignore' as const }) });
    if (r.exitCode !== 0) throw new Error(`keyturn ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  };
  await keyturn(['store', 'put', 'local', 'admin/postgres'], JSON.stringify(ADMIN));
  // the first rotation puts a keyturn credential in the store before the service starts
  await keyturn(['rotate', 'orders-db', '--yes']);
  const service = execa(
    'node',
    [
      DEMO,
      'serve',
      '--store',
      path.join(dir, 'store.enc'),
      '--path',
      'db/orders',
      '--state',
      dir,
      '--rate',
      String(RATE),
      '--pool',
      String(POOL),
      '--max-uses',
      String(strategy === 'single' ? MAX_USES : 0),
    ],
    { env, reject: false, stdin: 'ignore', forceKillAfterDelay: 60_000 },
  );
  try {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const durations: number[] = [];
    for (let i = 0; i < ROTATIONS; i++) {
      const t0 = performance.now();
      await keyturn(['rotate', 'orders-db', '--yes', '--force']);
      durations.push(performance.now() - t0);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    service.kill('SIGTERM');
    const ended = await service;
    if (ended.exitCode !== 0 || process.env.BENCH_DEBUG) {
      process.stderr.write(`demo service: exit ${ended.exitCode ?? ended.signal}\n${ended.stderr}\n${ended.stdout}\n`);
    }
    const stats = JSON.parse(await readFile(path.join(dir, 'stats.json'), 'utf8')) as DemoStats;
    // the first and last seconds are partial: judge the slowest among the whole ones
    const whole = stats.seconds.slice(1, -1);
    let index = 0;
    whole.forEach((s, i) => {
      if (s.ok < whole[index]!.ok) index = i;
    });
    return {
      strategy,
      rotations: ROTATIONS,
      seconds: stats.seconds.length,
      queries: stats.queries,
      failed: stats.failed,
      connectFailed: stats.connectFailed,
      connectionsOpened: stats.connectionsOpened,
      switches: stats.switches,
      slowestSecond: { index: index + 1, ok: whole[index]?.ok ?? 0, failed: whole[index]?.failed ?? 0 },
      slowestQueryMs: Math.round(Math.max(0, ...stats.seconds.map((s) => s.slowestMs))),
      rotationMs: {
        mean: Math.round(durations.reduce((a, b) => a + b, 0) / durations.length),
        max: Math.round(Math.max(...durations)),
      },
      errors: stats.errors,
    };
  } finally {
    if (service.exitCode === null) service.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

const cluster = await startCluster({ settings: { log_statement: "'none'", log_connections: 'off' } });
try {
  await setUpRoles(cluster, { adminPassword: ADMIN.password });
  process.stdout.write(
    `PostgreSQL on ${cluster.host}:${cluster.port}; ${ROTATIONS} rotations per strategy, ${RATE} queries/s over ${POOL} pooled connections\n`,
  );
  const results: Result[] = [];
  for (const strategy of (process.env.BENCH_STRATEGIES ?? 'alternating,single').split(',') as Array<'alternating' | 'single'>) {
    const r = await run(cluster, strategy);
    results.push(r);
    process.stdout.write(
      `${strategy.padEnd(11)}  queries ${r.queries} in ${r.seconds}s (${Math.round(r.queries / r.seconds)}/s), failed ${r.failed}` +
        `, connections refused ${r.connectFailed} of ${r.connectionsOpened + r.connectFailed} opened` +
        `; slowest second #${r.slowestSecond.index}: ${r.slowestSecond.ok} ok, ${r.slowestSecond.failed} failed; slowest query ${r.slowestQueryMs} ms` +
        `; rotation ${r.rotationMs.mean} ms mean, ${r.rotationMs.max} ms max; pool switches ${r.switches}\n`,
    );
  }
  process.stdout.write(`${JSON.stringify(results)}\n`);
} finally {
  await cluster.stop();
}

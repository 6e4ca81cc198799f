/**
 * The fleet through its real surfaces: the built CLI's `enqueue` and `worker` processes, a
 * real PostgreSQL queue (pg-boss), the file store's history and the issuer's own records.
 */
import { expect } from 'chai';
import { startVaultProcess, type VaultProcess } from '../../bench/vault-process.js';
import { freePort } from '../../scripts/free-port.js';
import { processAlive } from '../support/pid.js';
import { Fleet, keyIds, type FleetKeys } from './fleet-workspace.js';
import type { HistoryEntry } from '../../src/model.js';

type Worker = ReturnType<Fleet['worker']>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `count` rotation jobs are completed in the queue (or the deadline passes), then read history. */
async function untilRotated(fleet: Fleet, count: number, deadlineMs: number): Promise<HistoryEntry[]> {
  const end = Date.now() + deadlineMs;
  while (((await fleet.jobStates()).completed ?? 0) < count && Date.now() < end) await sleep(500);
  return (await fleet.history()).filter((e) => e.outcome === 'completed');
}

async function stopAll(workers: Worker[]): Promise<Array<{ exitCode?: number; all?: string }>> {
  for (const w of workers) if (w.pid && processAlive(w.pid)) w.kill('SIGTERM');
  return Promise.all(workers.map((w) => w.then((r) => ({ exitCode: r.exitCode, all: String(r.all ?? '') }))));
}

/** Every key rotated exactly once: one completed history entry per key, one create at the issuer, that key alive. */
function expectExactlyOnce(fleet: Fleet, ids: string[], history: HistoryEntry[]): void {
  const orphans: string[] = [];
  const completed = history.filter((e) => e.outcome === 'completed');
  const perKey = new Map<string, HistoryEntry[]>();
  for (const e of completed) perKey.set(e.key, [...(perKey.get(e.key) ?? []), e]);
  const twice = [...perKey].filter(([, list]) => list.length !== 1).map(([k]) => k);
  expect(twice, 'keys rotated more than once').to.deep.equal([]);
  expect([...perKey.keys()].sort()).to.deep.equal([...ids].sort());
  const alive = fleet.alive();
  const creates = fleet.creates();
  for (const id of ids) {
    const entry = perKey.get(id)![0]!;
    // the issuer's records agree: the key history names is the one alive, and the only one alive for that key
    expect(alive.has(entry.newKeyId!), `${id}: ${entry.newKeyId} alive at the issuer`).to.equal(true);
    const made = creates.get(id) ?? [];
    // a worker killed between create and stage leaves an orphan, which the resumed rotation deletes
    expect(made, `${id}: creates at the issuer`).to.include(entry.newKeyId);
    if (made.length > 1) orphans.push(id);
    const stillAlive = made.filter((k) => alive.has(k));
    expect(stillAlive, `${id}: live keys at the issuer (no orphan)`).to.deep.equal([entry.newKeyId]);
  }
  expect(alive.size).to.equal(ids.length);
  // only the rotations the two killed workers held (4 lanes each) can have made a second key
  expect(orphans.length, `keys with a second create: ${orphans.join(', ')}`).to.be.at.most(8);
}

describe('fleet: keyturn worker on pg-boss (real PostgreSQL, real worker processes)', function () {
  this.timeout(240_000);
  let cluster: Awaited<ReturnType<typeof Fleet.startCluster>>;
  const fleets: Fleet[] = [];
  const workers: Worker[] = [];
  let vault: VaultProcess | undefined;

  before(async () => {
    cluster = await Fleet.startCluster();
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) if (w.pid && processAlive(w.pid)) w.kill('SIGKILL');
    for (const f of fleets.splice(0)) await f.cleanup();
  });
  after(async () => {
    vault?.stop();
    await cluster?.cluster.stop();
  });

  async function fleetOf(keys: FleetKeys): Promise<Fleet> {
    const fleet = await Fleet.create(cluster, keys);
    fleets.push(fleet);
    return fleet;
  }
  function start(fleet: Fleet, args: string[] = []): Worker {
    const w = fleet.worker(args);
    workers.push(w);
    return w;
  }

  // the store every worker shares: one host's file store, and Vault (its stand-in in its own process, as a server)
  for (const shared of ['file store', 'Vault stand-in'] as const) {
    it(`4 workers on 200 keys in the ${shared}, 2 of them killed (kill -9) mid-run: every key rotated exactly once, nothing stuck`, async () => {
      if (shared === 'Vault stand-in') vault ??= await startVaultProcess();
      const keys: FleetKeys = { plain: 200, expireAfter: '10s', ...(shared === 'Vault stand-in' ? { vault } : {}) };
      const fleet = await fleetOf(keys);
      const enqueued = await fleet.run(['enqueue', '--all']);
      expect(enqueued.exitCode, enqueued.stderr).to.equal(0);
      expect(enqueued.stdout).to.include('200 job(s) enqueued, 0 already waiting');
      // a second enqueue while they wait adds nothing: one job per key at a time
      const again = await fleet.run(['enqueue', '--all']);
      expect(again.stdout).to.include('0 job(s) enqueued, 200 already waiting');
      const four = [0, 1, 2, 3].map(() => start(fleet, ['--concurrency', '4', '--log-level', 'warn']));
      // let them get going, then kill two at different moments, each in the middle of rotations
      while (((await fleet.jobStates()).completed ?? 0) < 30) await sleep(300);
      four[0]!.kill('SIGKILL');
      while (((await fleet.jobStates()).completed ?? 0) < 60) await sleep(300);
      four[1]!.kill('SIGKILL');
      const done = await untilRotated(fleet, 200, 200_000);
      const ended = await stopAll(four.slice(2));
      for (const e of ended) expect(e.exitCode, e.all).to.equal(0);
      expect(await fleet.jobStates()).to.deep.equal({ completed: 200 });
      const history = await fleet.history();
      // an attempt that failed (the machine under load, a script cut short) rolled back cleanly and was retried
      expect(history.filter((e) => e.outcome !== 'completed' && e.outcome !== 'rolled-back')).to.deep.equal([]);
      expectExactlyOnce(fleet, keyIds(keys), history);
      // no journal or lease left behind: status shows no key in flight or locked
      const status = await fleet.run(['status', '--json']);
      expect(status.exitCode, status.stderr).to.equal(0);
      expect(status.stdout).to.not.match(/"(inFlight|lease)":\s*[{"]/);
      const pids = new Set(four.map((w) => `${w.pid}`));
      for (const e of done) expect(pids.has(e.worker!.id.split(':')[1]!), `${e.key} run by ${e.worker?.id}`).to.equal(true);
      // the work was shared, and the survivors finished what the killed ones held
      expect(new Set(done.map((e) => e.worker!.id)).size).to.be.greaterThan(2);
    });
  }

  it('zones: a zoned key is run only by a worker of its zone; a zone with no worker shows its queue waiting in /metrics', async () => {
    const keys = { plain: 6, zones: { eu: 4, us: 4, ap: 3 } };
    const fleet = await fleetOf(keys);
    expect((await fleet.run(['enqueue', '--all'])).exitCode).to.equal(0);
    const port = await freePort();
    const byZone = {
      '': start(fleet, ['--concurrency', '2', '--metrics-port', String(port)]),
      eu: start(fleet, ['--zone', 'eu', '--concurrency', '2']),
      us: start(fleet, ['--zone', 'us', '--concurrency', '2']),
    };
    const done = await untilRotated(fleet, 14, 90_000);
    const dead = Object.values(byZone).find((w) => w.exitCode !== undefined && w.exitCode !== null);
    if (dead) expect.fail(`a worker ended early: ${String((await dead).all)}`);
    // the depth gauges come from the worker's periodic queue probe: wait for the probe after the last job ended
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let metrics = await scrape();
    for (const end = Date.now() + 20_000; !/keyturn_queue_depth\{zone="eu"\} 0/.test(metrics) && Date.now() < end;) {
      await sleep(250);
      metrics = await scrape();
    }
    expect(metrics).to.match(/keyturn_queue_depth\{zone="ap"\} 3/);
    expect(metrics).to.match(/keyturn_queue_depth\{zone="eu"\} 0/);
    expect(metrics).to.match(/keyturn_rotations_total\{key="k1",outcome="completed"\} 1/);
    expect(metrics).to.match(/keyturn_rotation_duration_seconds_count\{outcome="completed"\} 6/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).to.equal(200);
    const status = await fleet.run(['status']);
    expect(status.stdout).to.match(/ap\s+3 waiting/);
    const ended = await stopAll(Object.values(byZone));
    for (const e of ended) expect(e.exitCode, e.all).to.equal(0);
    const pidOf = (w: Worker) => `:${w.pid}`;
    expect(done).to.have.length(14);
    for (const e of done) {
      const zone = e.key.includes('-') ? e.key.split('-')[0]! : '';
      expect(e.worker!.id.endsWith(pidOf(byZone[zone as keyof typeof byZone])), `${e.key} run by ${e.worker!.id}`).to.equal(true);
      expect(e.worker!.zone ?? '').to.equal(zone);
    }
    expect(done.some((e) => e.key.startsWith('ap-'))).to.equal(false);
  });

  it('SIGTERM drains: the running rotation finishes, nothing new starts, exit 0', async () => {
    const fleet = await fleetOf({ plain: 3 });
    await fleet.slowCreate('k1', 4);
    expect((await fleet.run(['enqueue', 'k1'])).exitCode).to.equal(0);
    const worker = start(fleet, ['--concurrency', '1']);
    let log = '';
    worker.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    for (let i = 0; i < 100 && !/k1: create/.test(log); i++) await sleep(200);
    expect(log).to.match(/k1: create/);
    // more work arrives while k1 runs: the draining worker must not start it
    expect((await fleet.run(['enqueue', 'k2', 'k3'])).exitCode).to.equal(0);
    worker.kill('SIGTERM');
    const ended = await worker;
    expect(ended.exitCode, String(ended.all)).to.equal(0);
    expect(String(ended.all)).to.include('drained: every running rotation finished');
    const history = await fleet.history();
    expect(history.map((e) => [e.key, e.outcome])).to.deep.equal([['k1', 'completed']]);
    expect([...fleet.creates().keys()]).to.deep.equal(['k1']);
    // k2 and k3 still wait for the next worker
    const again = await fleet.run(['enqueue', 'k2', 'k3']);
    expect(again.stdout).to.include('0 job(s) enqueued, 2 already waiting');
  });

  it('a revoke sent through the queue jumps it, and is not swallowed by a routine job of the same key', async () => {
    const fleet = await fleetOf({ plain: 3 });
    expect((await fleet.run(['enqueue', 'k1', 'k2', 'k3'])).exitCode).to.equal(0);
    const refused = await fleet.run(['enqueue', 'k3', '--revoke']);
    expect(refused.exitCode).to.equal(2);
    expect(refused.stderr).to.include('--revoke needs --reason');
    const revoke = await fleet.run(['enqueue', 'k3', '--revoke', '--reason', 'pasted in a ticket']);
    expect(revoke.exitCode, revoke.stderr).to.equal(0);
    expect(revoke.stdout).to.include('1 job(s) enqueued, 0 already waiting');
    const worker = start(fleet, ['--concurrency', '1']);
    await untilRotated(fleet, 4, 60_000);
    const [ended] = await stopAll([worker]);
    expect(ended!.exitCode, ended!.all).to.equal(0);
    const history = await fleet.history();
    // the revoke ran first; k3's routine job then found it rotated since it was sent
    expect(history.map((e) => [e.key, e.trigger, e.reason])).to.deep.equal([
      ['k3', 'revoke', 'pasted in a ticket'],
      ['k1', 'manual', undefined],
      ['k2', 'manual', undefined],
    ]);
    expect(ended!.all).to.match(/k3: skipped \(already rotated by another run\)/);
  });

  it('a job for a key no longer in rotation.yaml completes with a logged reason', async () => {
    const fleet = await fleetOf({ plain: 2 });
    expect((await fleet.run(['enqueue', '--all'])).exitCode).to.equal(0);
    const { readFile, writeFile } = await import('node:fs/promises');
    const file = `${fleet.dir}/rotation.yaml`;
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/ {2}- id: k2\n(?: {4}.*\n)+/, ''));
    const worker = start(fleet, ['--concurrency', '1']);
    await untilRotated(fleet, 2, 30_000);
    const [ended] = await stopAll([worker]);
    expect(ended!.exitCode, ended!.all).to.equal(0);
    expect(ended!.all).to.match(/k2: no longer in rotation\.yaml; job \S+ completed without running/);
    expect([...fleet.creates().keys()]).to.deep.equal(['k1']);
  });

  it('the queue lost mid-run: /readyz says not ready, the worker keeps running and takes jobs again when it is back', async () => {
    const fleet = await fleetOf({ plain: 2 });
    const port = await freePort();
    const worker = start(fleet, ['--concurrency', '1', '--metrics-port', String(port)]);
    let log = '';
    worker.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const readyz = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status;
    for (let i = 0; i < 100 && (await readyz()) !== 200; i++) await sleep(200);
    expect(await readyz()).to.equal(200);
    // the queue's role may no longer log in, and its sessions are ended
    await cluster.cluster.sql([
      'ALTER ROLE keyturn_queue NOLOGIN',
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'keyturn_queue'",
    ]);
    try {
      for (let i = 0; i < 100 && (await readyz()) !== 503; i++) await sleep(200);
      expect(await readyz(), log).to.equal(503);
      expect(log).to.match(/queue: lost \(/);
      expect(log).to.not.include(fleet.queueUrl.split(':')[2]!.split('@')[0]!);
    } finally {
      await cluster.cluster.sql('ALTER ROLE keyturn_queue LOGIN');
    }
    for (let i = 0; i < 150 && (await readyz()) !== 200; i++) await sleep(200);
    expect(await readyz()).to.equal(200);
    expect((await fleet.run(['enqueue', 'k1'])).exitCode).to.equal(0);
    await untilRotated(fleet, 1, 30_000);
    const [ended] = await stopAll([worker]);
    expect(ended!.exitCode, ended!.all).to.equal(0);
    expect((await fleet.history()).map((e) => e.key)).to.deep.equal(['k1']);
  });

  it('the queue database unreachable at start: one line, non-zero exit, no stack trace, no password', async () => {
    const fleet = await fleetOf({ plain: 1 });
    const port = await freePort();
    const url = `postgres://keyturn_queue:s3cretpassw0rd@127.0.0.1:${port}/keyturn_queue`;
    for (const args of [['worker'], ['enqueue', '--all']]) {
      const r = await fleet.run(args, { KEYTURN_QUEUE_URL: url });
      expect(r.exitCode, r.stderr).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`^error: cannot use the queue database 127\\.0\\.0\\.1:${port}/keyturn_queue: .*ECONNREFUSED`));
      expect(r.stderr).to.not.include('s3cretpassw0rd');
      expect(r.stderr).to.not.match(/\n\s+at /);
    }
  });
});

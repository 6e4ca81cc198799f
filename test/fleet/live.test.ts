/**
 * A running worker's view of change: rotation.yaml re-read while it runs (a new key taken, a
 * broken file reported and the last good one kept).
 */
import { expect } from 'chai';
import { readFile, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { freePort } from '../../scripts/free-port.js';
import { processAlive } from '../support/pid.js';
import { Fleet } from './fleet-workspace.js';

type Worker = ReturnType<Fleet['worker']>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, test: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

describe('fleet: a running worker and change (real PostgreSQL, real worker processes)', function () {
  this.timeout(60_000);
  let cluster: Awaited<ReturnType<typeof Fleet.startCluster>>;
  const fleets: Fleet[] = [];
  const workers: Worker[] = [];
  let hook: http.Server;
  const posts: string[] = [];

  before(async () => {
    cluster = await Fleet.startCluster();
    hook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) if (w.pid && processAlive(w.pid)) w.kill('SIGKILL');
    for (const f of fleets.splice(0)) await f.cleanup();
  });
  after(async () => {
    hook?.close();
    await cluster?.cluster.stop();
  });

  it('rotation.yaml re-read: a key added is rotated; a broken file is logged once and notified, the last good one runs on', async () => {
    const fleet = await Fleet.create(cluster, { plain: 1 });
    fleets.push(fleet);
    const file = path.join(fleet.dir, 'rotation.yaml');
    const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alert`;
    const original = (await readFile(file, 'utf8')).replace(
      'keys:\n',
      `notify:\n  webhooks:\n    - url: ${hookUrl}\n      events: [failure]\nkeys:\n`,
    );
    await writeFile(file, original);
    const worker = fleet.worker(['--concurrency', '1']);
    workers.push(worker);
    let log = '';
    (worker as unknown as { all: NodeJS.ReadableStream }).all.on('data', (c: Buffer) => (log += c.toString()));
    await until('the worker to start', () => log.includes('taking jobs'));

    // a key added: written as a new file renamed over the old one, as editors do
    const added = `${original}  - id: extra\n    purpose: added while the worker runs\n    path: app/extra\n    period: 30d\n`;
    await writeFile(`${file}.tmp`, added);
    await rename(`${file}.tmp`, file);
    await until('the reload', () => log.includes('rotation.yaml: reloaded'));
    const sent = await fleet.run(['enqueue', 'extra']);
    expect(sent.exitCode, sent.stderr).to.equal(0);
    await until('extra rotated', () => fleet.creates().has('extra'));

    // a broken file: reported once with the loader's file:line, the worker runs on with the last good one
    await writeFile(file, `${added}  - id: broken\n    period: [\n`);
    await until('the broken file reported', () => log.includes('not reloaded'));
    await until('the webhook told', () => posts.some((p) => p.includes('not reloaded')));
    expect(log).to.match(/rotation\.yaml:\d+:\d+/);
    const sentAgain = await fleet.run(['enqueue', 'k1'], {});
    // enqueue reads the broken file too and refuses it: the job goes in through the previous file
    expect(sentAgain.exitCode).to.not.equal(0);
    await writeFile(`${file}.good`, added);
    const viaGood = await fleet.run(['--config', `${file}.good`, 'enqueue', 'k1']);
    expect(viaGood.exitCode, viaGood.stderr).to.equal(0);
    await until('k1 rotated by the worker still running', () => fleet.creates().has('k1'));
    await sleep(1500);
    expect(log.match(/not reloaded/g)?.length, log).to.equal(1);
    expect(processAlive(worker.pid!)).to.equal(true);
    for (const body of posts) expect(body).to.not.include(fleet.env.KEYTURN_MASTER_KEY!);
    worker.kill('SIGTERM');
    expect((await worker).exitCode).to.equal(0);
  });

  it('/metrics: keys due and overdue per zone, from rotation.yaml and the store', async () => {
    const fleet = await Fleet.create(cluster, { plain: 1, zones: { eu: 2 } });
    fleets.push(fleet);
    // k1 rotated 40 days ago (period 30d): overdue; the eu keys never rotated: due, not overdue
    const past = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const rotated = await fleet.run(['rotate', 'k1', '--yes'], { KEYTURN_NOW: past });
    expect(rotated.exitCode, rotated.stderr).to.equal(0);
    const port = await freePort();
    const worker = fleet.worker(['--concurrency', '1', '--metrics-port', String(port)]);
    workers.push(worker);
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.text() ?? '';
    await until('the metrics', async () => (await scrape()).includes('keyturn_keys_due'));
    const before = await scrape();
    expect(before).to.match(/keyturn_keys_due\{zone=""\} 1/);
    expect(before).to.match(/keyturn_keys_overdue\{zone=""\} 1/);
    expect(before).to.match(/keyturn_keys_due\{zone="eu"\} 2/);
    expect(before).to.match(/keyturn_keys_overdue\{zone="eu"\} 0/);
    expect(before).to.not.include(fleet.env.KEYTURN_MASTER_KEY!);
    const sent = await fleet.run(['enqueue', 'k1']);
    expect(sent.exitCode, sent.stderr).to.equal(0);
    await until('k1 no longer due', async () => /keyturn_keys_due\{zone=""\} 0/.test(await scrape()));
    expect(await scrape()).to.match(/keyturn_keys_overdue\{zone=""\} 0/);
    worker.kill('SIGTERM');
    expect((await worker).exitCode).to.equal(0);
  });

  it('status: per key queued / running on which worker / last outcome, and the workers alive', async () => {
    const fleet = await Fleet.create(cluster, { plain: 2 });
    fleets.push(fleet);
    await fleet.slowCreate('k1', 8);
    const worker = fleet.worker(['--concurrency', '1']);
    workers.push(worker);
    let log = '';
    (worker as unknown as { all: NodeJS.ReadableStream }).all.on('data', (c: Buffer) => (log += c.toString()));
    interface Status {
      fleet: {
        keys: Array<{ key: string; state?: string; worker?: string; last?: { state: string; outcome?: string } }>;
        workers: Array<{ id: string; running: string[] }>;
      };
    }
    const status = async (): Promise<Status['fleet']> => {
      const r = await fleet.run(['status', '--json']);
      expect(r.exitCode, r.stderr).to.equal(0);
      return (JSON.parse(r.stdout) as Status).fleet;
    };
    const key = (s: Status['fleet'], id: string) => s.keys.find((k) => k.key === id)!;
    await until('the worker to start', () => log.includes('taking jobs'));
    expect((await fleet.run(['enqueue', 'k1'])).exitCode).to.equal(0);
    await until('k1 running', async () => ((await fleet.jobStates()).active ?? 0) === 1).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(log)} ${JSON.stringify(await fleet.jobStates())}`);
    });
    expect((await fleet.run(['enqueue', 'k2'])).exitCode).to.equal(0);
    let now = await status();
    await until('the heartbeat naming k1', async () => (now = await status()).workers[0]?.running.includes('k1') ?? false);
    expect(now.workers.map((w) => w.id)).to.have.length(1);
    expect(now.workers[0]!.id.endsWith(`:${worker.pid}`)).to.equal(true);
    expect(key(now, 'k1')).to.deep.include({ state: 'running', worker: now.workers[0]!.id });
    expect(key(now, 'k2').state).to.equal('queued');
    const text = await fleet.run(['status']);
    expect(text.stdout).to.match(/k1 +running on \S+:\d+/);
    expect(text.stdout).to.include('Workers alive: 1');
    await until('both rotated', async () => ((await fleet.jobStates()).completed ?? 0) === 2);
    now = await status();
    for (const id of ['k1', 'k2']) expect(key(now, id).last, id).to.include({ state: 'completed', outcome: 'completed' });
    expect(key(now, 'k1').state).to.equal(undefined);
    worker.kill('SIGTERM');
    expect((await worker).exitCode).to.equal(0);
    // a drained worker leaves: its row is gone
    expect((await status()).workers).to.deep.equal([]);
  });
});

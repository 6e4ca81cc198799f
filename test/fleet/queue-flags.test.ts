/**
 * `offboard PERSON --queue` and `revoke KEY… --queue`: the same selection and confirmation as
 * running here, handed to the fleet as offboarding and revoke jobs (ahead of routine ones),
 * then run by a real worker on a real PostgreSQL queue.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'chai';
import { processAlive } from '../support/pid.js';
import { Fleet } from './fleet-workspace.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Jobs by state; none when nothing was ever sent (pg-boss creates its schema on first use). */
async function queued(fleet: Fleet): Promise<Record<string, number>> {
  const [exists] = await fleet.cluster.sql(`SELECT to_regclass('${fleet.schema}.job') AS t`, 'keyturn_queue');
  return exists!.rows[0].t === null ? {} : fleet.jobStates();
}

describe('fleet: offboard --queue and revoke --queue (real PostgreSQL, a real worker)', function () {
  this.timeout(120_000);
  let cluster: Awaited<ReturnType<typeof Fleet.startCluster>>;
  let fleet: Fleet;

  before(async () => {
    cluster = await Fleet.startCluster();
    fleet = await Fleet.create(cluster, { plain: 4 });
    // alice can read k1 and k2; bob reads k2 only
    const file = `${fleet.dir}/rotation.yaml`;
    const text = (await readFile(file, 'utf8'))
      .replace('keys:\n', 'people:\n  alice: { name: Alice }\n  bob: { name: Bob }\nkeys:\n')
      .replace('purpose: fleet test key k1\n', 'purpose: fleet test key k1\n    holders: [alice]\n')
      .replace('purpose: fleet test key k2\n', 'purpose: fleet test key k2\n    holders: [alice, bob]\n');
    await writeFile(file, text);
  });
  after(async () => {
    await fleet?.cleanup();
    await cluster?.cluster.stop();
  });

  it('without a terminal and without --yes nothing is sent (exit 2); --dry-run shows the plan and sends nothing', async () => {
    const offboard = await fleet.run(['offboard', 'alice', '--queue']);
    expect(offboard.exitCode, offboard.stderr).to.equal(2);
    expect(offboard.stderr).to.match(/^error: sending offboarding jobs .*\n/);
    const revoke = await fleet.run(['revoke', 'k3', '--queue', '--reason', 'pasted in chat']);
    expect(revoke.exitCode, revoke.stderr).to.equal(2);
    expect(revoke.stderr).to.match(/^error: revoking keys /);
    const dry = await fleet.run(['offboard', 'alice', '--queue', '--dry-run']);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout).to.include('k1').and.to.include('k2');
    expect(await queued(fleet), 'no job in the queue').to.deep.equal({});
  });

  it('sends offboarding and revoke jobs; a worker runs the revoke first, then the offboarding, each recorded as such', async () => {
    const offboard = await fleet.run(['offboard', 'alice', '--queue', '--yes']);
    expect(offboard.exitCode, offboard.stderr).to.equal(0);
    expect(offboard.stdout).to.include('alice can read 2 key(s)');
    expect(offboard.stdout).to.include('2 job(s) enqueued, 0 already waiting');
    const again = await fleet.run(['offboard', 'bob', '--queue', '--yes']);
    expect(again.stdout, 'k2 waits once per kind of work').to.include('0 job(s) enqueued, 1 already waiting');
    const revoke = await fleet.run(['revoke', 'k3', '--queue', '--reason', 'pasted in chat', '--yes', '--json']);
    expect(revoke.exitCode, revoke.stderr).to.equal(0);
    const sent = JSON.parse(revoke.stdout) as { enqueued: Array<{ key: string; jobId?: string }>; blocked: string[] };
    expect(sent.enqueued.map((e) => [e.key, typeof e.jobId])).to.deep.equal([['k3', 'string']]);
    expect(sent.blocked).to.deep.equal([]);
    expect(fleet.creates().size, 'nothing ran here').to.equal(0);

    const worker = fleet.worker(['--concurrency', '1']);
    try {
      const end = Date.now() + 60_000;
      while (((await fleet.jobStates()).completed ?? 0) < 3 && Date.now() < end) await sleep(300);
    } finally {
      if (worker.pid && processAlive(worker.pid)) worker.kill('SIGTERM');
    }
    const ended = await worker;
    expect(ended.exitCode, String(ended.all)).to.equal(0);
    const history = await fleet.history();
    expect(history.map((e) => [e.key, e.trigger, e.reason, e.outcome])).to.deep.equal([
      ['k3', 'revoke', 'pasted in chat', 'completed'],
      ['k1', 'offboard', 'alice', 'completed'],
      ['k2', 'offboard', 'alice', 'completed'],
    ]);
    expect([...fleet.creates().keys()].sort()).to.deep.equal(['k1', 'k2', 'k3']);
  });

  it('a rotation.yaml without a fleet section: one line naming the file, exit 2, nothing revoked', async () => {
    const file = `${fleet.dir}/rotation.yaml`;
    const text = await readFile(file, 'utf8');
    const noFleet = `${fleet.dir}/no-fleet.yaml`;
    await writeFile(noFleet, text.replace(/^fleet:\n(?: {2,}.*\n)+/m, ''));
    const alive = fleet.alive();
    const r = await fleet.run(['revoke', 'k4', '--queue', '--reason', 'x', '--yes', '--config', noFleet]);
    expect(r.exitCode, r.stderr).to.equal(2);
    expect(r.stderr).to.include('has no fleet section').and.to.include('no-fleet.yaml');
    expect(r.stderr, 'no stack trace').to.not.match(/\.js:\d+:\d+/);
    expect(fleet.alive(), 'every key still alive at the issuer').to.deep.equal(alive);
  });
});

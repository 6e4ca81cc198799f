/**
 * Two explicit rotations of the same key at once: a run never rotates a key a second time
 * back to back because another run rotated it after this one read the store. It skips the
 * key and says so (--force rotates it again); offboard rotates it again all the same.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResultPromise } from 'execa';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';
import { Workspace } from '../support/workspace.js';

describe('engine: a key rotated by another run after this run planned', function () {
  this.timeout(90_000);
  let ws: Workspace;
  let gate: string;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
    gate = path.join(ws.dir, 'hold');
  });
  afterEach(async () => {
    await rm(gate, { force: true });
    await ws.cleanup();
  });

  /**
   * Start `args` with its first consumer restart held, and wait until it is held there.
   * The process comes back in an object: an async function would await a returned thenable.
   */
  async function startHeld(args: string[]): Promise<{ held: ResultPromise<{ reject: false }> }> {
    await writeFile(gate, '');
    const held = ws.spawn(args, { CONSUMER_HOLD: gate });
    for (let i = 0; i < 400 && !existsSync(`${gate}.waiting`); i++) await sleep(50);
    expect(existsSync(`${gate}.waiting`), 'the held run reached its first restart').to.equal(true);
    return { held };
  }

  async function rotateKey2Meanwhile(): Promise<void> {
    const other = await ws.run(['rotate', 'key-2', '--yes']);
    expect(other.exitCode, other.stderr).to.equal(0);
  }

  it('rotate KEY…: the key is skipped with a note, rotated once in all', async () => {
    const { held } = await startHeld(['rotate', 'key-1', 'key-2', '--yes', '--concurrency', '1', '--json']);
    await rotateKey2Meanwhile();
    await rm(gate);
    const result = await held;
    expect(result.exitCode, String(result.stderr)).to.equal(0);
    const outcomes = JSON.parse(String(result.stdout)).results.map((r: { key: string; outcome: string }) => `${r.key}:${r.outcome}`);
    expect(outcomes).to.deep.equal(['key-1:completed', 'key-2:skipped']);
    expect(String(result.stderr)).to.match(/key-2: skipped: rotated by another run at .* pass --force/);
    expect((await historyOf(ws, 'key-2')).filter((h) => h.outcome === 'completed')).to.have.length(1);
  });

  it('rotate KEY… --force rotates it again', async () => {
    const { held } = await startHeld(['rotate', 'key-1', 'key-2', '--yes', '--concurrency', '1', '--force']);
    await rotateKey2Meanwhile();
    await rm(gate);
    const result = await held;
    expect(result.exitCode, String(result.stderr)).to.equal(0);
    expect(String(result.stderr)).to.match(/key-2: rotated by another run .*rotating it again \(--force\)/);
    expect((await historyOf(ws, 'key-2')).filter((h) => h.outcome === 'completed')).to.have.length(2);
  });

  it('offboard rotates it again, and says so', async () => {
    // alice holds key-1 through team ops; she is made a holder of key-2 as well
    const file = path.join(ws.dir, 'rotation.yaml');
    await writeFile(file, readFileSync(file, 'utf8').replace('holders: [bob]', 'holders: [bob, alice]'));
    const { held } = await startHeld(['offboard', 'alice', '--yes', '--concurrency', '1']);
    await rotateKey2Meanwhile();
    await rm(gate);
    const result = await held;
    expect(result.exitCode, String(result.stderr)).to.equal(0);
    expect(String(result.stderr)).to.match(/key-2: rotated by another run .*rotating it again \(offboard/);
    const history = await historyOf(ws, 'key-2');
    expect(history.map((h) => `${h.trigger}:${h.outcome}`)).to.deep.equal(['manual:completed', 'offboard:completed']);
  });
});

describe('engine: a lease left without a journal', function () {
  this.timeout(60_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
  });
  afterEach(() => ws.cleanup());

  it('status shows it, and rotate --due clears it though the key is not due', async () => {
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const killed = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: 'lock:after=kill' });
    expect(killed.signal).to.equal('SIGKILL');

    const status = await ws.run(['status', '--json']);
    expect(status.exitCode, status.stderr).to.equal(0);
    const row = JSON.parse(status.stdout).keys.find((k: { key: string }) => k.key === 'key-1');
    expect(row.state).to.equal('locked (holder gone)');
    expect(row.lease.holderGone).to.equal(true);
    const table = await ws.run(['status']);
    expect(table.stdout).to.match(/key-1: lease held by .* process is gone/);

    const due = await ws.run(['rotate', '--due', '--yes']);
    expect(due.exitCode, due.stderr).to.equal(0);
    expect(due.stdout).to.match(/Nothing to rotate/);
    expect(due.stderr).to.match(/key-1: cleared a lease left by .*killed before it wrote a journal/);
    const store = await ws.store();
    try {
      expect(await store.leaseHolder(ws.ref('key-1'))).to.equal(undefined);
    } finally {
      await store.close();
    }
    expect(
      (await historyOf(ws, 'key-1')).filter((h) => h.outcome === 'completed'),
      'no extra rotation',
    ).to.have.length(1);
  });
});

describe('engine: a key named twice on the command line', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => (ws = await Workspace.create({ keys: 1 })));
  afterEach(() => ws.cleanup());

  it('is rotated once: one new key alive at the issuer, the one the store holds', async () => {
    const result = await ws.run(['rotate', 'key-1', 'key-1', '--yes', '--concurrency', '2', '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout).results.map((r: { key: string }) => r.key)).to.deep.equal(['key-1']);
    const settled = await expectSettled(ws, 'key-1');
    expectAliveAtProvider(ws, [settled.currentKeyId]);
  });
});

/**
 * A process killed with SIGKILL at any step, then run again, reaches the same end state as
 * a run never interrupted: the key rotated once, one CURRENT, no PENDING, no journal, the
 * lease free, the consumer on the new key, and at the provider only the new key alive.
 */
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';

const POINTS = [
  'lock:before',
  'create:before',
  'create:after',
  'stage:before',
  'stage:after',
  'promote:before',
  'promote:after',
  'restart:before',
  'restart:after',
  'verify:before',
  'verify:after',
  'retire:before',
  'retire:after',
  'record:before',
  'record:after',
  'unlock:after',
];

describe('engine: SIGKILL at each step, then a rerun', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let initial: string;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    initial = (await expectSettled(ws, 'key-1')).currentKeyId;
  });
  afterEach(async () => ws.cleanup());

  it('an uninterrupted run: the reference end state', async () => {
    const result = await ws.run(['rotate', 'key-1', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const settled = await expectSettled(ws, 'key-1');
    expect(settled.currentKeyId).to.not.equal(initial);
    expectAliveAtProvider(ws, [settled.currentKeyId]);
    expect((await historyOf(ws, 'key-1')).map((h) => h.outcome)).to.deep.equal(['completed', 'completed']);
  });

  for (const point of POINTS) {
    it(`killed at ${point}`, async () => {
      const killed = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: `${point}=kill` });
      expect(killed.signal, `the run was killed at ${point}`).to.equal('SIGKILL');

      const rerun = await ws.run(['rotate', 'key-1', '--yes']);
      expect(rerun.exitCode, rerun.stderr).to.equal(0);
      const settled = await expectSettled(ws, 'key-1');
      expect(settled.currentKeyId).to.not.equal(initial);
      expectAliveAtProvider(ws, [settled.currentKeyId]);
      const completed = (await historyOf(ws, 'key-1')).filter((h) => h.outcome === 'completed');
      // the first rotation and the interrupted one, finished by the rerun; killed after
      // unlock, the interrupted run had finished, so the rerun (naming the key) rotates anew
      const expected = point === 'unlock:after' ? 3 : 2;
      expect(completed).to.have.length(expected);
      expect(new Set(completed.map((h) => h.rotationId)).size).to.equal(expected);
    });
  }

  it('the monthly run (--due) finishes a rotation a crash interrupted, even on a key not due', async () => {
    const killed = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: 'restart:before=kill' });
    expect(killed.signal).to.equal('SIGKILL');
    const status = JSON.parse((await ws.run(['status', '--json'])).stdout);
    expect(status.keys[0].state).to.equal('in flight');
    const plan = await ws.run(['plan', '--due']);
    expect(plan.stdout).to.match(/an interrupted rotation to finish/);
    const due = await ws.run(['rotate', '--due', '--yes']);
    expect(due.exitCode, due.stderr).to.equal(0);
    const settled = await expectSettled(ws, 'key-1');
    expect(settled.currentKeyId).to.not.equal(initial);
    expectAliveAtProvider(ws, [settled.currentKeyId]);
  });
});

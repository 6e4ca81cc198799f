/**
 * Leak mode (`keyturn revoke KEY --reason TEXT`) interrupted right after the leaked key was
 * deleted at the issuer: by a fault (needs attention, exit 3, and never a rollback to the
 * leaked key) or by SIGKILL. A rerun finishes the same rotation forward: a new key CURRENT,
 * the leaked key dead at the provider, the consumer on the new key, the revoke and its
 * reason in history.
 */
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';

const REASON = 'pasted in a public channel';

interface Journal {
  rotationId: string;
  trigger: string;
  reason?: string;
  step: string;
  status: string;
}

describe('leak mode interrupted after revoke-old, then a rerun', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let leaked: string;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    leaked = (await expectSettled(ws, 'key-1')).currentKeyId;
  });
  afterEach(async () => ws.cleanup());

  async function storeState(): Promise<{ currentKeyId?: string; pendingKeyId?: string; journal?: Journal; attention?: string }> {
    const store = await ws.store();
    try {
      const ref = ws.ref('key-1');
      const [current, pending, journal, record] = await Promise.all([
        store.current(ref),
        store.pending(ref),
        store.journal(ref),
        store.rotation(ref),
      ]);
      return {
        currentKeyId: current?.keyId,
        pendingKeyId: pending?.keyId,
        journal: journal as Journal | undefined,
        attention: record.attention?.reason,
      };
    } finally {
      await store.close();
    }
  }

  /** The interrupted leak rotation left its journal at revoke-old and the leaked key dead; nothing was undone. */
  async function expectLeakedKeyDeadAndJournalLeft(): Promise<Journal> {
    expectAliveAtProvider(ws, []);
    const state = await storeState();
    expect(state.journal, 'the leak rotation left its journal for the next run').to.not.equal(undefined);
    expect(state.journal).to.deep.include({ trigger: 'revoke', reason: REASON, step: 'revoke-old' });
    expect(state.journal!.status, 'no rollback was started').to.not.equal('rolling-back');
    expect(state.pendingKeyId, 'nothing was staged yet').to.equal(undefined);
    const history = await historyOf(ws, 'key-1');
    expect(
      history.map((h) => h.outcome),
      'no rolled-back entry: a leak never rolls back',
    ).to.deep.equal(['completed']);
    return state.journal!;
  }

  /** The rerun finished the interrupted rotation (same rotation id) forward, as a revoke with its reason. */
  async function expectFinishedForward(rotationId: string): Promise<void> {
    const settled = await expectSettled(ws, 'key-1');
    expect(settled.currentKeyId).to.not.equal(leaked);
    expectAliveAtProvider(ws, [settled.currentKeyId]);
    const history = await historyOf(ws, 'key-1');
    expect(history.map((h) => h.outcome)).to.deep.equal(['completed', 'completed']);
    expect(history[1]).to.include({
      rotationId,
      trigger: 'revoke',
      reason: REASON,
      oldKeyId: leaked,
      newKeyId: settled.currentKeyId,
      outcome: 'completed',
    });
  }

  for (const rerun of [
    ['rotate', '--due', '--yes'],
    ['rotate', 'key-1', '--yes'],
  ]) {
    it(`a fault after revoke-old: needs attention (exit 3), no rollback; \`${rerun.join(' ')}\` finishes it forward`, async () => {
      const faulted = await ws.run(['revoke', 'key-1', '--reason', REASON, '--yes', '--json'], {
        KEYTURN_FAILPOINTS: 'revoke-old:after=error',
      });
      expect(faulted.exitCode, faulted.stderr).to.equal(3);
      const report = JSON.parse(faulted.stdout) as { results: Array<Record<string, unknown>>; exitCode: number };
      expect(report.exitCode).to.equal(3);
      expect(report.results).to.have.length(1);
      expect(report.results[0]).to.include({ key: 'key-1', trigger: 'revoke', outcome: 'needs-attention', failedStep: 'revoke-old' });
      expect(report.results[0]!.oldKeyId).to.equal(leaked);

      const journal = await expectLeakedKeyDeadAndJournalLeft();
      const state = await storeState();
      expect(state.attention).to.match(/leak rotation stopped at revoke-old/);
      const status = JSON.parse((await ws.run(['status', '--json'])).stdout) as { keys: Array<{ state: string }> };
      expect(status.keys[0]!.state).to.equal('needs attention');
      // the consumer still holds the leaked key: nothing restarted it onto anything, and nothing brought that key back
      expect(ws.consumer('app-1')?.keyId).to.equal(leaked);

      const plan = await ws.run(['plan', '--due', '--json']);
      const planned = JSON.parse(plan.stdout) as { keys: Array<{ key: string; why: string; inFlight?: string }> };
      expect(planned.keys.map((k) => [k.key, k.why])).to.deep.equal([['key-1', 'an interrupted rotation to finish']]);
      expect(planned.keys[0]!.inFlight).to.include(journal.rotationId);

      const finished = await ws.run([...rerun, '--json']);
      expect(finished.exitCode, finished.stderr).to.equal(0);
      const results = (JSON.parse(finished.stdout) as { results: Array<Record<string, unknown>> }).results;
      expect(results.map((r) => [r.key, r.trigger, r.outcome, r.rotationId])).to.deep.equal([
        ['key-1', 'revoke', 'completed', journal.rotationId],
      ]);
      await expectFinishedForward(journal.rotationId);
    });
  }

  it('SIGKILL after revoke-old: a rerun ends with a new key CURRENT, the leaked key dead, the revoke and reason in history', async () => {
    const killed = await ws.run(['revoke', 'key-1', '--reason', REASON, '--yes'], { KEYTURN_FAILPOINTS: 'revoke-old:after=kill' });
    expect(killed.signal, 'the run was killed after revoke-old').to.equal('SIGKILL');

    const journal = await expectLeakedKeyDeadAndJournalLeft();
    const status = JSON.parse((await ws.run(['status', '--json'])).stdout) as { keys: Array<{ state: string }> };
    expect(status.keys[0]!.state).to.equal('in flight');

    const rerun = await ws.run(['rotate', 'key-1', '--yes']);
    expect(rerun.exitCode, rerun.stderr).to.equal(0);
    expect(rerun.stderr).to.include(`resuming ${journal.rotationId} (revoke)`);
    await expectFinishedForward(journal.rotationId);
  });

  it('SIGKILL after revoke-old, then the monthly run (--due): the same end state', async () => {
    const killed = await ws.run(['revoke', 'key-1', '--reason', REASON, '--yes'], { KEYTURN_FAILPOINTS: 'revoke-old:after=kill' });
    expect(killed.signal).to.equal('SIGKILL');
    const journal = await expectLeakedKeyDeadAndJournalLeft();

    const due = await ws.run(['rotate', '--due', '--yes']);
    expect(due.exitCode, due.stderr).to.equal(0);
    await expectFinishedForward(journal.rotationId);
  });
});

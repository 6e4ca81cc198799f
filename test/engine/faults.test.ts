/**
 * A fault at each step (issuer, store or consumer failing) ends either rolled back to
 * exactly the state before the run, or completed; checked on the real file store with a
 * real provider and consumer processes.
 */
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';

describe('engine: a fault at each step', function () {
  this.timeout(60_000);
  let seed: Workspace;
  let ws: Workspace;
  let beforeRun: { currentKeyId: string; currentSecretSha256: string };

  // one key rotated once, then each test starts on its own copy of that
  before(async () => {
    seed = await Workspace.create({ keys: 1 });
    const first = await seed.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
  });
  after(async () => seed?.cleanup());
  beforeEach(async () => {
    ws = await copyWorkspace(seed);
    beforeRun = await expectSettled(ws, 'key-1');
  });
  afterEach(async () => ws?.cleanup());

  async function expectRolledBack(result: { exitCode: number; stdout: string; stderr: string }, failedStep: string): Promise<void> {
    expect(result.exitCode, result.stderr).to.equal(1);
    expect(result.stdout).to.match(new RegExp(`rolled-back.*failed at ${failedStep}`));
    const after = await expectSettled(ws, 'key-1');
    expect(after).to.deep.equal(beforeRun);
    expectAliveAtProvider(ws, [beforeRun.currentKeyId]);
    const history = await historyOf(ws, 'key-1');
    expect(history.map((h) => h.outcome)).to.deep.equal(['completed', 'rolled-back']);
    expect(history[1]!.error).to.be.a('string').and.not.equal('');
  }

  const rollbackCases: Array<{ name: string; step: string; arm: (ws: Workspace) => Promise<Record<string, string>> }> = [
    { name: 'the issuer failing to create', step: 'create', arm: async (w) => (await w.failProviderOnce('create'), {}) },
    { name: 'the store failing to stage', step: 'stage', arm: async () => ({ KEYTURN_FAILPOINTS: 'store.stage=error' }) },
    { name: 'the store failing to promote', step: 'promote', arm: async () => ({ KEYTURN_FAILPOINTS: 'store.promote=error' }) },
    { name: 'a consumer failing to restart', step: 'restart', arm: async (w) => (await w.failConsumerOnce(), {}) },
    { name: 'the issuer smoke test failing', step: 'verify', arm: async (w) => (await w.failProviderOnce('verify'), {}) },
    { name: 'a failure right after verify', step: 'verify', arm: async () => ({ KEYTURN_FAILPOINTS: 'verify:after=error' }) },
  ];
  for (const c of rollbackCases) {
    it(`rolls back cleanly on ${c.name}`, async () => {
      const env = await c.arm(ws);
      const result = await ws.run(['rotate', 'key-1', '--yes'], env);
      await expectRolledBack(result, c.step);
      // and the key rotates fine afterwards: nothing was left locked or half-done
      const again = await ws.run(['rotate', 'key-1', '--yes']);
      expect(again.exitCode, again.stderr).to.equal(0);
      const after = await expectSettled(ws, 'key-1');
      expect(after.currentKeyId).to.not.equal(beforeRun.currentKeyId);
      expectAliveAtProvider(ws, [after.currentKeyId]);
    });
  }

  it('completes the cutover and flags attention when the old key cannot be deleted; the next run deletes it', async () => {
    await ws.failProviderOnce('revoke');
    const result = await ws.run(['rotate', 'key-1', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(3);
    const store = await ws.store();
    const record = await store.rotation(ws.ref('key-1'));
    await store.close();
    expect(record.attention?.reason).to.match(/could not be deleted/);
    expect(record.pendingRetire?.keyId).to.equal(beforeRun.currentKeyId);
    const current = record.currentKeyId!;
    expect(current).to.not.equal(beforeRun.currentKeyId);
    expectAliveAtProvider(ws, [beforeRun.currentKeyId, current]);

    const status = await ws.run(['status', '--json']);
    expect(JSON.parse(status.stdout).keys[0].state).to.equal('needs attention');

    const retry = await ws.run(['rotate', '--due', '--yes']);
    expect(retry.exitCode, retry.stderr).to.equal(0);
    expectAliveAtProvider(ws, [current]);
    await expectSettled(ws, 'key-1');
    const history = await historyOf(ws, 'key-1');
    expect(history.map((h) => h.outcome)).to.deep.equal(['completed', 'completed', 'retired']);
  });

  it('flags attention (exit 3) when the rollback itself cannot complete, and the next run finishes it', async () => {
    await ws.failConsumerOnce();
    const result = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: 'store.rollback=error' });
    expect(result.exitCode, result.stderr).to.equal(3);
    expect(result.stdout).to.match(/needs-attention/);
    const resumed = await ws.run(['rotate', 'key-1', '--yes']);
    expect(resumed.exitCode, resumed.stderr).to.equal(1);
    expect(await expectSettled(ws, 'key-1')).to.deep.equal(beforeRun);
    expectAliveAtProvider(ws, [beforeRun.currentKeyId]);
  });
});

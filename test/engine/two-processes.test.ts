/**
 * One rotation per key at a time, across processes: two keyturn processes started together
 * on the same due keys and the same store rotate each key exactly once.
 */
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';

describe('engine: two processes on the same keys', function () {
  this.timeout(90_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 8 });
  });
  afterEach(async () => ws.cleanup());

  it('rotates each due key exactly once', async () => {
    const [a, b] = await Promise.all([
      ws.run(['rotate', '--due', '--yes', '--concurrency', '4']),
      ws.run(['rotate', '--due', '--yes', '--concurrency', '4']),
    ]);
    expect(a!.exitCode, a!.stderr).to.equal(0);
    expect(b!.exitCode, b!.stderr).to.equal(0);
    const alive: string[] = [];
    for (const key of ws.keyIds) {
      const history = await historyOf(ws, key);
      expect(
        history.filter((h) => h.outcome === 'completed'),
        `${key} rotated once`,
      ).to.have.length(1);
      alive.push((await expectSettled(ws, key)).currentKeyId);
    }
    expectAliveAtProvider(ws, alive);
    // and both processes say what they did: together, 8 completed and the rest skipped
    const completed = `${a!.stdout}\n${b!.stdout}`.match(/^\S+\s+due\s+completed\b/gm) ?? [];
    expect(completed).to.have.length(8);
  });
});

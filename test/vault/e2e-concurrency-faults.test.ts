/**
 * Two keyturn processes on the same keys and one Vault rotate each key exactly once (with each
 * way of logging in: token, AppRole, Kubernetes, JWT); and
 * with 20% of Vault requests failing with 503, every rotation ends completed or cleanly
 * rolled back, through bounded retries with backoff, and nothing is lost.
 */
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';
import type { Workspace } from '../support/workspace.js';
import { LOGIN_METHODS } from './login-setup.js';
import { standIn } from './support.js';
import { vaultWorkspace } from './workspace.js';

describe('vault e2e: two processes, and a flaky Vault', function () {
  this.timeout(120_000);
  let vault: VaultStandIn;
  let ws: Workspace;

  beforeEach(async () => {
    vault = await standIn();
  });
  afterEach(async () => {
    await ws.cleanup();
    await vault.close();
  });

  for (const auth of LOGIN_METHODS) {
    it(`two processes on the same 8 keys, logged in with ${auth}: each key rotated exactly once`, async () => {
      ws = await vaultWorkspace(vault, { keys: 8 }, auth);
      const [a, b] = await Promise.all([
        ws.run(['rotate', '--due', '--yes', '--concurrency', '4']),
        ws.run(['rotate', '--due', '--yes', '--concurrency', '4']),
      ]);
      expect(a!.exitCode, a!.stderr).to.equal(0);
      expect(b!.exitCode, b!.stderr).to.equal(0);
      const alive: string[] = [];
      for (const key of ws.keyIds) {
        expect(
          (await historyOf(ws, key)).filter((h) => h.outcome === 'completed'),
          `${key} rotated once`,
        ).to.have.length(1);
        alive.push((await expectSettled(ws, key)).currentKeyId);
      }
      expectAliveAtProvider(ws, alive);
      expect(`${a!.stdout}\n${b!.stdout}`.match(/^\S+\s+due\s+completed\b/gm) ?? []).to.have.length(8);
    });
  }

  it('20% of Vault requests answering 503: every rotation completed or cleanly rolled back', async () => {
    ws = await vaultWorkspace(vault, { keys: 6 });
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const before = new Map<string, string>();
    for (const key of ws.keyIds) before.set(key, (await expectSettled(ws, key)).currentKeyId);
    const requestsBefore = vault.stats.requests;

    vault.faults.set({ failRate: 0.2, status: 503, seed: 42 });
    const result = await ws.run(['rotate', '--all', '--yes', '--concurrency', '3']);
    const injected = vault.faults.injected.failed;
    const requests = vault.stats.requests - requestsBefore;
    vault.faults.set({});

    expect([0, 1], result.stderr).to.include(result.exitCode);
    expect(injected, 'faults were injected').to.be.greaterThan(requests * 0.1);
    const alive: string[] = [];
    for (const key of ws.keyIds) {
      const history = await historyOf(ws, key);
      const last = history.at(-1)!;
      expect(['completed', 'rolled-back'], `${key}: ${last.error ?? ''}`).to.include(last.outcome);
      const settled = await expectSettled(ws, key);
      if (last.outcome === 'completed') expect(settled.currentKeyId).to.not.equal(before.get(key));
      else expect(settled.currentKeyId).to.equal(before.get(key));
      alive.push(settled.currentKeyId);
    }
    expectAliveAtProvider(ws, alive);
  });
});

/**
 * kill -9 at every step of a rotation into Vault, then a rerun: Vault ends consistent — one
 * CURRENT (the latest version), history intact, no stray pending document, the lease free (in the state document),
 * the consumer on CURRENT, and only that key alive at the provider.
 */
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { expectAliveAtProvider, expectSettled, historyOf, sha256 } from '../support/invariants.js';
import type { Workspace } from '../support/workspace.js';
import { standIn } from './support.js';
import { consumerClient, vaultWorkspace } from './workspace.js';

const POINTS = [
  'lock:before',
  'create:after',
  'stage:before',
  'stage:after',
  'store.stage',
  'promote:before',
  'store.promote',
  'promote:after',
  'restart:after',
  'verify:after',
  'retire:before',
  'retire:after',
  'record:before',
  'record:after',
  'unlock:after',
];

describe('vault e2e: SIGKILL at each step, then a rerun', function () {
  this.timeout(90_000);
  let vault: VaultStandIn;
  let ws: Workspace;
  let initial: string;

  beforeEach(async () => {
    // a fresh Vault per case: every workspace uses the same secret paths
    vault = await standIn();
    ws = await vaultWorkspace(vault, { keys: 1 });
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    initial = (await expectSettled(ws, 'key-1')).currentKeyId;
  });
  afterEach(async () => {
    await ws.cleanup();
    await vault.close();
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
      const expected = point === 'unlock:after' ? 3 : 2;
      expect(completed).to.have.length(expected);
      expect(new Set(completed.map((h) => h.rotationId)).size).to.equal(expected);
      const consumer = consumerClient(vault);
      expect(sha256((await consumer.latest('key-1'))!.secret!), 'latest is CURRENT').to.equal(settled.currentSecretSha256);
      expect(await consumer.sideDocs('key-1'), 'no stray pending').to.not.include('pending');
      // the lease lives in the key's state document
      expect(((await consumer.sideDoc('key-1', 'state')) as { lease?: unknown } | undefined)?.lease, 'lease released').to.equal(undefined);
      expect(await consumer.sideDocs('key-1'), 'the state document is there').to.include('state');
    });
  }
});

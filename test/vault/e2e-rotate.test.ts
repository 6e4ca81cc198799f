/**
 * `keyturn rotate` with a Vault store, end to end: the built CLI, the test provider and
 * consumers, and the stand-in; what a consumer sees is read with node-vault, as an app would.
 */
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { expectAliveAtProvider, expectSettled, historyOf, sha256 } from '../support/invariants.js';
import type { Workspace } from '../support/workspace.js';
import { standIn } from './support.js';
import { consumerClient, vaultWorkspace } from './workspace.js';

describe('vault e2e: keyturn rotate into Vault', function () {
  this.timeout(90_000);
  let vault: VaultStandIn;
  let ws: Workspace;
  let consumer: ReturnType<typeof consumerClient>;
  let before: { currentKeyId: string; currentSecretSha256: string };

  beforeEach(async () => {
    vault = await standIn();
    ws = await vaultWorkspace(vault, { keys: 1 });
    consumer = consumerClient(vault);
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    before = await expectSettled(ws, 'key-1');
  });
  afterEach(async () => {
    await ws.cleanup();
    await vault.close();
  });

  it('rotates: the latest version is the new key, custom_metadata tells the rotation, status and history read Vault', async () => {
    const result = await ws.run(['rotate', 'key-1', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const after = await expectSettled(ws, 'key-1');
    expect(after.currentKeyId).to.not.equal(before.currentKeyId);
    expectAliveAtProvider(ws, [after.currentKeyId]);
    expect(sha256((await consumer.latest('key-1'))!.secret!)).to.equal(after.currentSecretSha256);
    const meta = await consumer.metadata('key-1');
    expect(meta['keyturn-key-id']).to.equal(after.currentKeyId);
    expect(meta['keyturn-previous-key-id']).to.equal(before.currentKeyId);
    expect(meta['keyturn-actor']).to.equal('test-operator');
    expect(await consumer.staged('key-1'), 'no staged material left in Vault').to.equal(false);
    const status = JSON.parse((await ws.run(['status', '--json'])).stdout);
    expect(status.keys[0].currentKeyId ?? JSON.stringify(status.keys[0])).to.include(after.currentKeyId);
    const history = await ws.run(['history', 'key-1', '--json']);
    expect(history.exitCode, history.stderr).to.equal(0);
    expect(history.stdout).to.include(after.currentKeyId);
    // no secret in what the operator sees
    const secret = (await consumer.latest('key-1'))!.secret!;
    for (const out of [result.stdout, result.stderr, history.stdout]) expect(out).to.not.include(secret);
  });

  it('a consumer reading latest never sees the staged key: killed after stage, Vault still serves the old key', async () => {
    const oldSecret = (await consumer.latest('key-1'))!.secret!;
    const seen = new Set<string>();
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const latest = await consumer.latest('key-1');
        if (latest?.secret) seen.add(latest.secret);
      }
    })();
    const killed = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_FAILPOINTS: 'promote:before=kill' });
    polling = false;
    await poll;
    expect(killed.signal).to.equal('SIGKILL');
    const store = await ws.store();
    const pending = await store.pending(ws.ref('key-1'));
    await store.close();
    expect(pending, 'the new key waits as PENDING').to.not.equal(undefined);
    expect([...seen]).to.deep.equal([oldSecret]);
    expect(await consumer.staged('key-1'), 'the staged material is in Vault').to.equal(true);

    const rerun = await ws.run(['rotate', 'key-1', '--yes']);
    expect(rerun.exitCode, rerun.stderr).to.equal(0);
    const after = await expectSettled(ws, 'key-1');
    expect(after.currentKeyId).to.equal(pending!.keyId);
    expect(await consumer.staged('key-1'), 'no staged material left in Vault').to.equal(false);
  });

  it('rollback: a failed verify puts the old key back as the latest version', async () => {
    await ws.failProviderOnce('verify');
    const result = await ws.run(['rotate', 'key-1', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(1);
    expect(await expectSettled(ws, 'key-1')).to.deep.equal(before);
    expect(sha256((await consumer.latest('key-1'))!.secret!)).to.equal(before.currentSecretSha256);
    expectAliveAtProvider(ws, [before.currentKeyId]);
    expect((await historyOf(ws, 'key-1')).map((h) => h.outcome)).to.deep.equal(['completed', 'rolled-back']);
    expect(await consumer.staged('key-1'), 'no staged material left in Vault').to.equal(false);
  });
});

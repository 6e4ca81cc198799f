/**
 * A key an earlier keyturn left mid-rotation: its state document has no `layout` and PENDING
 * sits in a document of its own beside it. This version reads that PENDING, promotes or drops
 * it, and moves it into the state document, removing the old document with all its versions.
 */
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import type { VaultStore } from '../../src/stores/vault/vault-store.js';
import type { StoreRef } from '../../src/model.js';
import { openVault, standIn } from './support.js';

describe('vault store: PENDING left by an earlier keyturn in its own document', function () {
  let vault: VaultStandIn;
  let store: VaultStore;
  let n = 0;

  beforeEach(async () => {
    vault = await standIn();
    store = await openVault({ VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken });
  });
  afterEach(async () => {
    await store.close();
    await vault.close();
  });

  /** The layout an earlier keyturn wrote: the secret at version 1 (r0), state without `layout`, PENDING r1 beside it. */
  async function earlierLayout(): Promise<StoreRef> {
    n += 1;
    const ref: StoreRef = { store: 'vault', path: `legacy/secret-${n}`, key: `key-${n}` };
    const at = '2026-01-01T00:00:00.000Z';
    await store.client.writeData(`secret/data/${ref.path}`, { secret: 'old' });
    const state = { index: { '1': { rotationId: 'r0', keyId: 'k0', meta: {}, createdAt: at } }, chain: [1], record: {} };
    await store.client.writeData(store.path(ref, 'state'), { doc: JSON.stringify(state) });
    const pending = { rotationId: 'r1', keyId: 'k1', meta: {}, createdAt: at, material: { secret: 'new' } };
    await store.client.writeData(store.path(ref, 'pending'), { doc: JSON.stringify(pending) });
    return ref;
  }

  async function legacyDocumentExists(ref: StoreRef): Promise<boolean> {
    const read = await store.client.readData(store.path(ref, 'pending'));
    return read.state !== 'missing';
  }

  it('reads it as PENDING, promotes it, and removes the old document', async () => {
    const ref = await earlierLayout();
    expect((await store.pending(ref))?.keyId).to.equal('k1');
    await store.promote(ref, 'r1');
    expect((await store.current(ref))?.material).to.deep.equal({ secret: 'new' });
    expect((await store.previous(ref))?.keyId).to.equal('k0');
    expect(await store.pending(ref)).to.equal(undefined);
    expect(await legacyDocumentExists(ref), 'the earlier pending document is gone with its versions').to.equal(false);
  });

  it('a rollback drops it, and the old document goes', async () => {
    const ref = await earlierLayout();
    await store.rollback(ref, 'r1');
    expect(await store.pending(ref)).to.equal(undefined);
    expect((await store.current(ref))?.keyId).to.equal('k0');
    expect(await legacyDocumentExists(ref)).to.equal(false);
  });

  it('a new rotation staged over it replaces it, and the old document goes', async () => {
    const ref = await earlierLayout();
    await store.stage(ref, 'r2', { keyId: 'k2', material: { secret: 'newer' } });
    expect((await store.pending(ref))?.keyId).to.equal('k2');
    expect(await legacyDocumentExists(ref)).to.equal(false);
    await store.promote(ref, 'r2');
    expect((await store.current(ref))?.keyId).to.equal('k2');
  });
});

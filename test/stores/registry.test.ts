import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { FileStore } from '../../src/stores/file/file-store.js';
import { openStore, StoreSet } from '../../src/stores/registry.js';
import type { StoreConfig } from '../../src/config/types.js';
import { rejection } from './contract.js';

describe('store registry', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'keyturn-registry-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const file = (options: Record<string, unknown>, name = 'local'): StoreConfig => ({ name, type: 'file', options });

  it('opens a file store with paths relative to the config directory', async () => {
    const store = await openStore(file({ path: '.keyturn/store.enc', masterKeyFile: 'secrets/master.key' }), { baseDir: dir, env: {} });
    expect(store).to.be.instanceOf(FileStore);
    expect(store.describe({ store: 'local', path: 'trading/grid', key: 'grid' })).to.equal('file:.keyturn/store.enc#trading/grid');
    await store.record({ store: 'local', path: 'trading/grid', key: 'grid' }, { currentKeyId: 'k1' });
    await store.close();
    expect((await fs.stat(path.join(dir, '.keyturn', 'store.enc'))).isFile()).to.equal(true);
    expect((await fs.stat(path.join(dir, 'secrets', 'master.key'))).mode & 0o777).to.equal(0o600);
  });

  it('takes KEYTURN_MASTER_KEY from the env it is given, not from the process', async () => {
    const key = 'ab'.repeat(32);
    const store = await openStore(file({ path: 'store.enc' }), { baseDir: dir, env: { KEYTURN_MASTER_KEY: key } });
    await store.record({ store: 'local', path: 'a', key: 'a' }, { currentKeyId: 'k1' });
    await store.close();
    expect(await fs.readdir(dir)).to.deep.equal(['store.enc']);
  });

  it('refuses an unknown store type and a file store without a path (ECONFIG)', async () => {
    const unknown = await rejection(openStore({ name: 'x', type: 'consul', options: {} }, { baseDir: dir, env: {} }), 'ECONFIG');
    expect(unknown.message).to.include('consul');
    expect(unknown.details.hint).to.include('file');
    await rejection(openStore(file({}), { baseDir: dir, env: {} }), 'ECONFIG');
    await rejection(openStore(file({ path: 'store.enc', masterKeyFile: 42 }), { baseDir: dir, env: {} }), 'ECONFIG');
    await rejection(openStore({ name: 'y', type: 'toString', options: {} }, { baseDir: dir, env: {} }), 'ECONFIG');
  });

  it('StoreSet opens each store once, refuses unknown names, and closes all', async () => {
    const set = new StoreSet({ a: file({ path: 'a.enc' }, 'a'), b: file({ path: 'b.enc' }, 'b') }, { baseDir: dir, env: {} });
    const [first, second] = await Promise.all([set.get('a'), set.get('a')]);
    expect(first).to.equal(second);
    const b = await set.get('b');
    expect(b).to.not.equal(first);
    await rejection(set.get('nope'), 'ECONFIG');
    await first!.record({ store: 'a', path: 'p', key: 'k' }, { currentKeyId: 'k1' });
    await set.closeAll();
    const reopened = await set.get('a');
    expect(reopened).to.not.equal(first);
    expect(await reopened.rotation({ store: 'a', path: 'p', key: 'k' })).to.deep.equal({ currentKeyId: 'k1' });
  });

  it('StoreSet does not cache a store that failed to open', async () => {
    const configs: Record<string, StoreConfig> = { a: file({}, 'a') };
    const set = new StoreSet(configs, { baseDir: dir, env: {} });
    await rejection(set.get('a'), 'ECONFIG');
    configs.a = file({ path: 'a.enc' }, 'a');
    expect(await set.get('a')).to.be.instanceOf(FileStore);
    await set.closeAll();
  });
});

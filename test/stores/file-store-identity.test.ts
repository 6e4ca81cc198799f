/**
 * A FileStore keeps using the store it first saw: a file deleted, swapped for another store or
 * for an older copy of itself is refused with ESTORELOST, never recreated or written over, and
 * what this instance wrote is saved in `<store>.rescue` for the restored store to take back.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { FileStore } from '../../src/stores/file/file-store.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import type { StoreRef } from '../../src/model.js';

const ref = (name: string): StoreRef => ({ store: 'local', path: `app/${name}`, key: name });

describe('FileStore: the store it uses must stay that store', () => {
  let dir: string;
  let file: string;
  let env: NodeJS.ProcessEnv;
  const open = (at = file) => new FileStore({ file: at, env });

  beforeEach(async () => {
    dir = await tempDir('keyturn-identity-');
    file = path.join(dir, 'store.enc');
    env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex') };
  });
  afterEach(() => removeTempDir(dir));

  it('deleted between two writes: ESTORELOST, not recreated, the written entry rescued', async () => {
    const store = open();
    await store.record(ref('a'), { currentKeyId: 'k1' });
    await fs.rm(file);
    const error = await rejection(store.record(ref('a'), { currentKeyId: 'k2' }), 'ESTORELOST');
    expect(error.message).to.match(/was deleted while keyturn was using it; nothing was recreated/);
    expect(existsSync(file)).to.equal(false);
    // reads fail the same way instead of answering from an empty store
    await rejection(store.rotation(ref('a')), 'ESTORELOST');
    const rescued = open(`${file}.rescue`);
    expect(await rescued.rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k1' });
  });

  it('replaced by an older copy of itself: ESTORELOST, the copy left as it was', async () => {
    const store = open();
    await store.record(ref('a'), { currentKeyId: 'k1' });
    const older = await fs.readFile(file);
    await store.record(ref('a'), { currentKeyId: 'k2' });
    await fs.writeFile(file, older);
    const error = await rejection(store.record(ref('a'), { currentKeyId: 'k3' }), 'ESTORELOST');
    expect(error.message).to.match(/was replaced by an older copy of itself/);
    expect((await fs.readFile(file)).equals(older)).to.equal(true);
  });

  it('the rescue is laid over the restored backup; the next write keeps it and removes the record', async () => {
    const store = open();
    await store.record(ref('a'), { currentKeyId: 'k1' });
    await store.record(ref('b'), { currentKeyId: 'b1' });
    const backup = await fs.readFile(file);
    await store.record(ref('a'), { currentKeyId: 'k2' });
    await fs.rm(file);
    await rejection(store.record(ref('a'), { currentKeyId: 'k3' }), 'ESTORELOST');

    const before = open();
    await rejection(before.rotation(ref('a')), 'ESTORELOST');
    await fs.writeFile(file, backup, { mode: 0o600 });
    const after = open();
    expect((await after.rotation(ref('a'))).currentKeyId, 'the rescued entry').to.equal('k2');
    expect((await after.rotation(ref('b'))).currentKeyId, 'the backup keeps the rest').to.equal('b1');
    await after.record(ref('b'), { currentKeyId: 'b2' });
    expect(existsSync(`${file}.rescue`)).to.equal(false);
    expect((await open().rotation(ref('a'))).currentKeyId).to.equal('k2');
  });
});

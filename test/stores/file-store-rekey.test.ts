/**
 * rekeyFileStore in process: the master key's record in the document, and a FileStore that was
 * in use before a rekey reads and writes on with the new key (its run is not taken for a lost store).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseDocument } from '../../src/stores/file/document.js';
import { FileStore } from '../../src/stores/file/file-store.js';
import { decryptDocument } from '../../src/stores/file/format.js';
import { rekeyFileStore } from '../../src/stores/file/rekey.js';
import { keyIdOf } from '../../src/stores/file/rekey-marker.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const ref = (name: string) => ({ store: 'local', path: `app/${name}`, key: name });

describe('file store rekey (in process)', () => {
  let dir: string;
  let file: string;
  let keyFile: string;
  beforeEach(async () => {
    dir = await tempDir('keyturn-rekey-');
    file = path.join(dir, 'store.enc');
    keyFile = path.join(dir, 'master.key');
  });
  afterEach(async () => removeTempDir(dir));

  const keyHex = () => readFileSync(keyFile, 'utf8').trim();
  const docOf = (hex: string) =>
    parseDocument(decryptDocument(readFileSync(file), Buffer.from(hex, 'hex'), file, 'test').toString('utf8'), file);

  it("records when the key came into use: the store's first write, then each rekey (the previous time kept)", async () => {
    const store = new FileStore({ file, env: {} });
    await store.record(ref('a'), { lastRotatedAt: '2026-01-01T00:00:00.000Z' });
    await store.close();
    const first = docOf(keyHex()).masterKey!.createdAt;
    expect(Date.now() - Date.parse(first)).to.be.below(60_000);

    const result = await rekeyFileStore({ file, keyFile, env: {}, now: () => new Date('2026-06-01T00:00:00Z') });
    expect(result).to.include({ outcome: 'rekeyed', mode: 'file', secrets: 1, createdAt: '2026-06-01T00:00:00.000Z' });
    expect(result.newKeyId).to.equal(keyIdOf(Buffer.from(keyHex(), 'hex')));
    expect(docOf(keyHex()).masterKey).to.deep.equal({ createdAt: '2026-06-01T00:00:00.000Z', previousCreatedAt: first });
    expect(await new FileStore({ file, env: {} }).masterKey()).to.deep.equal({ exists: true, createdAt: '2026-06-01T00:00:00.000Z' });
  });

  it('a FileStore in use before the rekey reads and writes on under the new key', async () => {
    const store = new FileStore({ file, env: {} });
    await store.record(ref('a'), { currentKeyId: 'one' });
    const oldKey = keyHex();
    await rekeyFileStore({ file, keyFile, env: {}, now: () => new Date() });
    expect(keyHex()).to.not.equal(oldKey);

    expect((await store.rotation(ref('a'))).currentKeyId).to.equal('one');
    await store.record(ref('a'), { currentKeyId: 'two' });
    await store.close();
    expect(docOf(keyHex()).secrets['app/a']!.rotation.currentKeyId).to.equal('two');
    expect(() => docOf(oldKey)).to.throw(/wrong master key/);
  });

  it('key ids tell keys apart and say nothing of them', () => {
    const a = Buffer.alloc(32, 1);
    const b = Buffer.alloc(32, 2);
    expect(keyIdOf(a))
      .to.match(/^[0-9a-f]{8}$/)
      .and.equal(keyIdOf(Buffer.alloc(32, 1)));
    expect(keyIdOf(a)).to.not.equal(keyIdOf(b));
    expect(a.toString('hex')).to.not.include(keyIdOf(a));
  });
});

/**
 * A store file or master key the operator must fix (a FIFO or a dangling link as the key
 * file, a damaged or foreign store file, a wrong key) is one kind of problem: exit 2, a
 * message naming the file, no stack trace, and nothing written.
 */
import { execa } from 'execa';
import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { Workspace, type CliResult } from '../support/workspace.js';

/** The env key is unset so the store uses its key file, master.key beside store.enc. */
const KEY_FILE_ONLY = { KEYTURN_MASTER_KEY: '' };

function expectOperatorError(result: CliResult, message: RegExp): void {
  expect(result.exitCode, result.stderr).to.equal(2);
  expect(result.stderr).to.match(message);
  expect(result.stderr, 'no stack trace').to.not.match(/^\s+at /m);
  expect(result.stderr).to.not.match(/unexpected error/);
}

describe('store: a store file or master key the operator must fix exits 2', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let storeFile: string;
  let keyFile: string;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
    storeFile = path.join(ws.dir, 'store.enc');
    keyFile = path.join(ws.dir, 'master.key');
    const first = await ws.run(['rotate', '--all', '--yes'], KEY_FILE_ONLY);
    expect(first.exitCode, first.stderr).to.equal(0);
  });
  afterEach(async () => ws.cleanup());

  it('a FIFO as the master key file is refused at once instead of hanging', async () => {
    await rm(keyFile);
    await execa('mkfifo', [keyFile]);
    const result = await ws.run(['status'], KEY_FILE_ONLY);
    expectOperatorError(result, /master\.key is a FIFO \(named pipe\), not a regular file/);
  });

  it('a FIFO as the key file of a brand-new store is refused too, and no store is created', async () => {
    await rm(storeFile);
    await rm(keyFile);
    await execa('mkfifo', [keyFile]);
    const result = await ws.run(['rotate', '--all', '--yes'], KEY_FILE_ONLY);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stdout).to.match(/blocked .*master\.key is a FIFO/);
    expect(() => readFileSync(storeFile)).to.throw(/ENOENT/);
  });

  it('a dangling master key symlink names the link and where it points', async () => {
    await rm(keyFile);
    await symlink('keys/gone.key', keyFile);
    const result = await ws.run(['status'], KEY_FILE_ONLY);
    expectOperatorError(result, /master\.key is a symbolic link to keys\/gone\.key, which does not exist/);
  });

  it('a store file with a damaged header exits 2 like a wrong key, and is left as it was', async () => {
    const raw = readFileSync(storeFile);
    raw[0] = 0x58;
    writeFileSync(storeFile, raw);
    for (const args of [['status'], ['rotate', '--all', '--yes']]) {
      expectOperatorError(await ws.run(args, KEY_FILE_ONLY), /store\.enc is not a keyturn store file \(bad header\)/);
    }
    expect(readFileSync(storeFile).equals(raw)).to.equal(true);
  });

  it('a store file of another format version exits 2 and says to upgrade', async () => {
    const raw = readFileSync(storeFile);
    raw[8] = 9;
    writeFileSync(storeFile, raw);
    const result = await ws.run(['status'], KEY_FILE_ONLY);
    expectOperatorError(result, /store format version 9/);
    expect(result.stderr).to.match(/upgrade keyturn/);
  });

  it('a wrong master key exits 2 and never prints either key', async () => {
    const wrong = 'ab'.repeat(32);
    const result = await ws.run(['rotate', '--all', '--yes'], { KEYTURN_MASTER_KEY: wrong });
    expectOperatorError(result, /cannot decrypt .*store\.enc: wrong master key, or the file was modified/);
    const right = readFileSync(keyFile, 'utf8').trim();
    expect(result.stderr + result.stdout)
      .to.not.include(wrong)
      .and.not.include(right);
  });
});

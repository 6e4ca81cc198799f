/**
 * The store's lock file is written aside and linked into place, so it is never seen empty or
 * half-written while its holder lives. An empty or torn lock file is therefore a crash's
 * leftover, and the next taker breaks it at once instead of waiting out the stale bound.
 */
import { expect } from 'chai';
import fs from 'node:fs/promises';
import path from 'node:path';
import { acquireFileLock } from '../../src/stores/file/file-lock.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const STALE = { staleMs: 60_000, timeoutMs: 20_000 };

describe('file lock', () => {
  let dir: string;
  let lockPath: string;

  beforeEach(async () => {
    dir = await tempDir('keyturn-lock-');
    lockPath = path.join(dir, 'store.enc.lock');
  });
  afterEach(() => removeTempDir(dir));

  for (const [what, content] of [
    ['empty', ''],
    ['torn', '{"pid":12'],
    ['garbage', '\u0000\u0000\u0000'],
  ] as const) {
    it(`breaks a fresh ${what} lock file at once`, async () => {
      await fs.writeFile(lockPath, content);
      const started = Date.now();
      const lock = await acquireFileLock(lockPath, STALE);
      expect(Date.now() - started).to.be.below(1_000);
      expect(JSON.parse(await fs.readFile(lockPath, 'utf8')).token).to.equal(lock.token);
      await lock.release();
    });
  }

  it('is never visible without its content, and leaves no temp file', async () => {
    const lock = await acquireFileLock(lockPath, STALE);
    const held = JSON.parse(await fs.readFile(lockPath, 'utf8')) as { pid: number; token: string };
    expect(held).to.include({ pid: process.pid, token: lock.token });
    expect((await fs.readdir(dir)).sort()).to.deep.equal(['store.enc.lock']);
    await lock.release();
    expect(await fs.readdir(dir)).to.deep.equal([]);
  });

  it('still waits for a live holder: a complete lock of this process is not broken', async () => {
    const first = await acquireFileLock(lockPath, STALE);
    const second = acquireFileLock(lockPath, { staleMs: 60_000, timeoutMs: 300 });
    const error = await second.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.match(/timed out after 300 ms waiting for the lock/);
    await first.release();
  });
});

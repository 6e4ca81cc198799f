import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { runCommand } from '../../src/process/run-command.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { testContext } from './support.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/demo-registry.js', import.meta.url));

describe('demo registry', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  const run = (command: string, env: Record<string, string>) =>
    runCommand(
      [process.execPath, SCRIPT, command],
      { label: `registry ${command}`, env, timeoutMs: 10_000 },
      testContext({ cwd: dir }).ctx,
    );
  const registry = async () =>
    JSON.parse(await fs.readFile(path.join(dir, '.keyturn', 'demo', 'registry.json'), 'utf8')) as { keys: Array<Record<string, string>> };

  it('register, check, deregister (idempotent), check', async () => {
    expect((await run('check', { KEYTURN_KEY_ID: 'ed-1' })).exitCode).to.equal(1);
    expect((await run('register', { KEYTURN_KEY_ID: 'ed-1', KEYTURN_PUBLIC_KEY: 'MCowBQYDK2VwAyEA-one' })).exitCode).to.equal(0);
    expect((await run('register', { KEYTURN_KEY_ID: 'ed-2', KEYTURN_PUBLIC_KEY: 'MCowBQYDK2VwAyEA-two' })).exitCode).to.equal(0);
    expect((await registry()).keys.map((k) => [k.keyId, k.publicKey])).to.deep.equal([
      ['ed-1', 'MCowBQYDK2VwAyEA-one'],
      ['ed-2', 'MCowBQYDK2VwAyEA-two'],
    ]);
    expect((await run('check', { KEYTURN_KEY_ID: 'ed-1' })).exitCode).to.equal(0);
    expect((await run('deregister', { KEYTURN_KEY_ID: 'ed-1' })).exitCode).to.equal(0);
    expect((await run('deregister', { KEYTURN_KEY_ID: 'ed-1' })).exitCode).to.equal(0);
    expect((await run('check', { KEYTURN_KEY_ID: 'ed-1' })).exitCode).to.equal(1);
    expect((await registry()).keys.map((k) => k.keyId)).to.deep.equal(['ed-2']);
  });

  it('registering the same key id again replaces its entry', async () => {
    await run('register', { KEYTURN_KEY_ID: 'ed-1', KEYTURN_PUBLIC_KEY: 'old-public' });
    await run('register', { KEYTURN_KEY_ID: 'ed-1', KEYTURN_PUBLIC_KEY: 'new-public' });
    expect((await registry()).keys.map((k) => k.publicKey)).to.deep.equal(['new-public']);
  });

  it('concurrent registrations all land', async () => {
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => run('register', { KEYTURN_KEY_ID: `ed-${n}`, KEYTURN_PUBLIC_KEY: `pub-${n}` })));
    expect((await registry()).keys.map((k) => k.keyId).sort()).to.deep.equal(['ed-1', 'ed-2', 'ed-3', 'ed-4', 'ed-5', 'ed-6']);
  });

  it('register without a public key is a usage error', async () => {
    const result = await run('register', { KEYTURN_KEY_ID: 'ed-1' });
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.include('KEYTURN_PUBLIC_KEY is not set');
  });
});

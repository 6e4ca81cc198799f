/**
 * `keyturn scan` through the built CLI: a secret keyturn manages planted in a working tree
 * (gitignored, base64-encoded), hex-encoded (a PREVIOUS version), in an old commit since
 * removed (--git), in a binary (skipped, counted); findings name path, line (and commit) and
 * the key, never any piece of the value; exit 1 on findings, 0 on none; --revoke rotates
 * exactly the leaked key.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { historyOf } from '../support/invariants.js';
import { Workspace } from '../support/workspace.js';

/** Every 8-character piece of the value, raw and base64: none may appear in any output. */
function expectNoPiece(output: string, values: string[]): void {
  for (const value of values) {
    for (const form of [value, Buffer.from(value).toString('base64'), Buffer.from(value).toString('hex')]) {
      for (let i = 0; i + 8 <= form.length; i += 4) expect(output, 'a piece of a secret').to.not.include(form.slice(i, i + 8));
    }
  }
}

describe('keyturn scan', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let secrets: { current1: string; previous1: string; current2: string };
  let oldCommit: string;
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
    });

  before(async () => {
    ws = await Workspace.create({ keys: 2 });
    expect((await ws.run(['rotate', '--all', '--yes'])).exitCode).to.equal(0);
    const s0 = await ws.store();
    const first1 = (await s0.current(ws.ref('key-1')))!.material.secret!;
    await s0.close();
    expect((await ws.run(['rotate', 'key-1', '--yes'])).exitCode).to.equal(0);
    const s = await ws.store();
    secrets = {
      current1: (await s.current(ws.ref('key-1')))!.material.secret!,
      previous1: first1,
      current2: (await s.current(ws.ref('key-2')))!.material.secret!,
    };
    expect((await s.previous(ws.ref('key-1')))!.material.secret).to.equal(first1);
    await s.close();

    const repo = path.join(ws.dir, 'repo');
    await mkdir(path.join(repo, 'notes'), { recursive: true });
    git(repo, 'init', '-q', '-b', 'main');
    await writeFile(
      path.join(repo, 'config.js'),
      `// settings\nexport const url = 'https://example.test';\nexport const token = '${secrets.current2}';\n`,
    );
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'add config');
    oldCommit = git(repo, 'rev-parse', 'HEAD').trim();
    await writeFile(
      path.join(repo, 'config.js'),
      `// settings\nexport const url = 'https://example.test';\nexport const token = process.env.TOKEN;\n`,
    );
    await writeFile(path.join(repo, '.gitignore'), 'notes/\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'token from the environment');
    // gitignored, base64 of "user:secret" as an Authorization header would carry it
    await writeFile(
      path.join(repo, 'notes', 'debug.log'),
      `GET /v1 200\nGET /v2 200\nAuthorization: Basic ${Buffer.from(`svc:${secrets.current1}`).toString('base64')}\n`,
    );
    await writeFile(path.join(repo, 'dump.txt'), `one\ntwo\nthree\nold=${Buffer.from(secrets.previous1).toString('hex')}\n`);
    await writeFile(path.join(repo, 'blob.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(secrets.current1)]));
    await mkdir(path.join(ws.dir, 'clean'));
    await writeFile(path.join(ws.dir, 'clean', 'readme.md'), '# nothing here\n');
    await mkdir(path.join(ws.dir, 'one-leak'));
    await writeFile(path.join(ws.dir, 'one-leak', 'app.env'), `TOKEN=${secrets.current2}\n`);
  });
  after(() => ws.cleanup());

  it('finds a gitignored base64 copy and a hex copy of a PREVIOUS version by path and line, skips the binary, exit 1; no piece of a value in the output', async () => {
    const r = await ws.run(['scan', 'repo']);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.include('repo/notes/debug.log:3: key-1 (secret, CURRENT, base64)');
    expect(r.stdout).to.include('repo/dump.txt:4: key-1 (secret, PREVIOUS, hex)');
    expect(r.stdout).to.not.include('config.js');
    expect(r.stdout).to.match(/skipped 1 binary/);
    expectNoPiece(r.stdout + r.stderr, Object.values(secrets));
  });

  it('--git: finds the secret in the old commit that added it, by commit, path and line (JSON)', async () => {
    const r = await ws.run(['scan', 'repo', '--git', '--json']);
    expect(r.exitCode, r.stderr).to.equal(1);
    const report = JSON.parse(r.stdout) as {
      findings: Array<Record<string, unknown>>;
      keys: string[];
      summary: { history: { commits: number } };
    };
    expect(report.findings).to.deep.include({
      commit: oldCommit,
      path: 'repo/config.js',
      line: 3,
      key: 'key-2',
      field: 'secret',
      version: 'CURRENT',
      encoding: 'as written',
    });
    expect(report.keys).to.deep.equal(['key-1', 'key-2']);
    expect(report.summary.history.commits).to.equal(2);
    expectNoPiece(r.stdout + r.stderr, Object.values(secrets));
  });

  it('exit 0 when nothing is found; a path that does not exist is a usage error without a stack trace', async () => {
    const clean = await ws.run(['scan', 'clean']);
    expect(clean.exitCode, clean.stderr).to.equal(0);
    expect(clean.stdout).to.match(/^0 finding\(s\)/m);
    const missing = await ws.run(['scan', 'no-such-dir']);
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.include('no such file or folder');
    expect(missing.stderr).to.not.match(/\n\s+at /);
  });

  it('--revoke rotates exactly the leaked key in leak mode; the other key is untouched', async () => {
    const s = await ws.store();
    const before1 = (await s.current(ws.ref('key-1')))!.keyId;
    const before2 = (await s.current(ws.ref('key-2')))!.keyId;
    await s.close();
    const noTty = await ws.run(['scan', 'one-leak', '--revoke']);
    expect(noTty.exitCode).to.equal(2);
    const r = await ws.run(['scan', 'one-leak', '--revoke', '--yes']);
    expect(r.exitCode, r.stderr).to.equal(1);
    expect(r.stdout).to.include('one-leak/app.env:1: key-2');
    expect(r.stdout).to.match(/All old keys dead/);
    const s2 = await ws.store();
    expect((await s2.current(ws.ref('key-1')))!.keyId).to.equal(before1);
    expect((await s2.current(ws.ref('key-2')))!.keyId).to.not.equal(before2);
    await s2.close();
    const last = (await historyOf(ws, 'key-2')).at(-1)!;
    expect(last).to.include({ trigger: 'revoke', oldKeyId: before2, outcome: 'completed' });
    expect(last.reason).to.include('one-leak/app.env:1');
    expect(ws.providerKeys().map((k) => k.keyId)).to.not.include(before2);
    expectNoPiece(r.stdout + r.stderr, Object.values(secrets));
  });
});

/**
 * keyturn completion: the script yargs prints, loaded into a real bash, completes verbs and
 * options by asking the built binary; --version names keyturn's version and Node's.
 */
import { readFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { CLI, REPO } from '../support/workspace.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

describe('keyturn completion and --version', function () {
  this.timeout(30_000);
  let dir: string;

  before(async () => {
    // `keyturn` on PATH, as an installed package puts it: the script calls it by name
    dir = await tempDir('keyturn-completion-');
    await writeFile(path.join(dir, 'keyturn'), `#!/bin/sh\nexec node ${JSON.stringify(CLI)} "$@"\n`);
    await chmod(path.join(dir, 'keyturn'), 0o755);
  });
  after(() => removeTempDir(dir));

  /** What bash offers after typing `words` (the last one being completed). */
  async function complete(words: string[]): Promise<string[]> {
    const script = `
source <(keyturn completion)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=${words.length - 1}
_keyturn_yargs_completions
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = await execa('bash', ['-c', script], { cwd: dir, env: { PATH: `${dir}:${process.env.PATH}`, SHELL: '/bin/bash' } });
    return String(r.stdout).split('\n').filter(Boolean).sort();
  }

  it('prints a bash script that completes verbs and each verb’s options', async () => {
    const script = await execa('node', [CLI, 'completion'], { env: { SHELL: '/bin/bash' } });
    expect(script.stdout).to.match(/^###-begin-keyturn-completions-###/);
    expect(script.stdout).to.include('complete -o bashdefault -o default -F _keyturn_yargs_completions keyturn');
    expect(await complete(['keyturn', 're'])).to.deep.equal(['report', 'revoke']);
    expect(await complete(['keyturn', 'rot'])).to.deep.equal(['rotate']);
    expect(await complete(['keyturn', 'report', '--fo'])).to.deep.equal(['--format']);
    expect(await complete(['keyturn', 'init', '--is'])).to.deep.equal(['--issuer']);
    const all = await complete(['keyturn', '']);
    for (const verb of ['validate', 'plan', 'rotate', 'offboard', 'revoke', 'status', 'history', 'audit', 'report', 'init', 'completion'])
      expect(all).to.include(verb);
  });

  it('zsh gets its own script', async () => {
    const script = await execa('node', [CLI, 'completion'], { env: { SHELL: '/usr/bin/zsh' } });
    expect(script.stdout).to.include('#compdef keyturn');
  });

  it('--version: keyturn’s version from package.json and the Node version it runs on', async () => {
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    const r = await execa('node', [CLI, '--version']);
    expect(r.stdout).to.equal(`keyturn ${version} (Node ${process.version})`);
  });
});

/**
 * `npm pack` yields a package that installs and runs on its own: the tarball is installed into
 * an empty folder (no repository around it, npm's cache first), and the installed binary shows
 * its help and version, writes a rotation.yaml with init that validates, validates the
 * repository's demo file copied there, rotates a key into its own store and reports on it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { execa } from 'execa';
import { REPO } from '../support/workspace.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

describe('npm pack: the package installs and runs on its own', function () {
  this.timeout(120_000);
  let dir: string;
  let app: string;
  // an outer `npm test` passes its npm_* settings down; the install must not inherit them (a prefix would put it elsewhere)
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name))) as Record<string, string>;

  before(async () => {
    dir = await tempDir('keyturn-pack-');
    app = path.join(dir, 'app');
  });
  after(() => removeTempDir(dir));

  const keyturn = async (args: string[], extra: Record<string, string> = {}) => {
    const r = await execa('npx', ['--no-install', 'keyturn', ...args], {
      cwd: app,
      env: { ...env, ...extra },
      reject: false,
      stdin: 'ignore',
    });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  it('packs dist/src and config only, installs into an empty folder, and every command it needs runs from there', async () => {
    const started = Date.now();
    const packed = await execa('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO, env });
    const [info] = JSON.parse(String(packed.stdout)) as Array<{
      filename: string;
      size: number;
      unpackedSize: number;
      files: Array<{ path: string }>;
    }>;
    const files = info!.files.map((f) => f.path);
    expect(files).to.include.members([
      'package.json',
      'README.md',
      'dist/src/cli/main.js',
      'config/rotation.schema.json',
      'dist/src/report/html.js',
    ]);
    const outside = files.filter((f) => !/^(dist\/src\/|config\/)/.test(f) && !['package.json', 'README.md', 'LICENSE'].includes(f));
    expect(outside, 'nothing but dist/src, config and the package files').to.deep.equal([]);
    expect(
      files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')),
      'no TypeScript source',
    ).to.equal(false);
    console.log(
      `      (${info!.filename}: ${(info!.size / 1000).toFixed(0)} kB packed, ${(info!.unpackedSize / 1e6).toFixed(1)} MB, ${files.length} files)`,
    );

    await execa('mkdir', ['-p', app]);
    await writeFile(path.join(app, 'package.json'), '{ "name": "keyturn-pack-test", "private": true }\n');
    const install = await execa(
      'npm',
      ['install', path.join(dir, info!.filename), '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: app, env, reject: false },
    );
    expect(install.exitCode, String(install.stderr)).to.equal(0);
    const installed = path.join(app, 'node_modules/keyturn');
    expect(existsSync(path.join(installed, 'dist/src/cli/main.js'))).to.equal(true);
    expect(existsSync(path.join(app, 'node_modules/mocha')), 'no dev dependency installed').to.equal(false);

    const help = await keyturn(['--help']);
    expect(help.exitCode, help.stderr).to.equal(0);
    for (const verb of ['validate', 'rotate', 'report', 'init', 'completion']) expect(help.stdout).to.include(verb);
    const version = await keyturn(['--version']);
    const { version: ours } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    expect(version.stdout).to.equal(`keyturn ${ours} (Node ${process.version})`);

    // the example init writes validates, with the schema comment pointing into the installed package
    const init = await keyturn(['init', '--issuer', 'random', '--store', 'file']);
    expect(init.exitCode, init.stderr).to.equal(0);
    expect(readFileSync(path.join(app, 'rotation.yaml'), 'utf8')).to.match(
      /\$schema=node_modules\/keyturn\/config\/rotation\.schema\.json/,
    );
    const valid = await keyturn(['validate']);
    expect(valid.exitCode, valid.stderr).to.equal(0);
    expect(valid.stdout).to.match(/1 key\(s\), 0 error\(s\)/);
    // the repository's demo file, copied out of it
    await copyFile(path.join(REPO, 'rotation.yaml'), path.join(app, 'demo.yaml'));
    const demo = await keyturn(['validate', '--config', 'demo.yaml']);
    expect(demo.exitCode, demo.stderr).to.equal(0);
    expect(demo.stdout).to.match(/4 key\(s\), 0 error\(s\)/);

    // and it works: a rotation into the embedded store, then the report
    const master = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'pack-test' };
    const rotate = await keyturn(['rotate', '--all', '--yes'], master);
    expect(rotate.exitCode, rotate.stderr).to.equal(0);
    expect(rotate.stdout).to.match(/webhook-secret\s+manual\s+completed/);
    const report = await keyturn(['report', '--json'], master);
    expect(report.exitCode, report.stderr).to.equal(0);
    expect(JSON.parse(report.stdout).summary).to.include({ keys: 1, onTime: 1, rotations: 1 });
    console.log(`      (pack, install and runs: ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  });
});

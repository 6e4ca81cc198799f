/**
 * keyturn init through the built binary: every issuer type with every store type writes a
 * commented rotation.yaml that `keyturn validate` passes as written (and with the commented
 * consumer filled in), on a terminal it asks, without one it names the choices, and an
 * existing file is kept unless --force.
 */
import { readFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { CLI } from '../support/workspace.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { Terminal } from '../support/terminal.js';

const ISSUERS = ['random', 'ed25519', 'command', 'manual', 'binance', 'aws-iam', 'postgres'];
const STORES = ['file', 'vault', 'aws-secrets-manager'];

describe('keyturn init', function () {
  this.timeout(60_000);
  let dir: string;
  const keyturn = async (args: string[]) => {
    const r = await execa('node', [CLI, ...args], { cwd: dir, reject: false, stdin: 'ignore', env: { KEYTURN_MASTER_KEY: '' } });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  };

  beforeEach(async () => {
    dir = await tempDir('keyturn-init-');
  });
  afterEach(() => removeTempDir(dir));

  it('every issuer with every store: validate passes at once, no warning, and with the example consumer and window filled in', async () => {
    const runs: Array<Promise<void>> = [];
    for (const issuer of ISSUERS) {
      for (const store of STORES) {
        runs.push(
          (async () => {
            const file = `${issuer}-${store}.yaml`;
            const init = await keyturn(['init', '--issuer', issuer, '--store', store, '--config', file]);
            expect(init.exitCode, init.stderr).to.equal(0);
            expect(init.stdout).to.include(`Wrote ${file} (issuer ${issuer}, store ${store})`);
            const text = readFileSync(path.join(dir, file), 'utf8');
            expect(text).to.match(/^# yaml-language-server: \$schema=\S+\/config\/rotation\.schema\.json\n/);
            const schema = text.match(/\$schema=(\S+)/)![1]!;
            expect(existsSync(path.resolve(dir, schema)), 'the schema path resolves').to.equal(true);
            expect(text).to.include(`type: ${issuer}`);
            expect(text).to.include(`type: ${store}`);
            expect(text.split('\n').filter((l) => /^\s*#/.test(l)).length, 'commented').to.be.greaterThan(10);
            const ok = await keyturn(['validate', '--config', file]);
            expect(ok.exitCode, `${issuer}/${store}: ${ok.stderr}${ok.stdout}`).to.equal(0);
            expect(ok.stdout).to.match(/1 key\(s\), 0 error\(s\), 0 warning\(s\)/);
            // the commented consumer is right too: uncommented, it still validates
            const filled = text
              .replace('    # consumers:\n', '    consumers:\n')
              .replace(/^ {4}# {3}/gm, '      ')
              .replace('  # window:', '  window:')
              .replace('  # blackout:', '  blackout:');
            expect(filled).to.match(/^ {2}window: Tue-Thu/m);
            expect(filled).to.match(/^ {4}consumers:\n {6}- name: app\n/m);
            await writeFile(path.join(dir, `filled-${file}`), filled);
            const withConsumer = await keyturn(['validate', '--config', `filled-${file}`]);
            expect(withConsumer.exitCode, `${issuer}/${store} with its consumer: ${withConsumer.stderr}`).to.equal(0);
          })(),
        );
        if (runs.length >= 3) await Promise.all(runs.splice(0));
      }
    }
    await Promise.all(runs);
  });

  it('keeps an existing file unless --force; refuses an unknown type and, without a terminal, a missing one (exit 2, no stack)', async () => {
    const first = await keyturn(['init', '--issuer', 'random', '--store', 'file']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const again = await keyturn(['init', '--issuer', 'binance', '--store', 'vault']);
    expect(again.exitCode).to.equal(2);
    expect(again.stderr).to.match(/rotation\.yaml already exists; keyturn init leaves it alone\n {2}hint: pass --force/);
    expect(readFileSync(path.join(dir, 'rotation.yaml'), 'utf8')).to.include('type: random');
    const forced = await keyturn(['init', '--issuer', 'binance', '--store', 'vault', '--force']);
    expect(forced.exitCode, forced.stderr).to.equal(0);
    expect(readFileSync(path.join(dir, 'rotation.yaml'), 'utf8')).to.include('type: binance');
    expect((await keyturn(['validate'])).exitCode).to.equal(0);

    const cases: Array<[string[], RegExp]> = [
      [
        ['--issuer', 'okta', '--store', 'file'],
        /--issuer must be one of random, ed25519, command, manual, binance, aws-iam, postgres, not "okta"/,
      ],
      [['--issuer', 'random', '--store', 'etcd'], /--store must be one of file, vault, aws-secrets-manager, not "etcd"/],
      [['--store', 'file'], /keyturn init needs --issuer without a terminal: one of random, ed25519/],
      [['--issuer', 'random'], /keyturn init needs --store without a terminal: one of file, vault, aws-secrets-manager/],
    ];
    for (const [args, message] of cases) {
      const r = await keyturn(['init', ...args, '--config', 'other.yaml']);
      expect(r.exitCode, args.join(' ')).to.equal(2);
      expect(r.stderr).to.match(message);
      expect(r.stderr).to.not.match(/\n\s+at /);
      expect(existsSync(path.join(dir, 'other.yaml'))).to.equal(false);
    }
  });

  it('on a terminal it asks for the issuer and the store (by number or name, again after a wrong answer)', async () => {
    const term = new Terminal(['node', CLI, 'init', '--config', 'asked.yaml'], { cwd: dir });
    await term.waitFor('issuer (1-7 or a name): ');
    expect(term.screen).to.include('5. binance');
    await term.type('okta\r');
    await term.waitFor('"okta" is not one of');
    await term.type('binance\r');
    await term.waitFor('store (1-3 or a name): ');
    await term.type('2\r');
    await term.waitFor('Wrote asked.yaml (issuer binance, store vault)');
    expect(await term.close()).to.equal(0);
    const text = readFileSync(path.join(dir, 'asked.yaml'), 'utf8');
    expect(text).to.include('keyturn init --issuer binance --store vault');
    expect(text).to.include('managementKey: { store: vault, path: exchange/management }');
    const ok = await keyturn(['validate', '--config', 'asked.yaml']);
    expect(ok.exitCode, ok.stderr).to.equal(0);
  });
});

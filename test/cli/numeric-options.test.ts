/** Numeric options take a whole number in a stated range; anything else is a usage error before any work starts. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';

const BAD_VALUES = ['abc', '0', '-1', '0.5', 'Infinity', 'NaN', '1e3', '0x10', '257', ''];

describe('cli numeric options', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
  });
  afterEach(async () => ws.cleanup());

  it('--concurrency refuses every value that is not a whole number from 1 to 256, naming it, with exit 2', async () => {
    for (const value of BAD_VALUES) {
      const result = await ws.run(['rotate', '--all', '--yes', `--concurrency=${value}`]);
      expect(result.exitCode, `--concurrency=${value}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.include(`--concurrency must be a whole number from 1 to 256, not "${value}"`);
      expect(result.stderr, 'no stack trace').not.to.match(/\n\s+at /);
      expect(result.stdout).to.equal('');
    }
    expect(existsSync(path.join(ws.dir, 'store.enc')), 'nothing was rotated').to.equal(false);
    expect(ws.providerKeys()).to.have.length(0);
  });

  it('every command that takes --concurrency checks it the same way', async () => {
    for (const args of [
      ['rotate', 'key-1', '--dry-run'],
      ['offboard', 'bob', '--dry-run'],
      ['apply', 'plan.json', '--yes'],
    ]) {
      const result = await ws.run([...args, '--concurrency', '-1']);
      expect(result.exitCode, `${args[0]}: ${result.stderr}`).to.equal(2);
      expect(result.stderr).to.include('--concurrency must be a whole number from 1 to 256');
    }
  });

  it('--concurrency given twice is refused rather than one value silently winning', async () => {
    const result = await ws.run(['rotate', '--all', '--yes', '--concurrency', '2', '--concurrency', '3']);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.include('--concurrency is given 2 times');
  });

  it('the bounds themselves are accepted and the rotation runs', async () => {
    const one = await ws.run(['rotate', '--all', '--yes', '--concurrency', '1']);
    expect(one.exitCode, one.stderr).to.equal(0);
    const max = await ws.run(['rotate', '--all', '--yes', '--concurrency', '256']);
    expect(max.exitCode, max.stderr).to.equal(0);
    expect(ws.providerKeys()).to.have.length(1);
  });

  it('no command declares a bare yargs number option (it would accept NaN, 0 and 0.5 unchecked)', async () => {
    for (const verb of ['validate', 'plan', 'apply', 'rotate', 'offboard', 'revoke', 'audit', 'status', 'history']) {
      const help = await ws.run([verb, '--help']);
      expect(help.exitCode, verb).to.equal(0);
      expect(help.stdout, verb).not.to.include('[number]');
    }
  });
});

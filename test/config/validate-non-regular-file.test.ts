/**
 * `--config` naming a FIFO (or any file that is not a regular file) is refused at once
 * with exit 2: reading a FIFO would wait for a writer for ever.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { ValidateDir } from './validate-cli.js';

describe('keyturn validate: a --config that is not a regular file', function () {
  this.timeout(30_000);
  const dir = new ValidateDir();
  beforeEach(() => dir.create());
  afterEach(() => dir.remove());

  it('refuses a FIFO without waiting for a writer, naming it', async () => {
    const fifo = path.join(dir.dir, 'rotation.yaml');
    execFileSync('mkfifo', [fifo]);
    // ValidateDir.run gives up after 20s: a hang fails this test instead of passing it
    const result = await dir.run(['validate', '--config', fifo]);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr).to.include(`${fifo} is not a regular file (a FIFO)`);
    expect(result.stderr).to.not.match(/\n\s+at .+\.js:\d+/);
  });

  it('refuses a character device, and a directory', async () => {
    const device = await dir.run(['validate', '--config', '/dev/zero']);
    expect(device.exitCode).to.equal(2);
    expect(device.stderr).to.include('/dev/zero is not a regular file (a device)');
    const folder = await dir.run(['validate', '--config', dir.dir]);
    expect(folder.exitCode).to.equal(2);
    expect(folder.stderr).to.include(`${dir.dir} is a directory`);
  });
});

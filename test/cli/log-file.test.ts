/** --log-file is the audit trail an operator asked for: it is written 0600, or the run does not start. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace, type CliResult } from '../support/workspace.js';

function expectRefusedBeforeAnyWork(ws: Workspace, result: CliResult, message: string): void {
  expect(result.exitCode, result.stderr).to.equal(2);
  expect(result.stderr).to.include(message);
  expect(result.stderr, 'no stack trace').not.to.match(/\n\s+at /);
  expect(existsSync(path.join(ws.dir, 'store.enc')), 'nothing was rotated').to.equal(false);
  expect(ws.providerKeys()).to.have.length(0);
}

describe('cli --log-file', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
  });
  afterEach(async () => ws.cleanup());

  it('a log file in a folder that does not exist stops the run before it starts, and the folder is not made', async () => {
    const result = await ws.run(['rotate', '--all', '--yes', '--log-file', 'logs/keyturn.log']);
    expectRefusedBeforeAnyWork(ws, result, `--log-file logs/keyturn.log: the folder ${path.join(ws.dir, 'logs')} does not exist`);
    expect(existsSync(path.join(ws.dir, 'logs'))).to.equal(false);
  });

  it('a folder given as the log file is refused with the name of a file to use instead', async () => {
    await mkdir(path.join(ws.dir, 'logs'));
    const result = await ws.run(['rotate', '--all', '--yes', '--log-file', 'logs']);
    expectRefusedBeforeAnyWork(ws, result, '--log-file logs is a folder, not a file');
    expect(result.stderr).to.include('logs/keyturn.log');
  });

  it('a path through a file is refused', async () => {
    const result = await ws.run(['rotate', '--all', '--yes', '--log-file', 'rotation.yaml/keyturn.log']);
    expectRefusedBeforeAnyWork(ws, result, 'a part of the path is a file, not a folder');
  });

  it('an empty --log-file is a usage error, not a log silently dropped', async () => {
    const result = await ws.run(['rotate', '--all', '--yes', '--log-file=']);
    expectRefusedBeforeAnyWork(ws, result, '--log-file needs a file name');
  });

  it('the log file is created 0600, not the 0644 of the usual umask, and holds every line as JSON and no secret', async () => {
    const file = path.join(ws.dir, 'keyturn.log');
    const result = await ws.run(['rotate', '--all', '--yes', '--log-level', 'debug', '--log-file', 'keyturn.log']);
    expect(result.exitCode, result.stderr).to.equal(0);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('\n'), 'the last line was flushed before exit').to.equal(true);
    const lines = text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: string; message: string });
    expect(lines.length).to.be.greaterThan(3);
    expect(text).to.include('key-1');
    for (const secret of ws.issuedSecrets()) expect(text).not.to.include(secret);
  });

  it('an existing log file is appended to, not replaced', async () => {
    const file = path.join(ws.dir, 'keyturn.log');
    await writeFile(file, '{"earlier":"run"}\n', { mode: 0o600 });
    const result = await ws.run(['rotate', '--all', '--yes', '--log-file', 'keyturn.log']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('{"earlier":"run"}\n')).to.equal(true);
    expect(text.split('\n').length).to.be.greaterThan(2);
  });
});

/**
 * A reader that goes away (`keyturn status | head -1`): keyturn's writes to the closed pipe fail
 * with EPIPE. The output is dropped, the command still runs to its end and exits with its own
 * code, and nothing like a stack trace reaches stderr. The read end is closed before keyturn
 * writes anything, so every write meets EPIPE (not a race with the reader).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');

/** Run the CLI with its stdout pipe closed at once; stderr collected. */
function withClosedStdout(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

function run(args: string[], cwd: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout }));
  });
}

describe('cli: stdout closed by its reader (EPIPE)', function () {
  this.timeout(30_000);
  let dir: string;

  before(async () => {
    dir = await tempDir('keyturn-epipe-');
    const init = await run(['init', '--issuer', 'random', '--store', 'file'], dir);
    expect(init.code).to.equal(0);
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('status: exit 0, no stack trace', async () => {
    const r = await withClosedStdout(['status'], dir);
    expect(r.stderr).to.not.match(/EPIPE|Unhandled|\n\s+at /);
    expect(r.code).to.equal(0);
  });

  it('rotate --yes runs to its end: the key is rotated and in history, exit 0', async () => {
    const r = await withClosedStdout(['rotate', '--all', '--yes', '--log-level', 'warn'], dir);
    expect(r.stderr).to.not.match(/EPIPE|Unhandled|\n\s+at /);
    expect(r.code).to.equal(0);
    const history = await run(['history', '--json'], dir);
    const entries = (JSON.parse(history.stdout) as { history: Array<{ outcome: string; trigger: string }> }).history;
    expect(entries.map((e) => [e.trigger, e.outcome])).to.deep.equal([['manual', 'completed']]);
  });
});

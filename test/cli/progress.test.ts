/**
 * Live progress of rotate (and revoke): in a real pseudo-terminal a line per key redrawn in
 * place; without one, plain lines; with --json or --quiet, none. Every output is checked
 * against every secret the provider ever issued.
 */
import { expect } from 'chai';
import { Terminal } from '../support/terminal.js';
import { CLI, Workspace } from '../support/workspace.js';

// eslint-disable-next-line no-control-regex -- the point is to find escape sequences
const ESCAPE = /\u001b/;
// eslint-disable-next-line no-control-regex
const COLOUR = /\u001b\[3[0-9]m/;
// eslint-disable-next-line no-control-regex
const ERASE_LINE = /\u001b\[2K/;

/** The built CLI in a pseudo-terminal 100 columns wide, with the terminal type given (Terminal itself says dumb). */
async function inTerminal(ws: Workspace, args: string[], env: string[] = []): Promise<{ exitCode: number | null; screen: string }> {
  const command = ['stty cols 100 rows 40;', 'exec env -u NO_COLOR -u FORCE_COLOR', ...env, process.execPath, CLI, ...args].join(' ');
  const terminal = new Terminal(['sh', '-c', command], { cwd: ws.dir, env: ws.env });
  // the summary's header: the run is over (close() gives a slow run only 10 s)
  await terminal.waitFor('TRIGGER', 50_000);
  return { exitCode: await terminal.close(), screen: terminal.screen };
}

describe('progress while keys rotate', function () {
  this.timeout(60_000);
  let ws: Workspace;
  const outputs: string[] = [];
  before(async () => {
    ws = await Workspace.create({ keys: 3 });
  });
  after(async () => {
    // the known material: every secret the provider issued in these runs, in no output at all
    const secrets = ws.issuedSecrets();
    expect(secrets.length).to.be.greaterThan(3);
    for (const output of outputs) for (const secret of secrets) expect(output).to.not.include(secret);
    // the run Ctrl-C ended may leave its issuer's child finishing a write in the workspace for a moment
    for (let attempt = 1; ; attempt++) {
      try {
        await ws.cleanup();
        break;
      } catch (error) {
        if (attempt === 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  });

  it('on a terminal: one line per key redrawn with its step and time, then its outcome, then the summary', async () => {
    const { exitCode, screen } = await inTerminal(ws, ['rotate', '--all', '--yes', '--log-level', 'warn'], ['TERM=xterm-256color']);
    expect(exitCode).to.equal(0);
    outputs.push(screen);
    expect(screen).to.match(ERASE_LINE);
    expect(screen).to.match(COLOUR);
    for (const key of ['key-1', 'key-2', 'key-3']) {
      expect(screen).to.match(new RegExp(`${key} {2}(create|stage|promote|restart|verify|retire|record) {2}\\d+\\.\\ds`));
      expect(screen).to.match(new RegExp(`✔\\S* ${key} {2}completed in \\d+\\.\\ds`));
      expect(screen).to.match(new RegExp(`${key}\\s+manual\\s+completed`));
    }
    // the summary comes after the display is finished
    expect(screen.lastIndexOf('KEY ')).to.be.greaterThan(screen.lastIndexOf('completed in'));
  });

  it('on a terminal: a failing key shows its failure on its line; NO_COLOR leaves the colours out', async () => {
    await ws.failProviderOnce('create');
    const { exitCode, screen } = await inTerminal(
      ws,
      ['rotate', 'key-1', 'key-2', '--yes', '--concurrency', '1', '--log-level', 'warn'],
      ['TERM=xterm-256color', 'NO_COLOR=1'],
    );
    expect(exitCode).to.equal(1);
    outputs.push(screen);
    expect(screen).to.match(ERASE_LINE);
    expect(screen).to.not.match(COLOUR);
    expect(screen).to.match(/✖ key-1 {2}rolled-back at create in \d+\.\ds: issuer provider create exited 1/);
    expect(screen).to.match(/key-2 {2}completed in/);
    expect(screen).to.match(/key-1\s+manual\s+rolled-back/);
  });

  it('on a terminal that says TERM=dumb: plain lines, no cursor movement', async () => {
    const { exitCode, screen } = await inTerminal(ws, ['rotate', 'key-2', '--yes', '--log-level', 'warn'], ['TERM=dumb']);
    expect(exitCode).to.equal(0);
    outputs.push(screen);
    expect(screen).to.include('key-2: create\r\n');
    expect(screen).to.match(/key-2: completed in \d+\.\ds\r\n/);
    expect(screen).to.not.match(ESCAPE);
  });

  it('without a terminal: plain lines as steps begin and keys end, no escape sequence; logs on stderr', async () => {
    await ws.failProviderOnce('create');
    const r = await ws.run(['rotate', 'key-1', 'key-2', '--yes', '--concurrency', '1']);
    outputs.push(r.stdout, r.stderr);
    expect(r.exitCode, r.stderr).to.equal(1);
    const lines = r.stdout.split('\n');
    expect(lines[0]).to.equal('key-1: create');
    expect(lines[1]).to.match(/^key-1: rolled-back at create in \d+\.\ds: issuer provider create exited 1/);
    expect(lines.filter((l) => l.startsWith('key-2: ')).map((l) => l.replace(/ in .*/, ''))).to.deep.equal(
      ['create', 'stage', 'promote', 'restart', 'verify', 'retire', 'record', 'completed'].map((step) => `key-2: ${step}`),
    );
    expect(r.stdout).to.match(/^KEY\s+TRIGGER\s+OUTCOME/m);
    expect(r.stdout).to.not.match(ESCAPE);
    expect(r.stderr).to.match(/key-2: create/);
    expect(r.stderr).to.not.match(/completed in/);
  });

  it('--json: stdout is the JSON document alone, the same shape as before', async () => {
    const r = await ws.run(['rotate', 'key-3', '--yes', '--json']);
    outputs.push(r.stdout, r.stderr);
    expect(r.exitCode, r.stderr).to.equal(0);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).to.deep.equal(['results', 'exitCode']);
    expect(doc.exitCode).to.equal(0);
    expect(doc.results.map((x: any) => [x.key, x.outcome])).to.deep.equal([['key-3', 'completed']]);
    // RotationResult's fields, nothing added
    const fields = [
      'key',
      'trigger',
      'outcome',
      'rotationId',
      'oldKeyId',
      'newKeyId',
      'failedStep',
      'error',
      'note',
      'retireAfter',
      'durationMs',
    ];
    for (const result of doc.results) {
      expect(result).to.include.keys('key', 'trigger', 'outcome', 'rotationId', 'newKeyId', 'durationMs');
      expect(fields).to.include.members(Object.keys(result));
    }
  });

  it('--quiet: the summary only', async () => {
    const r = await ws.run(['rotate', 'key-1', 'key-3', '--yes', '--quiet', '--log-level', 'warn']);
    outputs.push(r.stdout, r.stderr);
    expect(r.exitCode, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^KEY\s+TRIGGER\s+OUTCOME/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).to.deep.equal([
      'key-1 manual completed',
      'key-3 manual completed',
    ]);
  });

  it('offboard --quiet: the summary only, without the list of what the person held', async () => {
    const r = await ws.run(['offboard', 'bob', '--yes', '-q', '--log-level', 'warn']);
    outputs.push(r.stdout, r.stderr);
    expect(r.exitCode, r.stderr).to.equal(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).to.match(/^KEY\s+TRIGGER\s+OUTCOME/);
    expect(lines.slice(2).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).to.deep.equal([
      'key-2 offboard completed',
      'key-3 offboard completed',
    ]);
  });

  it('revoke without a terminal: the deletion and each step on plain lines, then the report', async () => {
    const r = await ws.run(['revoke', 'key-2', '--reason', 'pasted in chat', '--yes']);
    outputs.push(r.stdout, r.stderr);
    expect(r.exitCode, r.stderr).to.equal(0);
    const lines = r.stdout.split('\n');
    const revoked = lines.indexOf('key-2: revoke-old');
    expect(revoked).to.be.greaterThan(-1);
    expect(lines[revoked + 1]).to.match(/^key-2: old key (dead \(proven\)|deleted) at \+\d+\.\ds$/);
    expect(lines[revoked + 2]).to.equal('key-2: create');
    expect(r.stdout).to.match(/key-2: completed in \d+\.\ds\nOld keys:/);
    expect(r.stdout).to.not.match(ESCAPE);
  });

  it('on a terminal, Ctrl-C ends the run as before (the journal resumes later; last: it leaves key-1 in flight) and gives the cursor back', async () => {
    const command = `stty cols 100 rows 40; exec env TERM=xterm-256color ${process.execPath} ${CLI} rotate key-1 --yes --log-level warn`;
    const terminal = new Terminal(['sh', '-c', command], { cwd: ws.dir, env: ws.env });
    await terminal.waitFor('key-1  create', 30_000);
    await terminal.type('\u0003');
    expect(await terminal.close()).to.equal(130);
    outputs.push(terminal.screen);
    expect(terminal.screen.slice(terminal.screen.lastIndexOf('\u001b[?25l'))).to.include('\u001b[?25h');
    expect(terminal.screen).to.not.include('TRIGGER');
  });
});

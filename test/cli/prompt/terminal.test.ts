import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Terminal } from '../../support/terminal.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/terminal-prompt.js', import.meta.url));

/** The fields of the fixture's RESULT line, decoded. */
function result(screen: string): { name: string; secret: string; redacted: string } {
  const match = /RESULT:([0-9a-f]*):([0-9a-f]*):(\S*)/.exec(screen);
  if (!match) throw new Error(`no RESULT on the screen: ${JSON.stringify(screen)}`);
  return {
    name: Buffer.from(match[1]!, 'hex').toString('utf8'),
    secret: Buffer.from(match[2]!, 'hex').toString('utf8'),
    redacted: match[3]!,
  };
}

describe('terminal prompt in a real pseudo-terminal', function () {
  this.timeout(40_000);
  let terminal: Terminal | undefined;
  afterEach(async () => {
    if (terminal && terminal.child.exitCode === null) terminal.child.kill('SIGKILL');
    terminal = undefined;
  });

  it('echoes ordinary text but never the secret, and returns the secret as typed', async () => {
    const secret = 'hunter2-Zq9-secret';
    terminal = new Terminal([process.execPath, FIXTURE, 'text-then-secret']);
    await terminal.waitFor('Name: ');
    expect(terminal.screen).to.include('INTERACTIVE:true');
    await terminal.type('operator-alice\r');
    await terminal.waitFor('Secret: ');
    // a typo fixed with backspace, and an arrow key that must not become part of the secret
    await terminal.type(`${secret.slice(0, 7)}X\u007f${secret.slice(7)}`);
    await terminal.type('\u001b[D\r');
    await terminal.waitFor('DONE');
    expect(await terminal.close()).to.equal(0);

    // the control: the terminal does echo input, so the secret's absence means something
    expect(terminal.screen).to.include('operator-alice');
    expect(terminal.screen).to.not.include(secret);
    expect(terminal.screen).to.not.include(secret.slice(0, 7));
    expect(result(terminal.screen)).to.deep.equal({ name: 'operator-alice', secret, redacted: '[REDACTED]' });
    expect(terminal.screen).to.include('RAW-AFTER:false');
  });

  it('Ctrl-C at the secret prompt rejects with EABORTED and leaves the terminal as it was', async () => {
    terminal = new Terminal([process.execPath, FIXTURE, 'secret']);
    await terminal.waitFor('Secret: ');
    await terminal.type('half-typed\u0003');
    await terminal.waitFor('DONE');
    expect(await terminal.close()).to.equal(0);
    expect(terminal.screen).to.include('ERROR:EABORTED');
    expect(terminal.screen).to.include('RAW-AFTER:false');
    expect(terminal.screen).to.not.include('half-typed');
  });
});

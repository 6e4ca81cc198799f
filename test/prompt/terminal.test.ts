import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const FIXTURE = fileURLToPath(new URL('./fixtures/terminal-prompt.js', import.meta.url));
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** The fixture in a real pseudo-terminal, through util-linux `script`; we are the keyboard and the screen. */
class Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  screen = '';
  private readonly exited: Promise<number | null>;

  constructor(mode: string) {
    this.child = spawn('script', ['-qec', `${quote(process.execPath)} ${quote(FIXTURE)} ${mode}`, '/dev/null'], {
      env: { ...process.env, SHELL: '/bin/sh', TERM: 'dumb' },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.screen += chunk.toString('utf8')));
    this.child.stderr.on('data', (chunk: Buffer) => (this.screen += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Wait until `text` is on the screen: typing before a prompt is up would race the terminal mode. */
  async waitFor(text: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.screen.includes(text)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)}; screen so far: ${JSON.stringify(this.screen)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async type(keys: string): Promise<void> {
    // a key at a time, as a person types: each may arrive in its own read
    for (const key of keys) {
      this.child.stdin.write(key);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async close(): Promise<number | null> {
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    this.child.stdin.end();
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** The fields of the RESULT line, decoded. */
  result(): { name: string; secret: string; redacted: string } {
    const match = /RESULT:([0-9a-f]*):([0-9a-f]*):(\S*)/.exec(this.screen);
    if (!match) throw new Error(`no RESULT on the screen: ${JSON.stringify(this.screen)}`);
    return { name: Buffer.from(match[1]!, 'hex').toString('utf8'), secret: Buffer.from(match[2]!, 'hex').toString('utf8'), redacted: match[3]! };
  }
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
    terminal = new Terminal('text-then-secret');
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
    expect(terminal.result()).to.deep.equal({ name: 'operator-alice', secret, redacted: '[REDACTED]' });
    expect(terminal.screen).to.include('RAW-AFTER:false');
  });

  it('Ctrl-C at the secret prompt rejects with EABORTED and leaves the terminal as it was', async () => {
    terminal = new Terminal('secret');
    await terminal.waitFor('Secret: ');
    await terminal.type('half-typed\u0003');
    await terminal.waitFor('DONE');
    expect(await terminal.close()).to.equal(0);
    expect(terminal.screen).to.include('ERROR:EABORTED');
    expect(terminal.screen).to.include('RAW-AFTER:false');
    expect(terminal.screen).to.not.include('half-typed');
  });
});

/** A program in a real pseudo-terminal, through util-linux `script`: the test is the keyboard and the screen. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

export class Terminal {
  readonly child: ChildProcessWithoutNullStreams;
  screen = '';
  private readonly exited: Promise<number | null>;

  constructor(argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
    this.child = spawn('script', ['-qec', argv.map(quote).join(' '), '/dev/null'], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, SHELL: '/bin/sh', TERM: 'dumb' },
    });
    this.child.stdout.on('data', (chunk: Buffer) => (this.screen += chunk.toString('utf8')));
    this.child.stderr.on('data', (chunk: Buffer) => (this.screen += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  /** Wait until `text` is on the screen: typing before a prompt is up would race the terminal mode. */
  async waitFor(text: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.screen.includes(text)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${JSON.stringify(text)}; screen so far: ${JSON.stringify(this.screen)}`);
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
}

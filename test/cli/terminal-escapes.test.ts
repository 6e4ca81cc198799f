/**
 * Text from rotation.yaml, the store, an issuer or a consumer reaches the operator's
 * terminal in tables, plans, errors and logs. Control characters in it (ESC starting CSI
 * and OSC sequences, BEL, C1 controls, bidi overrides) are shown escaped, never sent raw;
 * --json stays valid JSON that parses back to the original text.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Terminal } from '../support/terminal.js';
import { CLI, Workspace } from '../support/workspace.js';

// Everything a terminal could act on; tab and newline are layout.
// eslint-disable-next-line no-control-regex -- the control characters are what this test looks for
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
// Clear the screen, set the window title, a C1 CSI, and a right-to-left override.
const HOSTILE = '\u001b[2J\u001b]0;pwned\u0007 \u009b31m \u202e';
const HOSTILE_YAML = '\\e[2J\\e]0;pwned\\a \\x9b31m \\u202e';
const SHOWN = '\\x1b[2J\\x1b]0;pwned\\x07 \\x9b31m \\u202e';

function expectTerminalSafe(text: string, what: string): void {
  const raw = RAW_CONTROL.exec(text);
  expect(raw, `${what} carries a raw control character at ${raw?.index}: ${JSON.stringify(text.slice(0, 400))}`).to.equal(null);
}

describe('cli output neutralises terminal control characters', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
    // key-1's purpose is hostile; key-2's consumer fails its restart printing hostile output
    const consumer = path.join(ws.dir, 'hostile-consumer.mjs');
    await writeFile(consumer, `process.stderr.write(${JSON.stringify(`${HOSTILE}\r\nrestart failed\n`)}); process.exit(1);\n`);
    const file = path.join(ws.dir, 'rotation.yaml');
    const yaml = readFileSync(file, 'utf8')
      .replace('purpose: test key 1', `purpose: "test key 1 ${HOSTILE_YAML}"`)
      .replace(/command: \[node, [^\]]*restart, app-2\]/, `command: [node, ${JSON.stringify(consumer)}]`);
    await writeFile(file, yaml);
  });
  afterEach(async () => ws.cleanup());

  it('status shows a hostile purpose escaped, and --json keeps it exactly', async () => {
    const text = await ws.run(['status']);
    expect(text.exitCode, text.stderr).to.equal(0);
    expectTerminalSafe(text.stdout, 'status');
    expect(text.stdout).to.include(`test key 1 ${SHOWN}`);

    const json = await ws.run(['status', '--json']);
    expect(json.exitCode, json.stderr).to.equal(0);
    expectTerminalSafe(json.stdout, 'status --json');
    const parsed = JSON.parse(json.stdout) as { keys: Array<{ key: string; purpose: string }> };
    expect(parsed.keys.find((k) => k.key === 'key-1')?.purpose).to.equal(`test key 1 ${HOSTILE}`);
  });

  it('the plan shows the purpose escaped on one line', async () => {
    const plan = await ws.run(['plan', '--all']);
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expectTerminalSafe(plan.stdout, 'plan');
    expect(plan.stdout).to.include(`key-1 — test key 1 ${SHOWN}\n`);
  });

  it("a consumer's hostile output is escaped in the results table, the pretty log and history", async () => {
    const rotate = await ws.run(['rotate', 'key-2', '--yes']);
    expect(rotate.exitCode, rotate.stderr).to.equal(1);
    expectTerminalSafe(rotate.stdout, 'results table');
    expectTerminalSafe(rotate.stderr, 'pretty log');
    expect(rotate.stdout).to.include(`${SHOWN}\\r\\nrestart failed`);
    expect(rotate.stderr).to.include('\\x1b]0;pwned\\x07');

    const history = await ws.run(['history']);
    expect(history.exitCode, history.stderr).to.equal(0);
    expectTerminalSafe(history.stdout, 'history');
    expect(history.stdout).to.match(/key-2 .* rolled-back .*\\x1b\[2J/);

    const json = await ws.run(['history', '--json']);
    expectTerminalSafe(json.stdout, 'history --json');
    const entries = (JSON.parse(json.stdout) as { history: Array<{ error?: string }> }).history;
    expect(entries.some((e) => e.error?.includes(HOSTILE))).to.equal(true);
  });

  it('on a terminal, the plan shown before the question carries the purpose escaped', async () => {
    const terminal = new Terminal([process.execPath, CLI, 'rotate', 'key-1'], { cwd: ws.dir, env: ws.env });
    await terminal.waitFor('Rotate 1 key(s)?');
    await terminal.type('n\r');
    expect(await terminal.close()).to.equal(0);
    // readline draws with its own escape sequences; the hostile ones must not reach the screen
    expect(terminal.screen).to.include(`test key 1 ${SHOWN}`);
    expect(terminal.screen).not.to.include('\u001b]0;pwned');
    expect(terminal.screen).not.to.include('\u001b[2J');
  });

  it('JSON log lines on stderr are valid JSON with no raw control character', async () => {
    const rotate = await ws.run(['rotate', 'key-2', '--yes', '--log-format', 'json']);
    expect(rotate.exitCode, rotate.stderr).to.equal(1);
    expectTerminalSafe(rotate.stderr, 'json log');
    const lines = rotate.stderr
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { message: string });
    expect(lines.some((l) => JSON.stringify(l).includes('pwned'))).to.equal(true);
  });

  it('an error message quoting hostile input is escaped', async () => {
    const unknownKey = await ws.run(['history', HOSTILE]);
    expect(unknownKey.exitCode).to.equal(2);
    expectTerminalSafe(unknownKey.stderr, 'error');
    expect(unknownKey.stderr).to.include(`no key named ${SHOWN}`);

    const unknownOption = await ws.run(['status', `--x${HOSTILE}`]);
    expect(unknownOption.exitCode).to.equal(2);
    expectTerminalSafe(unknownOption.stderr, 'usage error');
  });
});

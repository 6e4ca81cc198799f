/** On a terminal, rotate shows the plan and asks before it changes anything. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Terminal } from '../support/terminal.js';
import { CLI, Workspace } from '../support/workspace.js';
import { expectSettled } from '../support/invariants.js';

describe('cli on a terminal', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
  });
  afterEach(async () => ws.cleanup());

  it('answering no changes nothing', async () => {
    const terminal = new Terminal([process.execPath, CLI, 'rotate', '--all'], { cwd: ws.dir, env: ws.env });
    await terminal.waitFor('Rotate 1 key(s)?');
    expect(terminal.screen).to.include('key-1');
    await terminal.type('n\r');
    expect(await terminal.close()).to.equal(0);
    expect(terminal.screen).to.include('Nothing changed');
    expect(existsSync(path.join(ws.dir, 'store.enc'))).to.equal(false);
  });

  it('answering yes rotates', async () => {
    const terminal = new Terminal([process.execPath, CLI, 'rotate', '--all'], { cwd: ws.dir, env: ws.env });
    await terminal.waitFor('Rotate 1 key(s)?');
    await terminal.type('y\r');
    expect(await terminal.close()).to.equal(0);
    expect(terminal.screen).to.match(/key-1\s+manual\s+completed/);
    await expectSettled(ws, 'key-1');
  });
});

/** On a terminal, revoke lists every selected key and asks before it deletes anything. */
import { expect } from 'chai';
import { Terminal } from '../support/terminal.js';
import { CLI, Workspace } from '../support/workspace.js';
import { expectSettled, historyOf } from '../support/invariants.js';

describe('revoke on a terminal', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
    expect((await ws.run(['rotate', '--all', '--yes'])).exitCode).to.equal(0);
  });
  afterEach(async () => ws.cleanup());

  it('lists the keys with their current key ids; no deletes nothing, yes revokes them all and prints the timings', async () => {
    const before1 = (await expectSettled(ws, 'key-1')).currentKeyId;
    const before2 = (await expectSettled(ws, 'key-2')).currentKeyId;
    const declined = new Terminal([process.execPath, CLI, 'revoke', '--all', '--reason', 'laptop stolen'], { cwd: ws.dir, env: ws.env });
    await declined.waitFor('Delete 2 key(s) now?');
    expect(declined.screen).to.include(before1).and.include(before2);
    await declined.type('n\r');
    expect(await declined.close()).to.equal(0);
    expect(declined.screen).to.include('Nothing changed');
    expect((await expectSettled(ws, 'key-1')).currentKeyId).to.equal(before1);

    const accepted = new Terminal([process.execPath, CLI, 'revoke', '--all', '--reason', 'laptop stolen'], { cwd: ws.dir, env: ws.env });
    await accepted.waitFor('Delete 2 key(s) now?');
    await accepted.type('y\r');
    expect(await accepted.close()).to.equal(0);
    expect(accepted.screen).to.match(/All old keys dead \d+\.\d\ds after the start/);
    expect(accepted.screen).to.match(/2 of 2 key\(s\) replaced/);
    expect((await expectSettled(ws, 'key-1')).currentKeyId).to.not.equal(before1);
    expect((await historyOf(ws, 'key-2')).at(-1)).to.include({ trigger: 'revoke', reason: 'laptop stolen', oldKeyId: before2 });
  });
});

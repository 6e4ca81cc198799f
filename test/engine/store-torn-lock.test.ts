/**
 * A crash (or a full disk under an older keyturn) can leave the store's lock file empty or
 * half-written. keyturn writes its lock complete or not at all, so such a file has no live
 * writer: the next command breaks it at once instead of waiting out the 15 s stale bound.
 */
import { expect } from 'chai';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Workspace } from '../support/workspace.js';
import { expectSettled } from '../support/invariants.js';

describe('store: an empty or torn lock file left by a crash', function () {
  this.timeout(60_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 1 });
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
  });
  afterEach(async () => ws.cleanup());

  for (const [what, content] of [
    ['empty', ''],
    ['torn', '{"pid":4242,"host":"h'],
  ] as const) {
    it(`${what} lock file: the next rotation does not wait for it`, async () => {
      await writeFile(path.join(ws.dir, 'store.enc.lock'), content);
      const started = Date.now();
      const result = await ws.run(['rotate', 'key-1', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(Date.now() - started, 'well under the 15 s stale bound').to.be.below(8_000);
      await expectSettled(ws, 'key-1');
    });
  }
});

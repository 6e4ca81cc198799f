/**
 * A consumer mapped to a material field the issuer does not give used to pass validate and
 * plan, then fail after promote (and its rollback too, exit 3). Now the file is refused
 * before anything runs: exit 2, and the store, the provider and the consumer are untouched.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';
import { Workspace } from '../support/workspace.js';

describe('a bad env mapping never reaches promote', function () {
  this.timeout(60_000);
  let ws: Workspace;
  beforeEach(async () => (ws = await Workspace.create({ keys: 1 })));
  afterEach(async () => ws.cleanup());

  it('rotate refuses the file (exit 2) and changes nothing in the store, at the provider or at the consumer', async () => {
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const before = await expectSettled(ws, 'key-1');

    const file = path.join(ws.dir, 'rotation.yaml');
    const yaml = await readFile(file, 'utf8');
    // the provider prints { material: { secret } }: declared, a typo in the mapping is visible
    const broken = yaml
      .replace('    type: command\n', '    type: command\n    fields: [secret]\n')
      .replace('APP_SECRET: secret', 'APP_SECRET: secre');
    expect(broken).to.not.equal(yaml);
    await writeFile(file, broken);

    const result = await ws.run(['rotate', '--all', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(2);
    expect(result.stderr).to.match(/rotation\.yaml:\d+:\d+ {2}keys\[0\]\.consumers\[0\]\.env\.APP_SECRET {2}the key has no field `secre`/);
    expect(result.stderr).to.include('did you mean `secret`?');

    expect(await expectSettled(ws, 'key-1')).to.deep.equal(before);
    expectAliveAtProvider(ws, [before.currentKeyId]);
    expect((await historyOf(ws, 'key-1')).map((h) => h.outcome)).to.deep.equal(['completed']);
  });

  it('without declared fields, the new key is checked right after create: rolled back (exit 1), consumers untouched', async () => {
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    const before = await expectSettled(ws, 'key-1');
    const consumerBefore = ws.consumer('app-1');

    const file = path.join(ws.dir, 'rotation.yaml');
    const yaml = await readFile(file, 'utf8');
    await writeFile(file, yaml.replace('APP_SECRET: secret', 'APP_SECRET: secre'));
    expect((await ws.run(['validate'])).exitCode, 'a command issuer without fields cannot be judged from the file').to.equal(0);

    const result = await ws.run(['rotate', '--all', '--yes', '--json']);
    expect(result.exitCode, result.stderr).to.equal(1);
    const [outcome] = JSON.parse(result.stdout).results;
    expect(outcome).to.include({ outcome: 'rolled-back', failedStep: 'create' });
    expect(outcome.error).to.match(
      /consumer app-1 maps APP_SECRET to the field 'secre', which issuer provider did not give \(it gave secret\)/,
    );

    expect(await expectSettled(ws, 'key-1')).to.deep.equal(before);
    expectAliveAtProvider(ws, [before.currentKeyId]);
    expect(ws.consumer('app-1'), 'the consumer was not restarted').to.deep.equal(consumerBefore);
  });
});

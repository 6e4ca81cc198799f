/** A tab after a separator, through `keyturn` itself: read as YAML reads it, or refused with a position. */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';

/** The plan as JSON, without what changes from run to run or with the file's bytes. */
function planOf(stdout: string): unknown {
  const { createdAt: _created, configHash: _hash, ...plan } = JSON.parse(stdout) as Record<string, unknown>;
  return plan;
}

describe('rotation.yaml with tabs after separators (keyturn validate, plan)', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let file: string;
  let original: string;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
    file = path.join(ws.dir, 'rotation.yaml');
    original = readFileSync(file, 'utf8');
  });
  afterEach(async () => ws.cleanup());

  it('`path: <tab>app/key-1` and tabs after `- `, `[`, `,` and `{k: ` plan exactly like the file without them', async () => {
    const expected = await ws.run(['plan', '--all', '--json']);
    expect(expected.exitCode, expected.stderr).to.equal(0);

    const tabbed = original
      .replace('path: app/key-1', 'path: \tapp/key-1')
      .replace('holders: [team:ops]', 'holders: [\tteam:ops]')
      .replace('holders: [bob]', 'holders:\n      - \tbob')
      .replaceAll('{ APP_SECRET: secret }', '{ APP_SECRET: \tsecret }')
      .replaceAll('[node, ', '[node,\t');
    expect(tabbed.split('\t').length - 1).to.be.greaterThanOrEqual(7);
    await writeFile(file, tabbed);

    const validate = await ws.run(['validate']);
    expect(validate.exitCode, validate.stderr).to.equal(0);
    const plan = await ws.run(['plan', '--all', '--json']);
    expect(plan.exitCode, plan.stderr).to.equal(0);
    expect(planOf(plan.stdout)).to.deep.equal(planOf(expected.stdout));
    expect(plan.stdout).to.include('"file:store.enc#app/key-1 as PENDING"');
  });

  it('a tab before a value YAML rejects (`path: <tab>@app/key-1`) is refused: exit 2, file:line:column, field path', async () => {
    const text = original.replace('path: app/key-1', 'path: \t@app/key-1');
    await writeFile(file, text);
    const line = text.split('\n').findIndex((l) => l.includes('@app/key-1')) + 1;
    for (const verb of [['validate'], ['plan', '--all']]) {
      const run = await ws.run(verb);
      expect(run.exitCode, run.stderr).to.equal(2);
      expect(run.stderr).to.match(new RegExp(`rotation\\.yaml:${line}:\\d+  keys\\[0\\]\\.path  YAML syntax: .*reserved character @`));
      expect(run.stderr, 'a stack trace').to.not.match(/\bat .*\.[cm]?js:\d+/);
    }
  });
});

/**
 * --tag and --owner through the built CLI: `plan` shows exactly the selected keys with their
 * triggers, `rotate --tag` and `offboard` rotate exactly those, and the store's history and
 * the provider agree afterwards.
 *
 * Keys: key-1 tagged trading, held by team:ops (alice lists ops; dave is a member of it);
 * key-2 tagged data, held by bob; key-3 tagged trading, held by alice directly.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';

const KEYS = ['key-1', 'key-2', 'key-3'];

interface PlanJson {
  selection: string;
  request?: { selection: Record<string, unknown> };
  keys: Array<{ key: string; trigger: string; why: string }>;
}

interface RunJson {
  results: Array<{ key: string; trigger: string; outcome: string; oldKeyId?: string; newKeyId?: string }>;
  exitCode: number;
}

/** Give the workspace's keys their tags and holders (see the header). */
function shape(ws: Workspace): void {
  const file = path.join(ws.dir, 'rotation.yaml');
  const tags: Record<string, string> = { 'key-1': 'trading', 'key-2': 'data', 'key-3': 'trading' };
  let text = readFileSync(file, 'utf8');
  for (const [id, tag] of Object.entries(tags)) {
    const n = id.split('-')[1];
    text = text.replace(`    purpose: test key ${n}\n`, `    purpose: test key ${n}\n    tags: [${tag}]\n`);
  }
  text = text.replace(/(- id: key-3\n(?:.*\n)*? {4}holders: )\[bob\]/, '$1[alice]');
  text = text.replace('  bob: { name: Bob }\n', '  bob: { name: Bob }\n  dave: { name: Dave }\n');
  text = text.replace('  ops: { members: [] }', '  ops: { members: [dave] }');
  writeFileSync(file, text);
}

describe('selection by --tag and --owner, through the CLI', function () {
  this.timeout(60_000);
  let ws: Workspace;
  // made once, in before(): the shaped workspace, and a copy of it with every key rotated once
  let shaped: Workspace;
  let rotated: Workspace;

  before(async () => {
    shaped = await Workspace.create({ keys: 3 });
    shape(shaped);
    rotated = await copyWorkspace(shaped);
    const [valid, all] = await Promise.all([shaped.run(['validate']), rotated.run(['rotate', '--all', '--yes'])]);
    expect(valid.exitCode, valid.stdout + valid.stderr).to.equal(0);
    expect(all.exitCode, all.stderr).to.equal(0);
    for (const key of KEYS) await expectSettled(rotated, key);
  });
  after(async () => {
    await shaped?.cleanup();
    await rotated?.cleanup();
  });
  // each test on its own copy
  beforeEach(async () => {
    ws = await copyWorkspace(shaped);
  });
  afterEach(async () => ws?.cleanup());

  async function planJson(args: string[]): Promise<PlanJson> {
    const result = await ws.run(['plan', ...args, '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as PlanJson;
  }

  async function runJson(args: string[]): Promise<RunJson> {
    const result = await ws.run([...args, '--json']);
    expect(result.exitCode, result.stderr).to.equal(0);
    return JSON.parse(result.stdout) as RunJson;
  }

  async function currentIds(): Promise<Record<string, string | undefined>> {
    const store = await ws.store();
    try {
      const ids: Record<string, string | undefined> = {};
      for (const key of KEYS) ids[key] = (await store.current(ws.ref(key)))?.keyId;
      return ids;
    } finally {
      await store.close();
    }
  }

  /** Every key rotated once and settled: this test's workspace becomes its own copy of the one before() rotated. */
  async function rotateAll(): Promise<Record<string, string | undefined>> {
    await ws.cleanup();
    ws = await copyWorkspace(rotated);
    return currentIds();
  }

  const rowsOf = (plan: PlanJson): Array<[string, string, string]> => plan.keys.map((k) => [k.key, k.trigger, k.why]);

  it('plan --tag trading shows exactly the tagged keys; rotate --tag trading --yes rotates exactly those', async () => {
    const before = await rotateAll();

    const plan = await planJson(['--tag', 'trading']);
    expect(rowsOf(plan)).to.deep.equal([
      ['key-1', 'manual', 'tagged trading'],
      ['key-3', 'manual', 'tagged trading'],
    ]);
    expect(plan.selection).to.equal('--tag trading');
    expect(plan.request?.selection).to.deep.include({ tag: 'trading' });
    expect(await currentIds(), 'plan wrote nothing').to.deep.equal(before);

    const run = await runJson(['rotate', '--tag', 'trading', '--yes']);
    expect(run.exitCode).to.equal(0);
    expect(run.results.map((r) => [r.key, r.trigger, r.outcome])).to.deep.equal([
      ['key-1', 'manual', 'completed'],
      ['key-3', 'manual', 'completed'],
    ]);

    const after = await currentIds();
    expect(after['key-1']).to.not.equal(before['key-1']);
    expect(after['key-3']).to.not.equal(before['key-3']);
    expect(after['key-2'], 'the untagged key is untouched').to.equal(before['key-2']);
    for (const key of KEYS) await expectSettled(ws, key);
    expectAliveAtProvider(ws, Object.values(after) as string[]);

    for (const key of ['key-1', 'key-3']) {
      const history = await historyOf(ws, key);
      expect(history.map((h) => [h.trigger, h.outcome])).to.deep.equal([
        ['manual', 'completed'],
        ['manual', 'completed'],
      ]);
      expect(history[1]).to.include({ oldKeyId: before[key], newKeyId: after[key] });
    }
    expect((await historyOf(ws, 'key-2')).map((h) => h.outcome)).to.deep.equal(['completed']);
  });

  it('--due --tag: only the due keys carrying the tag, with trigger due', async () => {
    const plan = await planJson(['--due', '--tag', 'trading']);
    expect(rowsOf(plan)).to.deep.equal([
      ['key-1', 'due', 'never rotated; tagged trading'],
      ['key-3', 'due', 'never rotated; tagged trading'],
    ]);

    const run = await runJson(['rotate', '--due', '--tag', 'trading', '--yes']);
    expect(run.results.map((r) => [r.key, r.trigger, r.outcome])).to.deep.equal([
      ['key-1', 'due', 'completed'],
      ['key-3', 'due', 'completed'],
    ]);
    const ids = await currentIds();
    expect(ids['key-2'], 'key-2 (tagged data) was never rotated').to.equal(undefined);
    expectAliveAtProvider(ws, [ids['key-1']!, ids['key-3']!]);
    expect((await historyOf(ws, 'key-1')).map((h) => h.trigger)).to.deep.equal(['due']);
    expect(await historyOf(ws, 'key-2')).to.deep.equal([]);

    const again = await runJson(['rotate', '--due', '--tag', 'trading', '--yes']);
    expect(again.results, 'nothing tagged trading is due any more').to.deep.equal([]);
  });

  it('a tag no key carries selects nothing and changes nothing', async () => {
    const before = await rotateAll();
    expect((await planJson(['--tag', 'nosuch'])).keys).to.deep.equal([]);
    const run = await runJson(['rotate', '--tag', 'nosuch', '--yes']);
    expect(run.results).to.deep.equal([]);
    expect(await currentIds()).to.deep.equal(before);
  });

  it('plan --owner alice shows exactly what she can read (through a team and directly); offboard alice rotates exactly those', async () => {
    const before = await rotateAll();

    const plan = await planJson(['--owner', 'alice']);
    expect(rowsOf(plan)).to.deep.equal([
      ['key-1', 'manual', 'held by alice through team:ops'],
      ['key-3', 'manual', 'held by alice directly'],
    ]);
    expect(plan.selection).to.equal('--owner alice');

    const run = await runJson(['offboard', 'alice', '--yes']);
    expect(run.exitCode).to.equal(0);
    expect(run.results.map((r) => [r.key, r.trigger, r.outcome])).to.deep.equal([
      ['key-1', 'offboard', 'completed'],
      ['key-3', 'offboard', 'completed'],
    ]);
    expect(
      run.results.map((r) => r.key),
      'offboard rotated what plan --owner showed',
    ).to.deep.equal(plan.keys.map((k) => k.key));

    const after = await currentIds();
    expect(after['key-1']).to.not.equal(before['key-1']);
    expect(after['key-3']).to.not.equal(before['key-3']);
    expect(after['key-2'], 'bob’s key is untouched').to.equal(before['key-2']);
    for (const key of KEYS) await expectSettled(ws, key);
    expectAliveAtProvider(ws, Object.values(after) as string[]);

    for (const key of ['key-1', 'key-3']) {
      const last = (await historyOf(ws, key)).at(-1)!;
      expect(last).to.include({ trigger: 'offboard', reason: 'alice', outcome: 'completed', oldKeyId: before[key], newKeyId: after[key] });
    }
    expect((await historyOf(ws, 'key-2')).map((h) => h.trigger)).to.deep.equal(['manual']);
  });

  it('plan --owner dave (a member listed by the team) shows the team’s key; offboard dave rotates only it', async () => {
    const before = await rotateAll();

    const plan = await planJson(['--owner', 'dave']);
    expect(rowsOf(plan)).to.deep.equal([['key-1', 'manual', 'held by dave through team:ops']]);

    const run = await runJson(['offboard', 'dave', '--yes']);
    expect(run.results.map((r) => [r.key, r.trigger, r.outcome])).to.deep.equal([['key-1', 'offboard', 'completed']]);
    const after = await currentIds();
    expect(after['key-1']).to.not.equal(before['key-1']);
    expect({ 'key-2': after['key-2'], 'key-3': after['key-3'] }).to.deep.equal({ 'key-2': before['key-2'], 'key-3': before['key-3'] });
    expectAliveAtProvider(ws, Object.values(after) as string[]);
    expect((await historyOf(ws, 'key-1')).at(-1)).to.include({ trigger: 'offboard', reason: 'dave', outcome: 'completed' });
  });

  it('plan --owner combines with --tag, and an unknown person is refused (exit 2) by plan and offboard', async () => {
    // nothing here writes (the last line proves it): the five commands run two at a time
    const refusals = [
      ['plan', '--owner', 'mallory'],
      ['offboard', 'mallory', '--yes'],
    ];
    const [trading, data] = await Promise.all([
      planJson(['--owner', 'alice', '--tag', 'trading']),
      planJson(['--owner', 'alice', '--tag', 'data']),
    ]);
    const [bob, ...refused] = await Promise.all([planJson(['--owner', 'bob']), ...refusals.map((args) => ws.run(args))]);
    expect(rowsOf(trading)).to.deep.equal([
      ['key-1', 'manual', 'held by alice through team:ops; tagged trading'],
      ['key-3', 'manual', 'held by alice directly; tagged trading'],
    ]);
    expect(data.keys).to.deep.equal([]);
    expect(rowsOf(bob)).to.deep.equal([['key-2', 'manual', 'held by bob directly']]);
    refusals.forEach((args, i) => {
      expect(refused[i]!.exitCode, args.join(' ')).to.equal(2);
      expect(refused[i]!.stderr).to.match(/nobody named mallory/);
    });
    expect(ws.providerKeys(), 'nothing was created').to.deep.equal([]);
  });
});

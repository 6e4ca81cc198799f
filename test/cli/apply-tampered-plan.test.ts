/**
 * A saved plan is untrusted input (a CI artifact anyone with write access to the pipeline
 * can edit): apply recomputes the plan and refuses one that differs, so the file can never
 * grant what rotation.yaml forbids or change what a rotation does.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Workspace } from '../support/workspace.js';

interface PlanFile {
  keys: Array<{ key: string; trigger: string; blocked: boolean; steps: Array<{ step: string; target: string }> }>;
  request?: { selection: Record<string, unknown> };
  [field: string]: unknown;
}

describe('apply: a tampered plan file', function () {
  this.timeout(60_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
    // key-2 allows withdrawals: the withdrawals-enabled rule blocks its rotation.
    const file = path.join(ws.dir, 'rotation.yaml');
    const text = readFileSync(file, 'utf8').replace(
      '    path: app/key-2\n',
      '    path: app/key-2\n    restrictions: { permissions: [reading, withdrawals], ipWhitelist: [203.0.113.7] }\n',
    );
    await writeFile(file, text);
  });
  afterEach(() => ws.cleanup());

  async function savedPlan(args: string[] = ['--all']): Promise<PlanFile> {
    const made = await ws.run(['plan', ...args, '--out', 'plan.json']);
    expect(made.exitCode, made.stderr).to.equal(0);
    return JSON.parse(readFileSync(path.join(ws.dir, 'plan.json'), 'utf8')) as PlanFile;
  }

  async function applyEdited(plan: PlanFile): Promise<{ exitCode: number; stderr: string }> {
    await writeFile(path.join(ws.dir, 'plan.json'), JSON.stringify(plan));
    return ws.run(['apply', 'plan.json', '--yes']);
  }

  async function expectNothingRotated(): Promise<void> {
    expect(ws.providerKeys(), 'no key was created at the issuer').to.have.length(0);
    const history = await ws.run(['history', '--json']);
    expect(history.exitCode, history.stderr).to.equal(0);
    expect(JSON.parse(history.stdout).history).to.have.length(0);
  }

  it('the untouched plan applies, and the blocked key stays blocked', async () => {
    const plan = await savedPlan();
    expect(plan.keys.find((k) => k.key === 'key-2')!.blocked).to.equal(true);
    const applied = await ws.run(['apply', 'plan.json', '--yes', '--json']);
    expect(applied.exitCode, applied.stderr).to.equal(2);
    const outcomes = Object.fromEntries(
      JSON.parse(applied.stdout).results.map((r: { key: string; outcome: string }) => [r.key, r.outcome]),
    );
    expect(outcomes).to.deep.equal({ 'key-1': 'completed', 'key-2': 'blocked' });
    expect(ws.providerKeys()).to.have.length(1);
  });

  it('"blocked": false on a key policy blocks is refused, exit 2, nothing rotated', async () => {
    const plan = await savedPlan();
    plan.keys.find((k) => k.key === 'key-2')!.blocked = false;
    const result = await applyEdited(plan);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.match(/"key-2": blocked by policy now/);
    await expectNothingRotated();
  });

  for (const trigger of ['revoke', 'offboard']) {
    it(`"trigger": "${trigger}" is refused, exit 2, and history records nothing`, async () => {
      const plan = await savedPlan(['key-1']);
      plan.keys[0]!.trigger = trigger;
      const result = await applyEdited(plan);
      expect(result.exitCode).to.equal(2);
      expect(result.stderr).to.include(`"key-1": trigger "${trigger}" in the plan, manual now`);
      await expectNothingRotated();
    });
  }

  it('an edited step target is refused', async () => {
    const plan = await savedPlan(['key-1']);
    const restart = plan.keys[0]!.steps.find((s) => s.step === 'restart')!;
    restart.target = 'restart nothing';
    const result = await applyEdited(plan);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.match(/"key-1": its steps differ/);
    await expectNothingRotated();
  });

  it("a key added by hand (not selected by the plan's own selection) is refused", async () => {
    const plan = await savedPlan(['key-1']);
    plan.keys.push({ ...plan.keys[0]!, key: 'key-2' });
    const result = await applyEdited(plan);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.match(/"key-2" would not be selected now/);
    await expectNothingRotated();
  });

  it('a plan without the request it was made from, or with an unknown selection field, is refused', async () => {
    const plan = await savedPlan(['key-1']);
    const withoutRequest = { ...plan, request: undefined };
    const missing = await applyEdited(withoutRequest);
    expect(missing.exitCode).to.equal(2);
    expect(missing.stderr).to.match(/only plans made by `keyturn plan`/);

    const odd = await applyEdited({ ...plan, request: { selection: { keys: ['key-1'], trigger: 'revoke' } } });
    expect(odd.exitCode).to.equal(2);
    expect(odd.stderr).to.match(/request\.selection\.trigger is unknown/);
    expect(odd.stderr).not.to.match(/\n\s+at /, 'no stack trace');
    await expectNothingRotated();
  });

  it('an offboard preview cannot be applied', async () => {
    const preview = await ws.run(['offboard', 'bob', '--dry-run', '--json']);
    expect(preview.exitCode, preview.stderr).to.equal(0);
    await writeFile(path.join(ws.dir, 'plan.json'), preview.stdout);
    const result = await ws.run(['apply', 'plan.json', '--yes']);
    expect(result.exitCode).to.equal(2);
    await expectNothingRotated();
  });
});

/** Every command, end to end through the built binary, as an operator runs it (no terminal). */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';

function snapshot(dir: string): string {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      return `${file}:${statSync(file).size}:${statSync(file).mtimeMs}`;
    })
    .sort()
    .join('\n');
}

describe('cli', function () {
  this.timeout(60_000);
  let ws: Workspace;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
  });
  afterEach(async () => ws.cleanup());

  it('--help lists every command, and each command has its own help', async () => {
    const help = await ws.run(['--help']);
    expect(help.exitCode).to.equal(0);
    for (const verb of ['validate', 'plan', 'apply', 'rotate', 'offboard', 'revoke', 'status', 'history']) {
      expect(help.stdout).to.include(verb);
      const own = await ws.run([verb, '--help']);
      expect(own.exitCode, verb).to.equal(0);
      expect(own.stdout).to.include(`keyturn ${verb}`);
    }
    expect(help.stdout).to.match(/Exit codes: 0 ok; 1 .*2 .*3/s);
  });

  it('validate: a good file passes; a bad one exits 2 with file:line:col and changes nothing', async () => {
    const ok = await ws.run(['validate']);
    expect(ok.exitCode, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/2 key\(s\), 0 error/);

    const file = path.join(ws.dir, 'rotation.yaml');
    const text = readFileSync(file, 'utf8')
      .replace('period: 30d', 'period: thirty days')
      .replace('issuer: provider\n    path: app/key-2', 'issuer: nowhere\n    path: app/key-2');
    await writeFile(file, text);
    const before = snapshot(ws.dir);
    const bad = await ws.run(['validate']);
    expect(bad.exitCode).to.equal(2);
    const lines = text.split('\n');
    const periodLine = lines.findIndex((l) => l.includes('thirty days')) + 1;
    const issuerLine = lines.findIndex((l) => l.includes('nowhere')) + 1;
    expect(bad.stderr).to.include(`rotation.yaml:${periodLine}:`);
    expect(bad.stderr).to.include(`rotation.yaml:${issuerLine}:`);
    expect(bad.stderr).to.match(/keys\[0\]\.period/);
    expect(bad.stderr).to.match(/keys\[1\]\.issuer/);
    // every command refuses the bad file the same way, and nothing on disk changes
    const rotate = await ws.run(['rotate', '--all', '--yes']);
    expect(rotate.exitCode).to.equal(2);
    expect(snapshot(ws.dir)).to.equal(before);
  });

  it('plan writes nothing, shows every step and why; --out and apply run exactly that plan', async () => {
    const plan = await ws.run(['plan', '--all']);
    expect(plan.exitCode, plan.stderr).to.equal(0);
    for (const step of ['lock', 'create', 'stage', 'promote', 'restart', 'verify', 'record', 'unlock'])
      expect(plan.stdout).to.include(step);
    expect(plan.stdout).to.include('consumer.js');
    expect(existsSync(path.join(ws.dir, 'store.enc'))).to.equal(false);
    expect(ws.providerKeys()).to.have.length(0);

    const saved = await ws.run(['plan', 'key-1', '--out', 'plan.json', '--json']);
    expect(saved.exitCode, saved.stderr).to.equal(0);
    const json = JSON.parse(saved.stdout);
    expect(json.keys.map((k: { key: string }) => k.key)).to.deep.equal(['key-1']);
    expect(existsSync(path.join(ws.dir, 'store.enc'))).to.equal(false);

    const applied = await ws.run(['apply', 'plan.json', '--yes']);
    expect(applied.exitCode, applied.stderr).to.equal(0);
    await expectSettled(ws, 'key-1');
    expect(await historyOf(ws, 'key-2')).to.have.length(0);

    const stale = await ws.run(['apply', 'plan.json', '--yes']);
    expect(stale.exitCode).to.equal(2);
    expect(stale.stderr).to.match(/stale/);
  });

  it('apply refuses a plan made before rotation.yaml changed', async () => {
    await ws.run(['plan', '--all', '--out', 'plan.json']);
    const file = path.join(ws.dir, 'rotation.yaml');
    await writeFile(file, readFileSync(file, 'utf8').replace('test key 1', 'test key one'));
    const result = await ws.run(['apply', 'plan.json', '--yes']);
    expect(result.exitCode).to.equal(2);
    expect(result.stderr).to.match(/rotation\.yaml changed/);
    expect(existsSync(path.join(ws.dir, 'store.enc'))).to.equal(false);
  });

  it('rotate --due rotates what is due, then finds nothing due; status and history tell', async () => {
    const first = await ws.run(['rotate', '--due', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    // the summary's rows (the progress lines above it say completed too)
    expect(first.stdout.match(/^key-\d\s+due\s+completed/gm)).to.have.length(2);
    const second = await ws.run(['rotate', '--due', '--yes']);
    expect(second.exitCode).to.equal(0);
    expect(second.stdout).to.match(/Nothing to rotate/);

    const status = JSON.parse((await ws.run(['status', '--json'])).stdout);
    expect(status.keys).to.have.length(2);
    for (const key of status.keys) {
      expect(key.state).to.equal('idle');
      expect(key.overdue).to.equal(false);
      expect(key.period).to.equal('30d');
      expect(Date.parse(key.nextDue) - Date.parse(key.lastRotatedAt)).to.equal(30 * 24 * 3600 * 1000);
    }
    const table = await ws.run(['status']);
    expect(table.stdout).to.match(/KEY\s+PURPOSE/);

    const history = JSON.parse((await ws.run(['history', 'key-1', '--json'])).stdout).history;
    expect(history).to.have.length(1);
    expect(history[0]).to.include({ key: 'key-1', trigger: 'due', actor: 'test-operator', outcome: 'completed' });
    expect(history[0].newKeyId).to.match(/^pk_/);
  });

  it('rotate refuses to run without a terminal unless --yes, and without a selection', async () => {
    const noYes = await ws.run(['rotate', '--all']);
    expect(noYes.exitCode).to.equal(2);
    expect(noYes.stderr).to.match(/--yes/);
    const unknownOption = await ws.run(['rotate', '--all', '--yes', '--bogus']);
    expect(unknownOption.exitCode).to.equal(2);
    expect(unknownOption.stderr).to.match(/error: Unknown argument: bogus/);
    const none = await ws.run(['rotate', '--yes']);
    expect(none.exitCode).to.equal(2);
    expect(none.stderr).to.match(/--due or --all/);
    expect(existsSync(path.join(ws.dir, 'store.enc'))).to.equal(false);
  });

  it('rotate --dry-run shows the plan and changes nothing', async () => {
    const dry = await ws.run(['rotate', '--all', '--dry-run']);
    expect(dry.exitCode, dry.stderr).to.equal(0);
    expect(dry.stdout).to.match(/Nothing has been changed/);
    expect(existsSync(path.join(ws.dir, 'store.enc'))).to.equal(false);
    expect(ws.providerKeys()).to.have.length(0);
  });

  it('offboard rotates every key the person can read, through a team too, and lists them first', async () => {
    await ws.run(['rotate', '--all', '--yes']);
    const before = await expectSettled(ws, 'key-1');
    const other = await expectSettled(ws, 'key-2');
    const dry = await ws.run(['offboard', 'alice', '--dry-run']);
    expect(dry.stdout).to.match(/alice can read 1 key\(s\)/);
    expect(dry.stdout).to.match(/key-1\s+through team:ops/);

    const result = await ws.run(['offboard', 'alice', '--yes']);
    expect(result.exitCode, result.stderr).to.equal(0);
    const after = await expectSettled(ws, 'key-1');
    expect(after.currentKeyId).to.not.equal(before.currentKeyId);
    expect((await expectSettled(ws, 'key-2')).currentKeyId).to.equal(other.currentKeyId);
    const last = (await historyOf(ws, 'key-1')).at(-1)!;
    expect(last).to.include({ trigger: 'offboard', reason: 'alice', outcome: 'completed' });

    const unknown = await ws.run(['offboard', 'mallory', '--yes']);
    expect(unknown.exitCode).to.equal(2);
  });

  it('revoke deletes the leaked key first, then replaces it, and records the reason', async () => {
    await ws.run(['rotate', '--all', '--yes']);
    const leaked = (await expectSettled(ws, 'key-2')).currentKeyId;
    const result = await ws.run(['revoke', 'key-2', '--reason', 'pushed to a public repo', '--yes', '--log-level', 'debug']);
    expect(result.exitCode, result.stderr).to.equal(0);
    // the delete came before the create
    const deleted = result.stderr.indexOf(`leaked key ${leaked} deleted`);
    const created = result.stderr.indexOf('key-2: create');
    expect(deleted).to.be.greaterThan(-1);
    expect(created).to.be.greaterThan(deleted);
    const after = await expectSettled(ws, 'key-2');
    expectAliveAtProvider(ws, [(await expectSettled(ws, 'key-1')).currentKeyId, after.currentKeyId]);
    const last = (await historyOf(ws, 'key-2')).at(-1)!;
    expect(last).to.include({ trigger: 'revoke', reason: 'pushed to a public repo', oldKeyId: leaked, outcome: 'completed' });

    const noReason = await ws.run(['revoke', 'key-2', '--yes']);
    expect(noReason.exitCode).to.equal(2);
  });

  it('an overlap window keeps the old key alive until a later run retires it', async () => {
    const overlapped = await Workspace.create({ keys: 1, overlap: '1s' });
    try {
      await overlapped.run(['rotate', '--all', '--yes']);
      const first = (await expectSettled(overlapped, 'key-1')).currentKeyId;
      const second = await overlapped.run(['rotate', 'key-1', '--yes']);
      expect(second.exitCode, second.stderr).to.equal(0);
      const current = (await expectSettled(overlapped, 'key-1')).currentKeyId;
      expectAliveAtProvider(overlapped, [first, current]);
      expect(second.stdout).to.match(/old key deleted after/);
      await new Promise((r) => setTimeout(r, 1100));
      const later = await overlapped.run(['rotate', '--due', '--yes']);
      expect(later.exitCode, later.stderr).to.equal(0);
      expect(later.stdout).to.match(/retired/);
      expectAliveAtProvider(overlapped, [current]);
    } finally {
      await overlapped.cleanup();
    }
  });
});

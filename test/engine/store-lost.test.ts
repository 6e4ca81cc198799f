/**
 * The store file disappears, or is swapped for another store, while a consumer restarts in
 * the middle of a rotation. keyturn must not recreate it or write over the other one, nor
 * report success: it stops with exit 3, saying what happened and what to do, and keeps what it
 * wrote (the other key's completed rotation, the journal and new key of the one in flight)
 * encrypted in a rescue record. Restoring the store from a backup and running again finishes.
 */
import { expect } from 'chai';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Workspace, type CliResult } from '../support/workspace.js';
import { expectAliveAtProvider, expectSettled, historyOf } from '../support/invariants.js';
import { FileStore } from '../../src/stores/file/file-store.js';
import type { RotationResult } from '../../src/engine/result.js';

/** A consumer of key-2 that, once, deletes the store or copies another store over it. */
const SABOTEUR = `const fs = require('node:fs');
const [action, store, flag, other] = process.argv.slice(2);
if (fs.existsSync(flag)) {
  fs.rmSync(flag);
  if (action === 'delete') fs.rmSync(store);
  else fs.copyFileSync(other, store);
}
`;

async function addSaboteur(ws: Workspace, action: 'delete' | 'replace'): Promise<void> {
  const file = path.join(ws.dir, 'rotation.yaml');
  const script = path.join(ws.dir, 'saboteur.cjs');
  await writeFile(script, SABOTEUR);
  await writeFile(path.join(ws.dir, 'sabotage-once'), '');
  const args = [action, path.join(ws.dir, 'store.enc'), path.join(ws.dir, 'sabotage-once'), path.join(ws.dir, 'other.enc')];
  const consumer = `      - name: saboteur\n        restart: { command: ${JSON.stringify(['node', script, ...args])} }\n`;
  const yaml = readFileSync(file, 'utf8').replace(/( {6}- name: app-2\n(?: {8}.*\n)+)/, `$1${consumer}`);
  expect(yaml).to.include('name: saboteur');
  await writeFile(file, yaml);
}

function expectNoSecret(ws: Workspace, ...outputs: CliResult[]): void {
  const text = outputs.map((o) => o.stdout + o.stderr).join('\n');
  for (const secret of ws.issuedSecrets()) expect(text).to.not.include(secret);
}

describe('store: the store file vanishes or is replaced mid-rotation', function () {
  this.timeout(90_000);
  let ws: Workspace;
  let storeFile: string;
  let rescueFile: string;
  let backupFile: string;

  beforeEach(async () => {
    ws = await Workspace.create({ keys: 2 });
    storeFile = path.join(ws.dir, 'store.enc');
    rescueFile = `${storeFile}.rescue`;
    backupFile = path.join(ws.dir, 'backup.enc');
    const first = await ws.run(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.stderr).to.equal(0);
    copyFileSync(storeFile, backupFile);
  });
  afterEach(async () => ws.cleanup());

  /** key-1 rotates first and completes; key-2 loses the store while its consumers restart. */
  async function rotateBoth(): Promise<{ run: CliResult; results: RotationResult[] }> {
    const run = await ws.run(['rotate', '--all', '--yes', '--concurrency', '1', '--json']);
    return { run, results: (JSON.parse(run.stdout) as { results: RotationResult[] }).results };
  }

  function expectRescueEncrypted(): void {
    const raw = readFileSync(rescueFile);
    expect(raw.subarray(0, 8).toString('ascii')).to.equal('KEYTURN1');
    for (const secret of ws.issuedSecrets()) expect(raw.includes(Buffer.from(secret)), 'no secret in clear').to.equal(false);
  }

  /** The operator restores the backup and runs again: both keys end settled, nothing lost. */
  async function restoreAndFinish(): Promise<void> {
    copyFileSync(backupFile, storeFile);
    const rerun = await ws.run(['rotate', '--due', '--yes']);
    expect(rerun.exitCode, rerun.stderr).to.equal(0);
    const one = await expectSettled(ws, 'key-1');
    const two = await expectSettled(ws, 'key-2');
    expectAliveAtProvider(ws, [one.currentKeyId, two.currentKeyId]);
    expect((await historyOf(ws, 'key-1')).map((h) => h.outcome)).to.deep.equal(['completed', 'completed']);
    expect((await historyOf(ws, 'key-2')).map((h) => h.outcome)).to.deep.equal(['completed', 'completed']);
    expect(existsSync(rescueFile), 'the rescue record is merged and removed').to.equal(false);
  }

  it('deleted: exit 3, not recreated, state rescued encrypted; status says so; restore and rerun finishes', async () => {
    await addSaboteur(ws, 'delete');
    const { run, results } = await rotateBoth();
    expect(run.exitCode, run.stderr).to.equal(3);
    expect(results.map((r) => [r.key, r.outcome])).to.deep.equal([
      ['key-1', 'completed'],
      ['key-2', 'needs-attention'],
    ]);
    expect(results[1]!.error).to.match(/store\.enc was deleted while keyturn was using it; nothing was recreated/);
    expect(results[1]!.error).to.match(/saved, encrypted, in .*store\.enc\.rescue/);
    expect(results[1]!.error).to.match(/restore .*store\.enc from a backup and run keyturn again/);
    expect(existsSync(storeFile), 'the store is not recreated').to.equal(false);
    expectRescueEncrypted();

    const status = await ws.run(['status']);
    expect(status.exitCode).to.equal(3);
    expect(status.stderr).to.match(/store\.enc is missing, and .*store\.enc\.rescue holds the state of a run that lost the store/);
    expect(status.stderr).to.not.match(/^\s+at /m);
    expect(existsSync(storeFile)).to.equal(false);
    expectNoSecret(ws, run, status);

    await restoreAndFinish();
  });

  it('replaced by another store: exit 3, the other store untouched, state rescued; restore and rerun finishes', async () => {
    const other = new FileStore({ file: path.join(ws.dir, 'other.enc'), env: ws.env });
    await other.record({ store: 'local', path: 'elsewhere/key', key: 'elsewhere' }, { currentKeyId: 'someone-elses' });
    await other.close();
    const otherBytes = readFileSync(path.join(ws.dir, 'other.enc'));
    await addSaboteur(ws, 'replace');

    const { run, results } = await rotateBoth();
    expect(run.exitCode, run.stderr).to.equal(3);
    expect(results[1]!.outcome).to.equal('needs-attention');
    expect(results[1]!.error).to.match(/store\.enc was replaced by another store \(store id \w+, this run's \w+\)/);
    expect(readFileSync(storeFile).equals(otherBytes), 'the other store is not written over').to.equal(true);
    expectRescueEncrypted();

    const status = await ws.run(['status']);
    expect(status.exitCode).to.equal(3);
    expect(status.stderr).to.match(/store\.enc is not the store it was saved from/);
    expectNoSecret(ws, run, status);

    await restoreAndFinish();
  });

  it('a brand-new store (no file yet) is still created by the first run', async () => {
    const fresh = await Workspace.create({ keys: 1 });
    try {
      const result = await fresh.run(['rotate', '--all', '--yes']);
      expect(result.exitCode, result.stderr).to.equal(0);
      await expectSettled(fresh, 'key-1');
    } finally {
      await fresh.cleanup();
    }
  });
});

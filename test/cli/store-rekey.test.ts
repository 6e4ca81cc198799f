/**
 * keyturn store rekey through the built CLI in a temp workspace: a key file store gets a new
 * key file (0600) and rotates with it alone; a KEYTURN_MASTER_KEY store takes its new key from
 * stdin or a hidden prompt in a real pseudo-terminal; bad input changes nothing; the master
 * key's age reaches status, report and audit; no key reaches any output or the log file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'chai';
import { parseDocument } from '../../src/stores/file/document.js';
import { decryptDocument } from '../../src/stores/file/format.js';
import { saveRescue } from '../../src/stores/file/rescue.js';
import { openStore } from '../../src/stores/registry.js';
import { Terminal } from '../support/terminal.js';
import { CLI, Workspace, type CliResult } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';

const FILE_MODE = { KEYTURN_MASTER_KEY: '' };

function storeBytes(ws: Workspace): Buffer {
  return readFileSync(path.join(ws.dir, 'store.enc'));
}

function opens(ws: Workspace, keyHex: string): boolean {
  try {
    decryptDocument(storeBytes(ws), Buffer.from(keyHex.trim(), 'hex'), 'store', 'test');
    return true;
  } catch {
    return false;
  }
}

function keyFile(ws: Workspace, name = 'master.key'): string {
  return readFileSync(path.join(ws.dir, name), 'utf8').trim();
}

function mode(ws: Workspace, name: string): number {
  return statSync(path.join(ws.dir, name)).mode & 0o777;
}

async function withStdin(ws: Workspace, args: string[], input: string, env: Record<string, string> = {}): Promise<CliResult> {
  const r = await execa('node', [CLI, ...args], { cwd: ws.dir, env: { ...ws.env, ...env }, input, reject: false });
  return { exitCode: r.exitCode ?? -1, signal: r.signal ?? undefined, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** No form of any key in any output. */
function expectNoKey(texts: string[], keys: string[]): void {
  for (const key of keys) {
    const forms = [key, Buffer.from(key, 'hex').toString('base64'), key.slice(0, 16), key.slice(-16)];
    for (const text of texts) for (const form of forms) expect(text, 'a key reached the output').to.not.include(form);
  }
}

async function setStoreOptions(ws: Workspace, extra: string): Promise<void> {
  const file = path.join(ws.dir, 'rotation.yaml');
  const text = await readFile(file, 'utf8');
  await writeFile(file, text.replace('local: { type: file, path: store.enc }', `local: { type: file, path: store.enc${extra} }`));
}

describe('keyturn store rekey', function () {
  this.timeout(120_000);
  let ws: Workspace;
  afterEach(async () => ws?.cleanup());

  describe('a key file store', () => {
    // two keys rotated once with a key file (made once), then each test on its own copy
    let seed: Workspace;
    before(async () => {
      seed = await Workspace.create({ keys: 2 });
      const first = await seed.run(['rotate', '--all', '--yes'], FILE_MODE);
      expect(first.exitCode, first.stderr).to.equal(0);
    });
    after(async () => seed?.cleanup());
    beforeEach(async () => {
      ws = await copyWorkspace(seed);
    });

    it('re-encrypts under a new key file (0600); rotate then works with it alone and the old key opens nothing', async () => {
      const oldKey = keyFile(ws);
      const log = path.join(ws.dir, 'keyturn.log');
      const rekey = await ws.run(['store', 'rekey', 'local', '--log-level', 'debug', '--log-file', log], FILE_MODE);
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      const newKey = keyFile(ws);
      expect(newKey)
        .to.match(/^[0-9a-f]{64}$/)
        .and.not.equal(oldKey);
      expect(rekey.stdout).to.match(
        /^rekeyed store local \(2 secret\(s\), \d+ ms\): it is encrypted under a new master key \(id [0-9a-f]{8}\)/,
      );
      expect(rekey.stdout).to.include('use master.key: it holds the new key now');
      expect(rekey.stdout).to.include('kept in master.key.old');
      expect(mode(ws, 'master.key')).to.equal(0o600);
      expect(mode(ws, 'master.key.old')).to.equal(0o600);
      expect(keyFile(ws, 'master.key.old')).to.equal(oldKey);
      expect(opens(ws, newKey)).to.equal(true);
      expect(opens(ws, oldKey)).to.equal(false);
      for (const leftover of ['master.key.new', 'store.enc.rekey', 'store.enc.lock'])
        expect(existsSync(path.join(ws.dir, leftover))).to.equal(false);

      const rotate = await ws.run(['rotate', '--all', '--yes'], FILE_MODE);
      expect(rotate.exitCode, rotate.stderr).to.equal(0);
      // the old key, given as the environment's key, no longer opens the store
      const withOld = await ws.run(['status'], { KEYTURN_MASTER_KEY: oldKey });
      expect(withOld.exitCode).to.equal(2);
      expect(withOld.stderr).to.include('wrong master key');
      expectNoKey([rekey.stdout, rekey.stderr, readFileSync(log, 'utf8'), rotate.stdout, rotate.stderr, withOld.stderr], [oldKey, newKey]);
    });

    it('status and the report show when the master key came into use', async () => {
      const rekey = await ws.run(['store', 'rekey', 'local', '--json'], { ...FILE_MODE, KEYTURN_NOW: '2026-03-01T10:00:00Z' });
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      expect(JSON.parse(rekey.stdout)).to.include({ store: 'local', outcome: 'rekeyed', mode: 'file', keyFile: 'master.key' });
      const now = { ...FILE_MODE, KEYTURN_NOW: '2026-04-01T10:00:00Z' };
      const status = await ws.run(['status'], now);
      // KEYTURN_NOW starts a clock that runs on: the rekey happened a moment after 10:00:00
      expect(status.stdout).to.match(/store local: master key in use since 2026-03-01 10:00 \(age (31d|30d23h5\dm)\)/);
      const json = JSON.parse((await ws.run(['status', '--json'], now)).stdout);
      expect(json.masterKeys).to.have.length(1);
      expect(json.masterKeys[0]).to.include({ store: 'local', exists: true });
      expect(json.masterKeys[0].createdAt).to.match(/^2026-03-01T10:00:0\d\.\d{3}Z$/);
      expect(Math.abs(json.masterKeys[0].ageMs - 31 * 86_400_000)).to.be.below(60_000);
      const report = JSON.parse((await ws.run(['report', '--format', 'json'], now)).stdout);
      expect(report.masterKeys[0]).to.include({ store: 'local', createdAt: json.masterKeys[0].createdAt });
      const html = (await ws.run(['report', '--format', 'html'], now)).stdout;
      expect(html).to.include('id="master-keys"').and.include('data-store="local"');
    });

    it('audit warns once the key is older than masterKeyPeriod, and not before', async () => {
      await setStoreOptions(ws, ', masterKeyPeriod: 90d');
      const rekey = await ws.run(['store', 'rekey', 'local'], { ...FILE_MODE, KEYTURN_NOW: '2026-01-01T00:00:00Z' });
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      const early = await ws.run(['audit'], { ...FILE_MODE, KEYTURN_NOW: '2026-03-01T00:00:00Z' });
      expect(early.stdout).to.not.include('master key');
      const late = await ws.run(['audit'], { ...FILE_MODE, KEYTURN_NOW: '2026-05-01T00:00:00Z' });
      expect(late.stdout).to.match(
        /WARN {2}overdue: store local: master key overdue by (30d|29d23h5\dm): in use since 2026-01-01T00:00:0\d\.\d{3}Z, masterKeyPeriod 90d; run keyturn store rekey local/,
      );
      const status = await ws.run(['status'], { ...FILE_MODE, KEYTURN_NOW: '2026-05-01T00:00:00Z' });
      expect(status.stdout).to.match(/masterKeyPeriod 90d\), OVERDUE by (30d|29d23h5\dm): keyturn store rekey local/);
    });

    it('a rotation interrupted before the rekey (journal, lease of a dead process) is finished afterwards with the new key', async () => {
      const killed = await ws.run(['rotate', 'key-1', '--yes'], { ...FILE_MODE, KEYTURN_FAILPOINTS: 'restart:before=kill' });
      expect(killed.signal).to.equal('SIGKILL');
      const rekey = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      const status = JSON.parse((await ws.run(['status', '--json'], FILE_MODE)).stdout);
      expect(status.keys[0].state).to.equal('in flight');
      const due = await ws.run(['rotate', '--due', '--yes'], FILE_MODE);
      expect(due.exitCode, due.stderr).to.equal(0);
      expect(due.stdout).to.match(/key-1 .*completed/);
    });

    it('refuses while a rotation holds a live lease: exit 1, nothing changed', async () => {
      // a live holder: this test's own process (a keyturn hung at a failpoint would exit: nothing keeps its event loop alive)
      const store = await openStore(
        { name: 'local', type: 'file', options: { path: 'store.enc' } },
        { baseDir: ws.dir, env: { ...ws.env, ...FILE_MODE } },
      );
      const lease = await store.lease(ws.ref('key-1'), `${os.hostname()}:${process.pid}:test`, 120_000);
      await store.close();
      try {
        const before = storeBytes(ws);
        const rekey = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
        expect(rekey.exitCode).to.equal(1);
        expect(rekey.stderr).to.match(/^error: app\/key-1 is being rotated \(lease held by .*\): nothing changed$/m);
        expect(storeBytes(ws).equals(before)).to.equal(true);
      } finally {
        await lease.release();
        await store.close();
      }
      expect((await ws.run(['store', 'rekey', 'local'], FILE_MODE)).exitCode).to.equal(0);
    });

    it('a rescue record waiting for its restored store is laid over it first, and stays readable with the new key', async () => {
      const backup = path.join(ws.dir, 'store.backup');
      await copyFile(path.join(ws.dir, 'store.enc'), backup);
      expect((await ws.run(['rotate', 'key-1', '--yes'], FILE_MODE)).exitCode).to.equal(0);
      const key = Buffer.from(keyFile(ws), 'hex');
      const doc = parseDocument(decryptDocument(storeBytes(ws), key, 'store', 'test').toString('utf8'), 'store');
      const rotated = doc.secrets['app/key-1']!.rotation.currentKeyId;
      await saveRescue(path.join(ws.dir, 'store.enc.rescue'), doc, ['app/key-1'], key);
      await copyFile(backup, path.join(ws.dir, 'store.enc'));

      const rekey = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      expect(rekey.stdout).to.include('the waiting rescue record was laid over the store first');
      expect(existsSync(path.join(ws.dir, 'store.enc.rescue'))).to.equal(false);
      const after = parseDocument(
        decryptDocument(storeBytes(ws), Buffer.from(keyFile(ws), 'hex'), 'store', 'test').toString('utf8'),
        'store',
      );
      expect(after.secrets['app/key-1']!.rotation.currentKeyId).to.equal(rotated);
    });

    it('bad input: one line, non-zero exit, nothing changed', async () => {
      const before = storeBytes(ws);
      const oldKey = keyFile(ws);
      const unknown = await ws.run(['store', 'rekey', 'nowhere'], FILE_MODE);
      expect(unknown.exitCode).to.equal(2);
      expect(unknown.stderr).to.match(/^error: no store named nowhere in .*rotation\.yaml$/m);

      await setStoreOptions(ws, ' }\n  vault1: { type: vault, address: "http://127.0.0.1:1"');
      const vault = await ws.run(['store', 'rekey', 'vault1'], FILE_MODE);
      expect(vault.exitCode, vault.stderr).to.equal(2);
      expect(vault.stderr).to.match(/^error: store rekey re-encrypts the embedded file store only; vault1 is vault$/m);

      // the key file is a FIFO: refused at once, never waited on
      await rm(path.join(ws.dir, 'master.key'));
      execFileSync('mkfifo', [path.join(ws.dir, 'master.key')]);
      const fifo = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
      expect(fifo.exitCode).to.equal(2);
      expect(fifo.stderr).to.match(/^error: master key file .*master\.key is a FIFO \(named pipe\), not a regular file$/m);
      await rm(path.join(ws.dir, 'master.key'));

      // the key file holds another key: the old key is wrong
      await writeFile(path.join(ws.dir, 'master.key'), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
      const wrong = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
      expect(wrong.exitCode).to.equal(2);
      expect(wrong.stderr).to.match(/^error: cannot decrypt .*store\.enc: wrong master key, or the file was modified$/m);

      // readable by others: refused
      await writeFile(path.join(ws.dir, 'master.key'), `${oldKey}\n`, { mode: 0o644 });
      execFileSync('chmod', ['644', path.join(ws.dir, 'master.key')]);
      const open = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
      expect(open.exitCode).to.equal(2);
      expect(open.stderr).to.include('is accessible by group or others');

      expect(storeBytes(ws).equals(before)).to.equal(true);
      for (const leftover of ['master.key.new', 'master.key.old', 'store.enc.rekey'])
        expect(existsSync(path.join(ws.dir, leftover))).to.equal(false);
      expectNoKey([unknown.stderr, vault.stderr, fifo.stderr, wrong.stderr, open.stderr], [oldKey]);
    });
  });

  describe('a KEYTURN_MASTER_KEY store', () => {
    // one key rotated once (made once), then each test on its own copy
    let seed: Workspace;
    before(async () => {
      seed = await Workspace.create({ keys: 1 });
      const first = await seed.run(['rotate', '--all', '--yes']);
      expect(first.exitCode, first.stderr).to.equal(0);
    });
    after(async () => seed?.cleanup());
    beforeEach(async () => {
      ws = await copyWorkspace(seed);
    });

    it('reads the new key from stdin; the store then opens with it only, and no key file is written', async () => {
      const oldKey = ws.env.KEYTURN_MASTER_KEY!;
      const newKey = randomBytes(32).toString('hex');
      const rekey = await withStdin(ws, ['store', 'rekey', 'local'], `${newKey}\n`);
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      expect(rekey.stdout).to.include('set KEYTURN_MASTER_KEY to the new key');
      expect(opens(ws, newKey)).to.equal(true);
      expect(opens(ws, oldKey)).to.equal(false);
      expect(existsSync(path.join(ws.dir, 'master.key'))).to.equal(false);
      expect((await ws.run(['rotate', 'key-1', '--yes'])).exitCode).to.equal(2);
      const rotate = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_MASTER_KEY: newKey });
      expect(rotate.exitCode, rotate.stderr).to.equal(0);
      expectNoKey([rekey.stdout, rekey.stderr, rotate.stdout, rotate.stderr], [oldKey, newKey]);
    });

    it('accepts base64 of 32 bytes too', async () => {
      const newKey = randomBytes(32);
      const rekey = await withStdin(ws, ['store', 'rekey', 'local'], newKey.toString('base64'));
      expect(rekey.exitCode, rekey.stderr).to.equal(0);
      expect(opens(ws, newKey.toString('hex'))).to.equal(true);
    });

    it('bad new keys: the old key again, not a key, nothing, a wrong old key: exit 2, nothing changed, nothing echoed', async () => {
      const oldKey = ws.env.KEYTURN_MASTER_KEY!;
      const before = storeBytes(ws);
      const same = await withStdin(ws, ['store', 'rekey', 'local'], oldKey);
      expect(same.exitCode).to.equal(2);
      expect(same.stderr).to.match(/^error: the new master key is the key the store is encrypted under now: nothing changed$/m);
      const typo = 'not-a-key-but-maybe-a-password-123';
      const notKey = await withStdin(ws, ['store', 'rekey', 'local'], typo);
      expect(notKey.exitCode).to.equal(2);
      expect(notKey.stderr).to.match(/^error: the new master key is not a 32-byte key: nothing changed$/m);
      const onArgv = await ws.run(['store', 'rekey', 'local', randomBytes(32).toString('hex')]);
      expect(onArgv.exitCode).to.equal(2);
      expect(onArgv.stderr).to.match(/^error: store rekey takes nothing after the store: .* a new key never comes from the command line$/m);
      expect(onArgv.stderr).to.not.match(/[0-9a-f]{64}/);
      const empty = await withStdin(ws, ['store', 'rekey', 'local'], '');
      expect(empty.exitCode).to.equal(2);
      expect(empty.stderr).to.match(/^error: no new master key on stdin/m);
      const wrongOld = await withStdin(ws, ['store', 'rekey', 'local'], randomBytes(32).toString('hex'), {
        KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'),
      });
      expect(wrongOld.exitCode).to.equal(2);
      expect(wrongOld.stderr).to.match(/^error: cannot decrypt .*: wrong master key, or the file was modified$/m);
      expect(storeBytes(ws).equals(before)).to.equal(true);
      expect(existsSync(path.join(ws.dir, 'store.enc.rekey'))).to.equal(false);
      for (const r of [same, notKey, empty, wrongOld])
        expect(r.stderr + r.stdout)
          .to.not.include(typo)
          .and.not.include(oldKey);
    });

    it('asks for the new key twice at a hidden prompt on a terminal, echoing nothing', async () => {
      const oldKey = ws.env.KEYTURN_MASTER_KEY!;
      const newKey = randomBytes(32).toString('hex');
      const term = new Terminal(['node', CLI, 'store', 'rekey', 'local'], { cwd: ws.dir, env: ws.env });
      await term.waitFor('new master key (hidden): ');
      await term.type(`${newKey}\r`);
      await term.waitFor('the new master key again (hidden): ');
      await term.type(`${newKey}\r`);
      expect(await term.close()).to.equal(0);
      expect(term.screen).to.include('rekeyed store local');
      expectNoKey([term.screen], [oldKey, newKey]);
      expect(opens(ws, newKey)).to.equal(true);
    });

    it('two different entries at the prompt: exit 2, nothing changed', async () => {
      const before = storeBytes(ws);
      const term = new Terminal(['node', CLI, 'store', 'rekey', 'local'], { cwd: ws.dir, env: ws.env });
      await term.waitFor('new master key (hidden): ');
      await term.type(`${randomBytes(32).toString('hex')}\r`);
      await term.waitFor('again (hidden): ');
      await term.type(`${randomBytes(32).toString('hex')}\r`);
      expect(await term.close()).to.equal(2);
      expect(term.screen).to.include('the two entries differ: nothing changed');
      expect(storeBytes(ws).equals(before)).to.equal(true);
    });
  });
});

/**
 * `keyturn store rekey` killed with SIGKILL at each of its points: afterwards exactly one of the
 * two keys opens the store, `status` works and says which key opened it when that is not the key
 * file, a rerun of `store rekey` finishes (or starts afresh), and then `rotate` works with the
 * key file's key alone. Each block rotates one seed workspace once and gives every case its own
 * copy of it (test/support/workspace-copy.ts): the same starting store, key file included.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { expect } from 'chai';
import { decryptDocument } from '../../src/stores/file/format.js';
import { CLI, Workspace } from '../support/workspace.js';
import { copyWorkspace } from '../support/workspace-copy.js';

/**
 * In the order rekey reaches them (src/stores/file/rekey.ts). `store.file.beforeRename#N` is the Nth
 * atomic write's file written and fsync'd but not yet renamed into place: with a key file the
 * note (#1), the new key file (#2), the store (#3), the old key's copy (#4); with the environment's
 * key the note (#1) and the store (#2).
 */
const KEY_FILE_POINTS = [
  'store.file.beforeRename#1',
  'store.rekey.marker',
  'store.file.beforeRename#2',
  'store.rekey.newKeyFile',
  'store.file.beforeRename#3',
  'store.rekey.store',
  'store.file.beforeRename#4',
  'store.rekey.oldKeyFile',
  'store.rekey.keyFile',
  'store.rekey.done',
];
const ENV_POINTS = ['store.rekey.marker', 'store.file.beforeRename#2', 'store.rekey.store', 'store.rekey.done'];

/** Key file mode: KEYTURN_MASTER_KEY unset (an empty value counts as unset). */
const FILE_MODE = { KEYTURN_MASTER_KEY: '' };

function opens(ws: Workspace, keyHex: string | undefined): boolean {
  if (!keyHex) return false;
  try {
    decryptDocument(readFileSync(path.join(ws.dir, 'store.enc')), Buffer.from(keyHex.trim(), 'hex'), 'store', 'test');
    return true;
  } catch {
    return false;
  }
}

function readKey(ws: Workspace, name: string): string | undefined {
  const file = path.join(ws.dir, name);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
}

describe('store rekey: SIGKILL at each point, then the store still opens and a rerun finishes', function () {
  this.timeout(120_000);
  let ws: Workspace;
  afterEach(async () => ws?.cleanup());

  describe('key file store', () => {
    let seed: Workspace;
    before(async () => {
      seed = await Workspace.create({ keys: 1 });
      const first = await seed.run(['rotate', '--all', '--yes'], FILE_MODE);
      expect(first.exitCode, first.stderr).to.equal(0);
    });
    after(async () => seed?.cleanup());
    beforeEach(async () => {
      ws = await copyWorkspace(seed);
    });

    for (const point of KEY_FILE_POINTS) {
      it(`killed at ${point}`, async () => {
        const oldKey = readKey(ws, 'master.key')!;
        const killed = await ws.run(['store', 'rekey', 'local'], { ...FILE_MODE, KEYTURN_FAILPOINTS: `${point}=kill` });
        expect(killed.signal, killed.stderr).to.equal('SIGKILL');

        // exactly one of the two keys opens the store
        const newKey = readKey(ws, 'master.key.new') ?? (readKey(ws, 'master.key') === oldKey ? undefined : readKey(ws, 'master.key'));
        const byOld = opens(ws, oldKey);
        const byNew = opens(ws, newKey);
        expect(byOld !== byNew, `old opens: ${byOld}, new opens: ${byNew}`).to.equal(true);

        // the open path works and says which key opened the store while the note is there
        const status = await ws.run(['status', '--json'], FILE_MODE);
        expect(status.exitCode, status.stderr).to.equal(0);
        if (existsSync(path.join(ws.dir, 'store.enc.rekey'))) {
          expect(status.stderr).to.match(/store rekey .* was interrupted; the store opens with/);
          if (byNew && readKey(ws, 'master.key') === oldKey) expect(status.stderr).to.include('master.key.new');
        }

        const rerun = await ws.run(['store', 'rekey', 'local'], FILE_MODE);
        expect(rerun.exitCode, rerun.stderr).to.equal(0);
        expect(rerun.stdout).to.match(byNew ? /finished the interrupted rekey|rekeyed store local/ : /rekeyed store local/);
        await expectRekeyedCleanly(ws, oldKey);
      });
    }
  });

  describe('KEYTURN_MASTER_KEY store', () => {
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

    for (const point of ENV_POINTS) {
      it(`killed at ${point}`, async () => {
        const oldKey = ws.env.KEYTURN_MASTER_KEY!;
        const newKey = randomBytes(32).toString('hex');
        const killed = await rekeyWithStdin(ws, oldKey, newKey, { KEYTURN_FAILPOINTS: `${point}=kill` });
        expect(killed.signal, killed.stderr).to.equal('SIGKILL');
        const byOld = opens(ws, oldKey);
        const byNew = opens(ws, newKey);
        expect(byOld !== byNew, `old opens: ${byOld}, new opens: ${byNew}`).to.equal(true);
        const right = byNew ? newKey : oldKey;
        const wrong = byNew ? oldKey : newKey;

        // the wrong key: exit 2, and the message names the key the store is under by its id
        const refused = await ws.run(['status'], { KEYTURN_MASTER_KEY: wrong });
        if (existsSync(path.join(ws.dir, 'store.enc.rekey'))) {
          expect(refused.exitCode, refused.stderr).to.equal(2);
          expect(refused.stderr).to.match(byNew ? /set KEYTURN_MASTER_KEY to the new key/ : /set KEYTURN_MASTER_KEY to the old key/);
        }
        const status = await ws.run(['status'], { KEYTURN_MASTER_KEY: right });
        expect(status.exitCode, status.stderr).to.equal(0);

        // rerun with the key that opens it: finished (under the new key: nothing to type) or a fresh rekey to the new key;
        // killed after the note was removed, the rekey was complete
        const noted = existsSync(path.join(ws.dir, 'store.enc.rekey'));
        const rerun = byNew
          ? noted
            ? await ws.run(['store', 'rekey', 'local'], { KEYTURN_MASTER_KEY: newKey })
            : status
          : await rekeyWithStdin(ws, oldKey, newKey);
        expect(rerun.exitCode, rerun.stderr).to.equal(0);
        if (byNew && noted) expect(rerun.stdout).to.include('finished the interrupted rekey');
        expect(existsSync(path.join(ws.dir, 'store.enc.rekey'))).to.equal(false);
        expect(opens(ws, newKey)).to.equal(true);
        expect(opens(ws, oldKey)).to.equal(false);
        const rotate = await ws.run(['rotate', 'key-1', '--yes'], { KEYTURN_MASTER_KEY: newKey });
        expect(rotate.exitCode, rotate.stderr).to.equal(0);
        for (const text of [killed.stdout, killed.stderr, rerun.stdout, rerun.stderr, status.stderr, refused.stderr]) {
          expect(text).to.not.include(oldKey).and.not.include(newKey);
        }
      });
    }
  });
});

function rekeyWithStdin(ws: Workspace, oldKey: string, newKey: string, env: Record<string, string> = {}) {
  return execa('node', [CLI, 'store', 'rekey', 'local'], {
    cwd: ws.dir,
    env: { ...ws.env, KEYTURN_MASTER_KEY: oldKey, ...env },
    input: `${newKey}\n`,
    reject: false,
  }).then((r) => ({ exitCode: r.exitCode ?? -1, signal: r.signal ?? undefined, stdout: String(r.stdout), stderr: String(r.stderr) }));
}

/** The key file alone opens the store, the old key does not, nothing of the rekey is left over, and a rotation works. */
async function expectRekeyedCleanly(ws: Workspace, oldKey: string): Promise<void> {
  const key = readKey(ws, 'master.key')!;
  expect(key).to.not.equal(oldKey);
  expect(opens(ws, key)).to.equal(true);
  expect(opens(ws, oldKey)).to.equal(false);
  for (const leftover of ['store.enc.rekey', 'master.key.new']) expect(existsSync(path.join(ws.dir, leftover)), leftover).to.equal(false);
  // a key file's temp copy a crash left is removed by the rerun (the store's own temp files by its next writer, once stale)
  expect(readdirSync(ws.dir).filter((name) => name.startsWith('master.key') && name.endsWith('.tmp'))).to.deep.equal([]);
  expect(statSync(path.join(ws.dir, 'master.key')).mode & 0o777).to.equal(0o600);
  const rotate = await ws.run(['rotate', 'key-1', '--yes'], FILE_MODE);
  expect(rotate.exitCode, rotate.stderr).to.equal(0);
  expect(rotate.stderr).to.not.include(key).and.not.include(oldKey);
}

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { resetFailpoints } from '../../src/failpoints.js';
import { wrapStore } from '../../src/adapters/wrap-store.js';
import { FileStore, type FileStoreOptions } from '../../src/stores/file/file-store.js';
import { HEADER_LENGTH } from '../../src/stores/file/format.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { describeStoreContract, historyEntry, sleep } from './contract.js';
import type { StoreRef } from '../../src/model.js';

const worker = fileURLToPath(new URL('./fixtures/store-worker.js', import.meta.url));

const ref = (name: string): StoreRef => ({ store: 'local', path: `app/${name}`, key: name });
const hexKey = () => randomBytes(32).toString('hex');

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runWorker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker, ...args], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Start a worker that takes the store's mutex and keeps it until killed. */
async function lockHolder(file: string) {
  const child = spawn(process.execPath, [worker, 'hold-lock', file], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    child.on('error', reject);
    child.on('exit', () => reject(new Error('lock holder exited early')));
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describeStoreContract('file', async () => {
  const dir = await tempDir('keyturn-file-store-');
  const store = new FileStore({ file: path.join(dir, 'store.enc'), env: {} });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await removeTempDir(dir);
    },
  };
});

describe('FileStore', function () {
  this.timeout(60_000);
  let dir: string;
  let file: string;
  const open = (options: Partial<FileStoreOptions> = {}) => new FileStore({ file, env: {}, ...options });

  beforeEach(async () => {
    dir = await tempDir('keyturn-file-store-');
    file = path.join(dir, 'state', 'store.enc');
  });
  afterEach(async () => {
    await removeTempDir(dir);
  });

  describe('encryption at rest', () => {
    it('keeps no secret value and no key id in clear on disk', async () => {
      const store = open();
      const material = { apiKey: 'AKIAPLAINTEXTAPIKEY0001', secret: 'very-secret-value-0123456789' };
      await store.stage(ref('grid'), 'rot-20260101000000-aaaa0001', {
        keyId: 'KEYID-PUBLIC-4242',
        material,
        meta: { publicKey: 'PUBMETA-777' },
      });
      await store.promote(ref('grid'), 'rot-20260101000000-aaaa0001');
      await store.record(ref('grid'), { currentKeyId: 'KEYID-PUBLIC-4242' });
      await store.appendHistory(
        ref('grid'),
        historyEntry('rot-20260101000000-aaaa0001', 'grid', '2026-01-01T00:00:00.000Z', { newKeyId: 'KEYID-PUBLIC-4242' }),
      );
      const raw = await fs.readFile(file);
      expect(raw.subarray(0, 8).toString('ascii')).to.equal('KEYTURN1');
      expect(raw[8]).to.equal(1);
      for (const clear of [
        material.apiKey,
        material.secret,
        'KEYID-PUBLIC-4242',
        'PUBMETA-777',
        'rot-20260101000000',
        'app/grid',
        'completed',
      ]) {
        expect(raw.includes(Buffer.from(clear)), clear).to.equal(false);
        expect(raw.includes(Buffer.from(clear).toString('base64').slice(0, 12)), `${clear} as base64`).to.equal(false);
      }
      // and a reader with the key gets it all back
      expect((await open().current(ref('grid')))?.material).to.deep.equal(material);
    });

    it('refuses a wrong master key with EMASTERKEY and never shows a key', async () => {
      const right = hexKey();
      const wrong = hexKey();
      await open({ env: { KEYTURN_MASTER_KEY: right } }).record(ref('a'), { currentKeyId: 'k1' });
      const error = await rejection(open({ env: { KEYTURN_MASTER_KEY: wrong } }).rotation(ref('a')), 'EMASTERKEY');
      const text = `${error.message} ${error.details.hint ?? ''}`;
      expect(text).to.include('KEYTURN_MASTER_KEY');
      expect(text).to.not.include(right);
      expect(text).to.not.include(wrong);
      // and a write with the wrong key is refused too, leaving the file as it was
      const before = await fs.readFile(file);
      await rejection(open({ env: { KEYTURN_MASTER_KEY: wrong } }).record(ref('a'), { currentKeyId: 'k2' }), 'EMASTERKEY');
      expect((await fs.readFile(file)).equals(before)).to.equal(true);
    });

    for (const [what, offset] of [
      ['the IV in the header', 12],
      ['the auth tag', HEADER_LENGTH - 3],
      ['the ciphertext', HEADER_LENGTH + 5],
    ] as const) {
      it(`detects a flipped byte in ${what}`, async () => {
        await open().record(ref('a'), { currentKeyId: 'k1' });
        const raw = await fs.readFile(file);
        raw[offset] = raw[offset]! ^ 0x01;
        await fs.writeFile(file, raw);
        await rejection(open().rotation(ref('a')), 'EMASTERKEY');
      });
    }

    it('refuses a file that is not a store (bad magic, other format version, truncated)', async () => {
      await open().record(ref('a'), { currentKeyId: 'k1' });
      const raw = await fs.readFile(file);
      const magic = Buffer.from(raw);
      magic[0] = 0x58;
      await fs.writeFile(file, magic);
      await rejection(open().rotation(ref('a')), 'ESTOREFILE');
      const version = Buffer.from(raw);
      version[8] = 2;
      await fs.writeFile(file, version);
      expect((await rejection(open().rotation(ref('a')), 'ESTOREFILE')).message).to.include('version 2');
      await fs.writeFile(file, raw.subarray(0, 20));
      await rejection(open().rotation(ref('a')), 'ESTOREFILE');
    });
  });

  describe('master key', () => {
    it('creates the key file 0600 (in a 0700 directory) on the first write, not on a read', async () => {
      const store = open();
      expect(await store.current(ref('a'))).to.equal(undefined);
      expect(await exists(path.dirname(file)), 'a read must create nothing').to.equal(false);
      await store.record(ref('a'), { currentKeyId: 'k1' });
      const keyFile = path.join(path.dirname(file), 'master.key');
      expect((await fs.stat(keyFile)).mode & 0o777).to.equal(0o600);
      expect((await fs.stat(path.dirname(file))).mode & 0o777).to.equal(0o700);
      expect((await fs.stat(file)).mode & 0o777).to.equal(0o600);
      expect((await fs.readFile(keyFile, 'utf8')).trim()).to.match(/^[0-9a-f]{64}$/);
    });

    it('refuses a key file that group or others can read, with a chmod hint', async () => {
      await open().record(ref('a'), { currentKeyId: 'k1' });
      const keyFile = path.join(path.dirname(file), 'master.key');
      await fs.chmod(keyFile, 0o644);
      const error = await rejection(open().rotation(ref('a')), 'EMASTERKEY');
      expect(error.details.hint).to.equal(`chmod 600 ${keyFile}`);
      await fs.chmod(keyFile, 0o600);
      expect(await open().rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k1' });
    });

    it('uses KEYTURN_MASTER_KEY (hex or base64) without any key file', async () => {
      const key = randomBytes(32);
      await open({ env: { KEYTURN_MASTER_KEY: key.toString('hex') } }).record(ref('a'), { currentKeyId: 'k1' });
      expect(await exists(path.join(path.dirname(file), 'master.key'))).to.equal(false);
      expect(await open({ env: { KEYTURN_MASTER_KEY: key.toString('base64') } }).rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k1' });
    });

    it('uses a key file at the configured place', async () => {
      const keyFile = path.join(dir, 'keys', 'store.key');
      await open({ masterKeyFile: keyFile }).record(ref('a'), { currentKeyId: 'k1' });
      expect((await fs.stat(keyFile)).mode & 0o777).to.equal(0o600);
      expect(await exists(path.join(path.dirname(file), 'master.key'))).to.equal(false);
      expect(await open({ masterKeyFile: keyFile }).rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k1' });
      await rejection(open().rotation(ref('a')), 'EMASTERKEY');
    });

    it('refuses a malformed KEYTURN_MASTER_KEY without echoing it', async () => {
      const error = await rejection(
        open({ env: { KEYTURN_MASTER_KEY: 'not-a-key-abcdef' } }).record(ref('a'), { currentKeyId: 'k1' }),
        'EMASTERKEY',
      );
      expect(error.message).to.not.include('not-a-key-abcdef');
    });

    it('will not create a new key when the store exists but its key file is gone', async () => {
      await open().record(ref('a'), { currentKeyId: 'k1' });
      const keyFile = path.join(path.dirname(file), 'master.key');
      await fs.unlink(keyFile);
      await rejection(open().rotation(ref('a')), 'EMASTERKEY');
      await rejection(open().record(ref('a'), { currentKeyId: 'k2' }), 'EMASTERKEY');
      expect(await exists(keyFile)).to.equal(false);
    });

    it('two processes starting on an empty store agree on one key', async () => {
      const startAt = String(Date.now() + 400);
      const results = await Promise.all(['w1', 'w2', 'w3'].map((tag, i) => runWorker(['record', file, tag, `value-${i}`, startAt])));
      for (const result of results) expect(result.code, result.stderr).to.equal(0);
      const store = open();
      expect((await store.rotation({ store: 's', path: 'shared/1', key: 'k' })).lastRotationId).to.equal('value-0');
      expect((await store.rotation({ store: 's', path: 'shared/2', key: 'k' })).lastRotationId).to.equal('value-1');
      expect((await store.rotation({ store: 's', path: 'shared/3', key: 'k' })).lastRotationId).to.equal('value-2');
      expect((await fs.readdir(path.dirname(file))).sort()).to.deep.equal(['master.key', 'store.enc']);
    });
  });

  describe('durability and sharing', () => {
    it('a second instance sees what the first wrote, and the first sees the reply', async () => {
      const a = open();
      const b = open();
      await a.stage(ref('x'), 'r1', { keyId: 'kid-1', material: { value: 'v1' } });
      expect((await b.pending(ref('x')))?.keyId).to.equal('kid-1');
      await b.promote(ref('x'), 'r1');
      expect((await a.current(ref('x')))?.keyId).to.equal('kid-1');
      expect(await a.pending(ref('x'))).to.equal(undefined);
      await a.record(ref('x'), { currentKeyId: 'kid-1' });
      await b.record(ref('x'), { lastRotationId: 'r1' });
      expect(await a.rotation(ref('x'))).to.deep.equal({ currentKeyId: 'kid-1', lastRotationId: 'r1' });
    });

    it('bounds old versions: after many rotations only the last few are kept', async () => {
      const store = open();
      const r = ref('bounded');
      for (let n = 1; n <= 5; n += 1) {
        await store.stage(r, `r${n}`, { keyId: `kid-${n}`, material: { value: `value-${n}` } });
        await store.promote(r, `r${n}`);
      }
      const sizeAfterFive = (await fs.stat(file)).size;
      for (let n = 6; n <= 40; n += 1) {
        await store.stage(r, `r${n}`, { keyId: `kid-${n}`, material: { value: `value-${n}` } });
        await store.promote(r, `r${n}`);
      }
      expect((await fs.stat(file)).size).to.be.at.most(sizeAfterFive + 40);
      // r38 is the last version kept behind PREVIOUS: rolling back twice walks off the end
      await store.rollback(r, 'r40');
      expect([(await store.current(r))?.rotationId, (await store.previous(r))?.rotationId]).to.deep.equal(['r39', 'r38']);
      await store.rollback(r, 'r39');
      expect([(await store.current(r))?.rotationId, (await store.previous(r))?.rotationId]).to.deep.equal(['r38', undefined]);
    });

    it('bounds history per secret to the newest 200 entries', async () => {
      const store = open();
      const r = ref('chatty');
      await Promise.all(
        Array.from({ length: 230 }, (_, i) =>
          store.appendHistory(
            r,
            historyEntry(`r${String(i).padStart(3, '0')}`, 'chatty', new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString()),
          ),
        ),
      );
      const history = await open().history(r);
      expect(history).to.have.length(200);
      expect(history[0]?.rotationId).to.equal('r030');
      expect(history[199]?.rotationId).to.equal('r229');
    });

    it('a failpoint at the start of a mutation fails it and writes nothing', async () => {
      // the failpoints are the registry's wrapper's, as every run opens the store
      const store = wrapStore('local', open());
      await store.record(ref('fp'), { currentKeyId: 'k1' });
      const before = await fs.readFile(file);
      process.env.KEYTURN_FAILPOINTS = 'store.promote@fp=error,store.record@fp=error';
      resetFailpoints();
      try {
        await rejection(store.record(ref('fp'), { currentKeyId: 'k2' }), 'EFAILPOINT');
        await rejection(store.promote(ref('fp'), 'r1'), 'EFAILPOINT');
        await store.record(ref('other'), { currentKeyId: 'k3' });
      } finally {
        delete process.env.KEYTURN_FAILPOINTS;
        resetFailpoints();
      }
      expect((await fs.readFile(file)).equals(before)).to.equal(false);
      expect(await open().rotation(ref('fp'))).to.deep.equal({ currentKeyId: 'k1' });
      expect(await open().rotation(ref('other'))).to.deep.equal({ currentKeyId: 'k3' });
    });

    it('a process killed between writing and renaming leaves the old state readable and the next writer unblocked', async () => {
      const key = hexKey();
      const first = await runWorker(['record', file, 'w1', 'before', '0'], { KEYTURN_MASTER_KEY: key });
      expect(first.code, first.stderr).to.equal(0);
      const crashed = await runWorker(['record', file, 'w1', 'during', '0'], {
        KEYTURN_MASTER_KEY: key,
        KEYTURN_FAILPOINTS: 'store.file.beforeRename=kill',
      });
      expect(crashed.signal).to.equal('SIGKILL');
      const left = await fs.readdir(path.dirname(file));
      expect(
        left.filter((name) => name.endsWith('.tmp')),
        'the crash leaves its temp file',
      ).to.have.length(1);
      expect(left).to.include('store.enc.lock');
      const shared1 = { store: 's', path: 'shared/1', key: 'k' };
      expect((await open({ env: { KEYTURN_MASTER_KEY: key } }).rotation(shared1)).lastRotationId).to.equal('before');
      await sleep(60);
      const started = Date.now();
      const writer = open({ env: { KEYTURN_MASTER_KEY: key }, lock: { staleMs: 50 } });
      await writer.record(shared1, { lastRotationId: 'after' });
      expect(Date.now() - started).to.be.below(1000);
      // a busy store may keep its lock a moment for the next batch: close() hands it back
      await writer.close();
      expect((await open({ env: { KEYTURN_MASTER_KEY: key } }).rotation(shared1)).lastRotationId).to.equal('after');
      expect((await fs.readdir(path.dirname(file))).sort(), 'the orphaned temp file is swept').to.deep.equal(['store.enc']);
    });
  });

  describe('cross-process safety', () => {
    it('two processes doing 200 mutations each on the same secrets lose no update', async () => {
      const key = hexKey();
      const startAt = String(Date.now() + 500);
      const [a, b] = await Promise.all(
        ['A', 'B'].map((tag) => runWorker(['mutate', file, tag, '200', startAt], { KEYTURN_MASTER_KEY: key })),
      );
      expect(a!.code, a!.stderr).to.equal(0);
      expect(b!.code, b!.stderr).to.equal(0);
      const store = open({ env: { KEYTURN_MASTER_KEY: key } });
      const seen = new Set<string>();
      for (let p = 0; p < 4; p += 1) {
        const r = { store: 's', path: `shared/${p}`, key: `key-${p}` };
        const history = await store.history(r);
        expect(history).to.have.length(50);
        for (const h of history) seen.add(h.rotationId);
        // mutation j goes to path floor(j/2) % 4; odd ones are record(): each process's last one must survive
        const lastJ = Math.max(...Array.from({ length: 200 }, (_, j) => j).filter((j) => j % 2 === 1 && Math.floor(j / 2) % 4 === p));
        expect(await store.rotation(r)).to.deep.equal({ currentKeyId: `A-${lastJ}`, previousKeyId: `B-${lastJ}` });
      }
      const expected = new Set(['A', 'B'].flatMap((tag) => Array.from({ length: 100 }, (_, i) => `${tag}-${i * 2}`)));
      expect([...seen].sort()).to.deep.equal([...expected].sort());
      // the two really interleaved: each had to reload the file after the other wrote it
      for (const child of [a!, b!]) {
        const stats = JSON.parse(child.stdout.trim().split('\n').pop()!) as { mutations: number; loads: number };
        expect(stats.mutations).to.equal(200);
        expect(stats.loads, 'reloads after the other process wrote').to.be.at.least(2);
      }
      expect(await fs.readdir(path.dirname(file))).to.deep.equal(['store.enc']);
    });

    it('a process in a long burst of commits lets another process in within milliseconds', async () => {
      const key = hexKey();
      // the burst keeps its lock across batches; the waiter must not have to wait for it to finish
      const burst = runWorker(['burst', file, 'A', '20000', '0'], { KEYTURN_MASTER_KEY: key });
      await waitFor(async () => (await exists(file)) && (await fs.readdir(path.dirname(file))).includes('store.enc.lock'));
      const waiters: Array<{ latencyMs: number; finishedAt: number }> = [];
      for (let i = 1; i <= 3; i += 1) {
        const one = await runWorker(['record', file, `w${i}`, `v${i}`, '0'], { KEYTURN_MASTER_KEY: key });
        expect(one.code, one.stderr).to.equal(0);
        waiters.push(JSON.parse(one.stdout.split('\n')[0]!) as { latencyMs: number; finishedAt: number });
      }
      const done = await burst;
      expect(done.code, done.stderr).to.equal(0);
      const end = JSON.parse(done.stdout.split('\n')[0]!) as { burstMs: number; finishedAt: number };
      const latencies = waiters.map((w) => w.latencyMs);
      if (process.env.KEYTURN_TEST_VERBOSE) console.log({ latencies, burstMs: end.burstMs });
      for (const waiter of waiters)
        expect(waiter.finishedAt, 'each waiter got in while the burst was still running').to.be.below(end.finishedAt);
      expect(Math.max(...latencies), `latencies ${latencies.join(', ')} ms during a ${end.burstMs} ms burst`).to.be.below(300);
      const store = open({ env: { KEYTURN_MASTER_KEY: key } });
      for (let i = 1; i <= 3; i += 1)
        expect((await store.rotation({ store: 's', path: `shared/${i}`, key: 'k' })).lastRotationId).to.equal(`v${i}`);
      expect((await store.rotation({ store: 's', path: 'burst/63', key: 'k' })).lastRotationId).to.equal('A-19967');
    });

    it('two processes contending for the same leases: exactly one wins each', async () => {
      const key = hexKey();
      const startAt = String(Date.now() + 500);
      const results = await Promise.all(
        ['alice', 'bob'].map((tag) => runWorker(['lease', file, tag, '12', startAt], { KEYTURN_MASTER_KEY: key })),
      );
      const [alice, bob] = results.map((result) => {
        expect(result.code, result.stderr).to.equal(0);
        return JSON.parse(result.stdout.split('\n')[0]!) as string[];
      });
      const store = open({ env: { KEYTURN_MASTER_KEY: key } });
      for (let i = 0; i < 12; i += 1) {
        const outcomes = [alice![i], bob![i]].sort();
        expect(outcomes, `lease ${i}`).to.deep.equal(['ELEASE', 'won']);
        const winner = alice![i] === 'won' ? 'alice' : 'bob';
        const error = await rejection(store.lease({ store: 's', path: `shared/${i}`, key: `key-${i}` }, 'carol', 1000), 'ELEASE');
        expect(error.details.owner).to.equal(winner);
      }
    });

    it('a process SIGKILLed while holding the mutex does not block the next writer', async () => {
      await open().record(ref('a'), { currentKeyId: 'k1' });
      const holder = await lockHolder(file);
      await holder.kill();
      const started = Date.now();
      // the stale bound is far away: only the dead pid lets us in this fast
      await open({ lock: { staleMs: 60_000, timeoutMs: 10_000 } }).record(ref('a'), { currentKeyId: 'k2' });
      expect(Date.now() - started).to.be.below(1000);
      expect(await open().rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k2' });
    });

    it('a lock left by another host is broken once it is older than the stale bound, not before', async () => {
      await open().record(ref('a'), { currentKeyId: 'k1' });
      await fs.writeFile(`${file}.lock`, JSON.stringify({ pid: 4242, host: 'some-other-host', at: Date.now(), token: 'abc' }));
      const started = Date.now();
      await open({ lock: { staleMs: 400, timeoutMs: 5000 } }).record(ref('a'), { currentKeyId: 'k2' });
      const waited = Date.now() - started;
      expect(waited).to.be.at.least(350);
      expect(waited).to.be.below(1500);
      expect(await open().rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k2' });
    });

    it('a live holder makes a writer give up with ESTORE after the bounded wait', async () => {
      await open().record(ref('a'), { currentKeyId: 'k1' });
      const holder = await lockHolder(file);
      try {
        const started = Date.now();
        const error = await rejection(
          open({ lock: { staleMs: 60_000, timeoutMs: 300 } }).record(ref('a'), { currentKeyId: 'k2' }),
          'ESTORE',
        );
        expect(error.message).to.include(`pid ${holder.pid}`);
        expect(Date.now() - started).to.be.within(250, 1500);
      } finally {
        await holder.kill();
      }
      expect(await open().rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k1' });
    });
  });

  describe('group commit', () => {
    it('200 concurrent mutations in one process share a handful of writes and all land', async () => {
      const store = open();
      await store.record(ref('warm'), { currentKeyId: 'k0' });
      const before = store.stats;
      await Promise.all(Array.from({ length: 200 }, (_, i) => store.record(ref(`g${i}`), { currentKeyId: `kid-${i}` })));
      const after = store.stats;
      expect(after.mutations - before.mutations).to.equal(200);
      expect(after.writes - before.writes).to.be.at.most(3);
      expect(after.commits - before.commits).to.be.at.most(3);
      expect(after.maxBatch).to.be.at.least(100);
      const reader = open();
      for (let i = 0; i < 200; i += 1) expect((await reader.rotation(ref(`g${i}`))).currentKeyId).to.equal(`kid-${i}`);
    });

    it('a failing mutation in a batch fails alone; the others are written', async () => {
      const store = open();
      await store.stage(ref('ok'), 'r1', { keyId: 'kid-1', material: { value: 'v' } });
      const results = await Promise.allSettled([
        store.promote(ref('ok'), 'r1'),
        store.promote(ref('missing'), 'r9'),
        store.stage(ref('ok'), 'r1', { keyId: 'kid-1', material: { value: 'other' } }),
        store.record(ref('ok'), { currentKeyId: 'kid-1' }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
      const reader = open();
      expect((await reader.current(ref('ok')))?.material).to.deep.equal({ value: 'v' });
      expect(await reader.rotation(ref('ok'))).to.deep.equal({ currentKeyId: 'kid-1' });
    });

    it('reads are served from the cache while the file is unchanged, and reload when another process writes', async () => {
      const store = open();
      await store.record(ref('a'), { currentKeyId: 'k1' });
      const loads = store.stats.loads;
      for (let i = 0; i < 50; i += 1) await store.rotation(ref('a'));
      expect(store.stats.loads).to.equal(loads);
      await open().record(ref('a'), { currentKeyId: 'k2' });
      expect(await store.rotation(ref('a'))).to.deep.equal({ currentKeyId: 'k2' });
      expect(store.stats.loads).to.equal(loads + 1);
    });

    it('close() waits for queued mutations and leaves no lock behind', async () => {
      const store = open();
      const pending = Promise.all(Array.from({ length: 20 }, (_, i) => store.record(ref(`c${i}`), { currentKeyId: `kid-${i}` })));
      await store.close();
      expect((await fs.readdir(path.dirname(file))).sort()).to.deep.equal(['master.key', 'store.enc']);
      await pending;
      expect((await open().rotation(ref('c19'))).currentKeyId).to.equal('kid-19');
    });

    it('no-op mutations write nothing', async () => {
      const store = open();
      await store.record(ref('a'), { currentKeyId: 'k1' });
      const writes = store.stats.writes;
      const mtime = (await fs.stat(file)).mtimeMs;
      await store.record(ref('a'), { currentKeyId: 'k1' });
      await store.rollback(ref('a'), 'r-unknown');
      await store.writeJournal(ref('a'), undefined);
      expect(store.stats.writes).to.equal(writes);
      expect((await fs.stat(file)).mtimeMs).to.equal(mtime);
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await sleep(2);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fs.stat(p);
    return true;
  } catch {
    return false;
  }
}

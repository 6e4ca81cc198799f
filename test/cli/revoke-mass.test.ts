/**
 * `keyturn revoke --all | --holder | --tag` through the built CLI against the exchange
 * sandbox: every old key is deleted (and refused on the wire) before any replacement is
 * created, each key is replaced, the bot restarted on its new key is healthy, a deletion that
 * fails is retried and reported while the others go on, and no secret reaches any output.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { openStore } from '../../src/stores/registry.js';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { freePort } from '../../scripts/free-port.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { admin, sandboxWithAccounts, signed, SUB, SUB2, type WireKey, exchangeConfigHead } from '../binance/wire.js';

const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');
const BOT = path.join(process.cwd(), 'dist/scripts/demo-bot.js');
const KEYS = ['bot', 'k2', 'k3', 'k4'] as const;

function yaml(url: string, botPort: number): string {
  const key = (id: string, email: string, holders: string, tags: string, extra = '') => `  - id: ${id}
    purpose: ${id} on ${email}
    issuer: exchange
    path: keys/${id}
    period: 30d
    tier: high-frequency
    holders: ${holders}
    tags: ${tags}
    spec: { email: ${email} }
    restrictions: { permissions: [reading, spot], ipWhitelist: [127.0.0.1], account: sub }
${extra}`;
  const consumer = `    consumers:
      - name: bot
        restart:
          command: [node, ${BOT}, restart, --name, bot, --port, "${botPort}", --base-url, "${url}", --call, order-test, --rate, "5", --exit-after, 2m]
        env: { BINANCE_API_KEY: apiKey, BINANCE_API_SECRET: secret }
        health: { url: "http://127.0.0.1:${botPort}/health", timeout: 2s, retries: 40, interval: 100ms }
`;
  return `${exchangeConfigHead(url)}people:
  alice: { name: Alice, teams: [trading] }
  bob: { name: Bob }
teams:
  trading: { members: [alice] }
keys:
${key('bot', SUB, '[team:trading]', '[trading]', consumer)}${key('k2', SUB, '[bob]', '[trading]')}${key('k3', SUB2, '[bob]', '[data]')}${key(
    'k4',
    SUB2,
    '[alice]',
    '[data]',
  )}`;
}

describe('keyturn revoke: many keys, every old key dead before any replacement (sandbox)', function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let url: string;
  let management: WireKey;
  let dir: string;
  let env: Record<string, string>;
  let botPort: number;

  const cli = async (args: string[], extraEnv: Record<string, string> = {}) => {
    const r = await execa('node', [CLI, ...args], { cwd: dir, env: { ...env, ...extraEnv }, reject: false, stdin: 'ignore' });
    return {
      exitCode: r.exitCode ?? -1,
      stdout: String(r.stdout),
      stderr: String(r.stderr),
      out: `${String(r.stdout)}\n${String(r.stderr)}`,
    };
  };
  type Current = WireKey & { keyId: string };
  const currents = async (): Promise<Record<(typeof KEYS)[number], Current>> => {
    const s = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
    try {
      const out = {} as Record<(typeof KEYS)[number], Current>;
      for (const id of KEYS) {
        const v = (await s.current({ store: 'local', path: `keys/${id}`, key: id }))!;
        out[id] = { keyId: v.keyId, apiKey: v.material.apiKey!, secret: v.material.secret };
      }
      return out;
    } finally {
      await s.close();
    }
  };
  const works = async (key: WireKey) => (await signed(url, 'GET', '/api/v3/account', key)).status === 200;
  const refused = async (key: WireKey) => (await signed(url, 'GET', '/api/v3/account', key)).body.code === -2015;
  const noSecretIn = (text: string, keys: Array<WireKey>) => {
    for (const k of keys) {
      expect(text).to.not.include(k.apiKey);
      expect(text).to.not.include(k.secret!);
      expect(text).to.not.include(k.secret!.slice(10, 22));
    }
  };

  beforeEach(async () => {
    ({ sandbox, url, management } = await sandboxWithAccounts());
    dir = await tempDir('keyturn-revoke-mass-');
    botPort = await freePort();
    env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'test-operator' };
    await writeFile(path.join(dir, 'rotation.yaml'), yaml(url, botPort));
    const s = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
    const mref = { store: 'local', path: 'exchange/management', key: 'management' };
    await s.stage(mref, 'bootstrap', { keyId: 'management', material: { apiKey: management.apiKey, secret: management.secret! } });
    await s.promote(mref, 'bootstrap');
    await s.close();
    const first = await cli(['rotate', '--all', '--yes']);
    expect(first.exitCode, first.out).to.equal(0);
  });
  afterEach(async () => {
    await execa('node', [BOT, 'stop', '--name', 'bot'], { cwd: dir, reject: false });
    await sandbox.close();
    await removeTempDir(dir);
  });

  it('revoke --all: every old key refused, all deleted before the first create, every key replaced, the bot healthy on its new key', async () => {
    const before = await currents();
    const from = sandbox.arrivals.length;
    const r = await cli(['revoke', '--all', '--reason', 'server breached', '--yes', '--json']);
    expect(r.exitCode, r.out).to.equal(0);
    // on the exchange: every delete arrived before the first create
    const arrivals = sandbox.arrivals.slice(from);
    const deletes = arrivals.flatMap((a, i) => (a === 'DELETE /sapi/v1/sub-account/subAccountApi' ? [i] : []));
    const firstCreateAt = arrivals.indexOf('POST /sapi/v1/sub-account/subAccountApi');
    expect(deletes).to.have.length(KEYS.length);
    expect(firstCreateAt).to.be.greaterThan(Math.max(...deletes));
    const report = JSON.parse(r.stdout) as {
      deaths: Array<{ key: string; oldKeyId: string; deadAfterMs: number; proven: boolean; attempts: number }>;
      allDeadAfterMs: number;
      doneAfterMs: number;
      results: Array<{ key: string; outcome: string }>;
    };
    expect(report.deaths.map((d) => d.key).sort()).to.deep.equal([...KEYS]);
    for (const d of report.deaths) {
      expect(d.oldKeyId).to.equal(before[d.key as (typeof KEYS)[number]].keyId);
      expect(d.deadAfterMs).to.be.a('number').and.be.at.most(report.allDeadAfterMs);
      expect(d).to.include({ proven: true, attempts: 1 });
    }
    expect(report.allDeadAfterMs).to.be.at.most(report.doneAfterMs);
    expect(report.results.map((x) => x.outcome)).to.deep.equal(['completed', 'completed', 'completed', 'completed']);
    // the log: every "leaked key … deleted" line before the first create
    const lines = r.stderr.split('\n');
    const lastDelete = Math.max(...KEYS.map((id) => lines.findIndex((l) => l.includes(`${id}: leaked key ${before[id]!.keyId} deleted`))));
    const firstCreate = lines.findIndex((l) => /: create\b/.test(l));
    expect(lastDelete, r.stderr).to.be.greaterThan(-1);
    expect(firstCreate).to.be.greaterThan(lastDelete);

    const after = await currents();
    for (const id of KEYS) {
      expect(await refused(before[id]!), `${id}'s old key`).to.equal(true);
      expect(after[id]!.keyId).to.not.equal(before[id]!.keyId);
      expect(await works(after[id]!), `${id}'s new key`).to.equal(true);
    }
    const health = (await (await fetch(`http://127.0.0.1:${botPort}/health`)).json()) as { ok: boolean; keyId?: string };
    expect(health.ok).to.equal(true);
    noSecretIn(r.out, [...Object.values(before), ...Object.values(after)]);

    const history = await cli(['history', 'k3', '--json']);
    expect(history.stdout).to.include('server breached');
  });

  it('--holder and --tag select exactly the keys a person can read, or that carry the tag', async () => {
    const before = await currents();
    const byHolder = await cli(['revoke', '--holder', 'bob', '--reason', "bob's laptop stolen", '--yes']);
    expect(byHolder.exitCode, byHolder.out).to.equal(0);
    expect(byHolder.stdout).to.match(/All old keys dead \d+\.\d\ds after the start/);
    const mid = await currents();
    expect(mid.k2.keyId).to.not.equal(before.k2.keyId);
    expect(mid.k3.keyId).to.not.equal(before.k3.keyId);
    expect(mid.bot.keyId).to.equal(before.bot.keyId);
    expect(mid.k4.keyId).to.equal(before.k4.keyId);
    expect(await works(before.k4)).to.equal(true);

    const byTag = await cli(['revoke', '--tag', 'data', '--reason', 'data host breached', '--yes']);
    expect(byTag.exitCode, byTag.out).to.equal(0);
    const end = await currents();
    expect(end.k3.keyId).to.not.equal(mid.k3.keyId);
    expect(end.k4.keyId).to.not.equal(mid.k4.keyId);
    expect(end.bot.keyId).to.equal(before.bot.keyId);
    expect(end.k2.keyId).to.equal(mid.k2.keyId);
    expect(await refused(before.k4)).to.equal(true);

    const none = await cli(['revoke', '--tag', 'nothing', '--reason', 'x', '--yes']);
    expect(none.exitCode).to.equal(2);
    expect(none.stderr).to.include('matches no key');
  });

  it('a deletion that keeps failing is retried and reported; the other keys are deleted and replaced', async () => {
    const before = await currents();
    const r = await cli(['revoke', '--all', '--reason', 'leak', '--yes'], { KEYTURN_FAILPOINTS: 'issuer.revoke@k2=error' });
    expect(r.exitCode, r.out).to.equal(3);
    expect(r.stdout).to.match(/k2 .*not deleted/);
    expect(r.stdout).to.include('NOT every old key is dead');
    expect(r.stderr).to.match(/k2: deleting the old key failed \(try 2 of 3\)/);
    const after = await currents();
    for (const id of ['bot', 'k3', 'k4'] as const) {
      expect(await refused(before[id]!)).to.equal(true);
      expect(await works(after[id]!)).to.equal(true);
    }
    // k2 could not be deleted and was not replaced: the operator sees it and deletes it by hand
    expect(after.k2.keyId).to.equal(before.k2.keyId);
  });

  it('a deletion that fails once (a 503 from the exchange) succeeds on the next try', async () => {
    await admin(url, 'POST', '/__sandbox/faults', {
      path: '/sapi/v1/sub-account/subAccountApi',
      method: 'DELETE',
      kind: 'error',
      status: 503,
    });
    const before = await currents();
    const r = await cli(['revoke', 'k2', 'k3', '--reason', 'leak', '--yes', '--json']);
    expect(r.exitCode, r.out).to.equal(0);
    const report = JSON.parse(r.stdout) as { deaths: Array<{ attempts: number }> };
    expect(report.deaths.map((d) => d.attempts).sort()).to.deep.equal([1, 2]);
    expect(await refused(before.k2)).to.equal(true);
    expect(await refused(before.k3)).to.equal(true);
  });

  it("scan finds the master's management key (an issuer's admin credential) and --revoke says it must be deleted by hand", async () => {
    await writeFile(path.join(dir, 'notes.txt'), `todo\nmaster key ${management.secret}\n`);
    const before = await currents();
    const r = await cli(['scan', 'notes.txt', '--revoke', '--yes']);
    expect(r.exitCode, r.out).to.equal(1);
    expect(r.stdout).to.include('notes.txt:2: issuer exchange managementKey (secret, CURRENT, as written)');
    expect(r.stdout).to.include('issuer exchange managementKey: no API revokes it: delete it by hand');
    expect(r.out).to.not.include(management.secret!.slice(20, 32));
    expect((await currents()).k2.keyId).to.equal(before.k2.keyId);
  });

  it('asks on a terminal: without one and without --yes nothing is deleted (exit 2); a usage error names the selection options', async () => {
    const before = await currents();
    const r = await cli(['revoke', '--all', '--reason', 'leak']);
    expect(r.exitCode).to.equal(2);
    for (const id of KEYS) expect(await works(before[id]!)).to.equal(true);
    const bare = await cli(['revoke', '--reason', 'leak', '--yes']);
    expect(bare.exitCode).to.equal(2);
    expect(bare.stderr).to.include('--all, --issuer NAME, --tag TAG or --holder PERSON');
    expect(bare.stderr).to.not.match(/\n\s+at /);
  });
});

/**
 * keyturn's CLI against the exchange sandbox: the built binary rotates, revokes and refuses
 * through the sandbox's real HTTP API, and the end state is read back from the sandbox and
 * the store, with old keys tried on the wire.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { openStore } from '../../src/stores/registry.js';
import type { SecretStore } from '../../src/stores/types.js';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { admin, sandboxWithAccounts, signed, SUB, type WireKey, exchangeConfigHead } from './wire.js';

const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');

function yaml(url: string, extra = ''): string {
  return `${exchangeConfigHead(url)}people:
  alice: { name: Alice, teams: [trading] }
teams:
  trading: { members: [alice] }
keys:
  - id: grid-bot
    purpose: grid bot trading BTCUSDT
    issuer: exchange
    path: trading/grid-bot
    period: 30d
    tier: high-frequency
    holders: [team:trading]
    spec: { email: ${SUB} }
    restrictions: { permissions: [reading, spot], ipWhitelist: [127.0.0.1], account: sub }
${extra}`;
}

describe('binance issuer through the CLI', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let url: string;
  let management: WireKey;
  let dir: string;
  let env: Record<string, string>;

  const cli = async (...args: string[]) => {
    const r = await execa('node', [CLI, ...args], { cwd: dir, env, reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode ?? -1, out: `${String(r.stdout)}\n${String(r.stderr)}` };
  };
  const store = (): Promise<SecretStore> =>
    openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
  const ref = { store: 'local', path: 'trading/grid-bot', key: 'grid-bot' };
  const subKeys = async (): Promise<Array<{ apiName: string; apiKey: string }>> =>
    admin(url, 'GET', `/__sandbox/keys?account=${encodeURIComponent(SUB)}`);

  beforeEach(async () => {
    ({ sandbox, url, management } = await sandboxWithAccounts());
    dir = await tempDir('keyturn-binance-');
    env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'test-operator' };
    await writeFile(path.join(dir, 'rotation.yaml'), yaml(url));
    // the management key goes into the store, never into rotation.yaml
    const s = await store();
    await s.stage({ store: 'local', path: 'exchange/management', key: 'management' }, 'bootstrap', {
      keyId: 'management',
      material: { apiKey: management.apiKey, secret: management.secret! },
    });
    await s.promote({ store: 'local', path: 'exchange/management', key: 'management' }, 'bootstrap');
    await s.close();
  });
  afterEach(async () => {
    await sandbox.close();
    await removeTempDir(dir);
  });

  it('rotates: a key bound to the IP whitelist with exactly the declared permissions, named with the rotation id; the old key is refused afterwards', async () => {
    const first = await cli('rotate', 'grid-bot', '--yes');
    expect(first.exitCode, first.out).to.equal(0);
    const s = await store();
    const v1 = (await s.current(ref))!;
    await s.close();
    expect(v1.keyId).to.match(/^bn:.{8}….{4}$/);
    const live = (await subKeys()).filter((k) => k.apiName.startsWith('grid-bot-rot-'));
    expect(live).to.have.length(1);
    const restrictions = await signed(url, 'GET', '/sapi/v1/account/apiRestrictions', {
      apiKey: v1.material.apiKey!,
      secret: v1.material.secret,
    });
    expect(restrictions.body).to.include({
      ipRestrict: true,
      enableWithdrawals: false,
      enableSpotAndMarginTrading: true,
      enableFutures: false,
    });
    expect(first.out).to.not.include(v1.material.secret!);
    expect(first.out).to.not.include(v1.material.apiKey!);

    const second = await cli('rotate', 'grid-bot', '--yes');
    expect(second.exitCode, second.out).to.equal(0);
    const old = await signed(url, 'GET', '/api/v3/account', { apiKey: v1.material.apiKey!, secret: v1.material.secret });
    expect(old.body.code).to.equal(-2015);
    expect((await subKeys()).filter((k) => k.apiName.startsWith('grid-bot-rot-'))).to.have.length(1);
  });

  it('revoke: the old key is refused at once, a replacement works; offboarding a holder rotates the key', async () => {
    expect((await cli('rotate', 'grid-bot', '--yes')).exitCode).to.equal(0);
    const s = await store();
    const before = (await s.current(ref))!;
    await s.close();
    const revoked = await cli('revoke', 'grid-bot', '--reason', 'leaked in a screenshot', '--yes');
    expect(revoked.exitCode, revoked.out).to.equal(0);
    expect(
      (await signed(url, 'GET', '/api/v3/account', { apiKey: before.material.apiKey!, secret: before.material.secret })).body.code,
    ).to.equal(-2015);
    const s2 = await store();
    const after = (await s2.current(ref))!;
    await s2.close();
    expect(
      (await signed(url, 'GET', '/api/v3/account', { apiKey: after.material.apiKey!, secret: after.material.secret })).status,
    ).to.equal(200);

    const off = await cli('offboard', 'alice', '--yes');
    expect(off.exitCode, off.out).to.equal(0);
    expect(
      (await signed(url, 'GET', '/api/v3/account', { apiKey: after.material.apiKey!, secret: after.material.secret })).body.code,
    ).to.equal(-2015);
  });

  it('refuses a key declared with withdrawals, and creates nothing', async () => {
    await writeFile(
      path.join(dir, 'rotation.yaml'),
      yaml(url).replace('permissions: [reading, spot]', 'permissions: [reading, spot, withdrawals]'),
    );
    const r = await cli('rotate', 'grid-bot', '--yes');
    expect(r.exitCode).to.not.equal(0);
    expect(r.out).to.match(/withdrawals/);
    expect(await subKeys()).to.have.length(0);
  });

  it('a 5xx on create is an unknown outcome: the key it made is found by apiName and deleted, then created once more', async () => {
    await admin(url, 'POST', '/__sandbox/faults', {
      path: '/sapi/v1/sub-account/subAccountApi',
      method: 'POST',
      kind: 'after-error',
      status: 502,
    });
    const r = await cli('rotate', 'grid-bot', '--yes');
    expect(r.exitCode, r.out).to.equal(0);
    expect(await subKeys()).to.have.length(1);
  });

  it('a crash after create leaves an orphan that the next run deletes by its rotation id', async () => {
    expect((await cli('rotate', 'grid-bot', '--yes')).exitCode).to.equal(0);
    await execa('node', [CLI, 'rotate', 'grid-bot', '--yes'], {
      cwd: dir,
      env: { ...env, KEYTURN_FAILPOINTS: 'create:after=kill' },
      reject: false,
      stdin: 'ignore',
    });
    expect((await subKeys()).length).to.equal(2);
    const resumed = await cli('rotate', 'grid-bot', '--yes');
    expect(resumed.exitCode, resumed.out).to.equal(0);
    const keys = await subKeys();
    expect(keys).to.have.length(1);
    const s = await store();
    const current = (await s.current(ref))!;
    await s.close();
    expect(keys[0]!.apiKey).to.equal(current.material.apiKey);
  });

  it('clock skew: -1021 resyncs with /api/v3/time and retries once', async () => {
    await admin(url, 'POST', '/__sandbox/clock', { offsetMs: 30_000 });
    const r = await cli('rotate', 'grid-bot', '--yes');
    expect(r.exitCode, r.out).to.equal(0);
    expect(r.out).to.include('clock resynced');
  });
});

describe('keyturn audit against the sandbox', function () {
  this.timeout(60_000);
  it("finds a key created behind keyturn's back, a permission changed behind its back, and withdrawals turned on", async () => {
    const { sandbox, url, management } = await sandboxWithAccounts();
    const dir = await tempDir('keyturn-audit-');
    const env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'test-operator' };
    const run = async (...args: string[]) => {
      const r = await execa('node', [CLI, ...args], { cwd: dir, env, reject: false, stdin: 'ignore' });
      return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), out: `${String(r.stdout)}\n${String(r.stderr)}` };
    };
    try {
      await writeFile(path.join(dir, 'rotation.yaml'), yaml(url));
      const s = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
      const mref = { store: 'local', path: 'exchange/management', key: 'management' };
      await s.stage(mref, 'bootstrap', { keyId: 'management', material: { apiKey: management.apiKey, secret: management.secret! } });
      await s.promote(mref, 'bootstrap');
      await s.close();
      expect((await run('rotate', 'grid-bot', '--yes')).exitCode).to.equal(0);
      const clean = await run('audit');
      expect(clean.exitCode, clean.out).to.equal(0);

      await signed(
        url,
        'POST',
        '/sapi/v1/sub-account/subAccountApi',
        management,
        `email=${encodeURIComponent(SUB)}&apiName=someone-else&status=1`,
      );
      const keys: Array<{ apiName: string; apiKey: string }> = await admin(
        url,
        'GET',
        `/__sandbox/keys?account=${encodeURIComponent(SUB)}`,
      );
      const ours = keys.find((k) => k.apiName.startsWith('grid-bot-'))!;
      await signed(
        url,
        'POST',
        '/sapi/v1/sub-account/subAccountApiPermission',
        management,
        `email=${encodeURIComponent(SUB)}&subAccountApiKey=${ours.apiKey}&canFuturesTrade=true`,
      );
      await admin(url, 'POST', '/__sandbox/web-ui/edit', { apiKey: ours.apiKey, patch: { enableWithdrawals: true } });

      const audit = await run('audit', '--json');
      expect(audit.exitCode, audit.out).to.equal(1);
      const rules = (JSON.parse(audit.stdout) as { findings: Array<{ rule: string; severity: string; message: string }> }).findings.filter(
        (f) => f.severity === 'error',
      );
      expect(rules.map((f) => f.rule)).to.include.members(['unknown-key', 'permission-drift', 'withdrawals-enabled']);
      expect(rules.find((f) => f.rule === 'unknown-key')!.message).to.include('someone-else');
      expect(audit.out).to.not.include(ours.apiKey);
    } finally {
      await sandbox.close();
      await removeTempDir(dir);
    }
  });
});

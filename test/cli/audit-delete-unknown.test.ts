/**
 * `keyturn audit --delete-unknown` through the built CLI against the exchange sandbox: a key
 * created behind keyturn's back on a managed sub-account is shown, asked about (no terminal
 * and no --yes: nothing deleted), deleted with --yes and recorded in history as "unknown key";
 * the managed key stays; plain audit only reports.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { openStore } from '../../src/stores/registry.js';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { admin, sandboxWithAccounts, signed, SUB, type WireKey } from '../binance/wire.js';

const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');

describe('keyturn audit --delete-unknown (sandbox)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let url: string;
  let management: WireKey;
  let dir: string;
  let env: Record<string, string>;
  const run = async (...args: string[]) => {
    const r = await execa('node', [CLI, ...args], { cwd: dir, env, reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), out: `${String(r.stdout)}\n${String(r.stderr)}` };
  };
  const subKeys = async (): Promise<Array<{ apiName: string; apiKey: string }>> =>
    admin(url, 'GET', `/__sandbox/keys?account=${encodeURIComponent(SUB)}`);

  beforeEach(async () => {
    ({ sandbox, url, management } = await sandboxWithAccounts());
    dir = await tempDir('keyturn-audit-unknown-');
    env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'test-operator' };
    await writeFile(
      path.join(dir, 'rotation.yaml'),
      `version: 1
defaults: { store: local, leaseTtl: 2m }
stores:
  local: { type: file, path: store.enc }
issuers:
  exchange: { type: binance, baseUrl: ${url}, managementKey: { store: local, path: exchange/management } }
people:
  alice: { name: Alice }
keys:
  - id: grid-bot
    purpose: grid bot trading BTCUSDT
    issuer: exchange
    path: trading/grid-bot
    period: 30d
    tier: high-frequency
    holders: [alice]
    spec: { email: ${SUB} }
    restrictions: { permissions: [reading, spot], ipWhitelist: [127.0.0.1], account: sub }
`,
    );
    const s = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
    const mref = { store: 'local', path: 'exchange/management', key: 'management' };
    await s.stage(mref, 'bootstrap', { keyId: 'management', material: { apiKey: management.apiKey, secret: management.secret! } });
    await s.promote(mref, 'bootstrap');
    await s.close();
    expect((await run('rotate', 'grid-bot', '--yes')).exitCode).to.equal(0);
  });
  afterEach(async () => {
    await sandbox.close();
    await removeTempDir(dir);
  });

  it("deletes a key created behind keyturn's back, records it as 'unknown key', keeps the managed one", async () => {
    const created = await signed(
      url,
      'POST',
      '/sapi/v1/sub-account/subAccountApi',
      management,
      `email=${encodeURIComponent(SUB)}&apiName=someone-else&status=1`,
    );
    const stranger = { apiKey: String(created.body.apiKey), secret: String(created.body.secretKey) };
    expect(await subKeys()).to.have.length(2);

    const report = await run('audit');
    expect(report.exitCode).to.equal(1);
    expect(report.out).to.include('someone-else');
    expect(await subKeys()).to.have.length(2);

    const noTty = await run('audit', '--delete-unknown');
    expect(noTty.exitCode, noTty.out).to.equal(2);
    expect(await subKeys()).to.have.length(2);

    const deleted = await run('audit', '--delete-unknown', '--yes', '--json');
    expect(deleted.exitCode, deleted.out).to.equal(0);
    const body = JSON.parse(deleted.stdout) as { deleted: Array<Record<string, unknown>>; findings: Array<{ rule: string }> };
    expect(body.deleted).to.have.length(1);
    expect(body.deleted[0]).to.include({ name: 'someone-else', deleted: true, proven: true, recordedIn: 'grid-bot' });
    expect(body.findings.map((f) => f.rule)).to.not.include('unknown-key');
    const left = await subKeys();
    expect(left.map((k) => k.apiName)).to.have.length(1);
    expect(left[0]!.apiName).to.match(/^grid-bot-/);
    expect((await signed(url, 'GET', '/api/v3/account', stranger)).body.code).to.equal(-2015);
    expect(deleted.out).to.not.include(stranger.apiKey);
    expect(deleted.out).to.not.include(stranger.secret);

    const history = await run('history', 'grid-bot', '--json');
    expect(history.stdout).to.include('unknown key');

    const again = await run('audit', '--delete-unknown', '--yes');
    expect(again.exitCode, again.out).to.equal(0);
  });
});

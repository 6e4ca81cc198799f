/**
 * keyturn adopt against the exchange sandbox through the built CLI: a sub-account key made by
 * hand before keyturn, stored under a name of the store's own (`legacy`), is adopted with the
 * exchange's createTime as its date and renamed in the store to the id the issuer gives it (same
 * value), so the `rotate --due` that follows once its period has passed deletes exactly that
 * key at the exchange. --rotated-at overrides the exchange's date.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { Sandbox } from '../../scripts/sandbox/server.js';
import { openStore } from '../../src/stores/registry.js';
import type { SecretStore } from '../../src/stores/types.js';
import { admin, createSubKey, sandboxWithAccounts, SUB, type WireKey, exchangeConfigHead } from '../binance/wire.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';

const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');
const DAY = 86_400_000;

const yaml = (url: string) => `${exchangeConfigHead(url)}people:
  alice: { name: Alice }
keys:
  - id: grid-bot
    purpose: grid bot trading BTCUSDT
    issuer: exchange
    path: trading/grid-bot
    period: 30d
    holders: [alice]
    spec: { email: ${SUB} }
    restrictions: { permissions: [reading, spot], ipWhitelist: [127.0.0.1], account: sub }
`;

describe('keyturn adopt with the binance issuer (exchange sandbox)', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let url: string;
  let management: WireKey;
  let dir: string;
  let env: Record<string, string>;
  const ref = { store: 'local', path: 'trading/grid-bot', key: 'grid-bot' };
  // keyturn's clock 40 days (and an hour, so the key made in beforeEach is 40 whole days old) on; the exchange's stays real
  const later = new Date(Date.now() + 40 * DAY + 3_600_000).toISOString();

  const cli = async (...args: string[]) => {
    const r = await execa('node', [CLI, ...args], { cwd: dir, env: { ...env, KEYTURN_NOW: later }, reject: false, stdin: 'ignore' });
    return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), out: `${String(r.stdout)}\n${String(r.stderr)}` };
  };
  const withStore = async <T>(work: (s: SecretStore) => Promise<T>): Promise<T> => {
    const s = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
    try {
      return await work(s);
    } finally {
      await s.close();
    }
  };
  const subKeys = async (): Promise<Array<{ apiName: string; apiKey: string; createTime: number }>> =>
    admin(url, 'GET', `/__sandbox/keys?account=${encodeURIComponent(SUB)}`);

  /** The key an operator made in the web UI long before keyturn, in the store under the store's own name. */
  let byHand: { apiKey: string; secret: string };

  beforeEach(async () => {
    ({ sandbox, url, management } = await sandboxWithAccounts());
    dir = await tempDir('keyturn-adopt-binance-');
    env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex'), KEYTURN_ACTOR: 'test-operator' };
    await writeFile(path.join(dir, 'rotation.yaml'), yaml(url));
    const made = await createSubKey(
      url,
      management,
      `email=${encodeURIComponent(SUB)}&apiName=by-hand&status=2&ipAddress=127.0.0.1&canTrade=true`,
    );
    byHand = { apiKey: String(made.body.apiKey), secret: String(made.body.secretKey) };
    await withStore(async (s) => {
      const mgmt = { store: 'local', path: 'exchange/management', key: 'management' };
      await s.stage(mgmt, 'bootstrap', { keyId: 'management', material: { apiKey: management.apiKey, secret: management.secret! } });
      await s.promote(mgmt, 'bootstrap');
      await s.stage(ref, 'legacy', { keyId: 'legacy', material: byHand });
      await s.promote(ref, 'legacy');
    });
  });
  afterEach(async () => {
    await sandbox.close();
    await removeTempDir(dir);
  });

  it("takes the exchange's createTime, names the version as the issuer does, and the next due rotation deletes that key", async () => {
    const createTime = (await subKeys()).find((k) => k.apiKey === byHand.apiKey)!.createTime;
    const keyId = `bn:${byHand.apiKey.slice(0, 8)}…${byHand.apiKey.slice(-4)}`;
    const adopted = await cli('adopt', 'grid-bot');
    expect(adopted.exitCode, adopted.out).to.equal(0);
    expect(adopted.stdout).to.match(
      /grid-bot\s+adopted\s+bn:\S+\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+40 days\s+issuer\s+store version legacy named bn:/,
    );
    expect(adopted.out).to.not.include(byHand.secret);
    expect(adopted.out).to.not.include(byHand.apiKey);

    const { record, current, history } = await withStore(async (s) => ({
      record: await s.rotation(ref),
      current: await s.current(ref),
      history: await s.history(ref),
    }));
    expect(record).to.include({ lastRotatedAt: new Date(createTime).toISOString(), currentKeyId: keyId });
    expect(record.adopted?.source).to.equal('issuer');
    expect(current!.keyId).to.equal(keyId);
    expect(current!.material, 'the same credential, only named as the issuer names it').to.deep.equal(byHand);
    expect(history.map((h) => `${h.trigger}/${h.outcome}/${h.newKeyId}`)).to.deep.equal([`adopt/adopted/${keyId}`]);

    expect((await cli('status')).stdout).to.match(/grid-bot .*adopted \S+ \S+, age 40 days/);

    const rotated = await cli('rotate', '--due', '--yes');
    expect(rotated.exitCode, rotated.out).to.equal(0);
    const live = (await subKeys()).map((k) => k.apiKey);
    expect(live, 'the adopted key was deleted at the exchange').to.not.include(byHand.apiKey);
    expect(live).to.have.length(1);
  });

  it("--rotated-at overrides the exchange's date", async () => {
    const adopted = await cli('adopt', 'grid-bot', '--rotated-at', '2026-01-15');
    expect(adopted.exitCode, adopted.out).to.equal(0);
    const record = await withStore((s) => s.rotation(ref));
    expect(record.lastRotatedAt).to.equal('2026-01-15T00:00:00.000Z');
    expect(record.adopted?.source).to.equal('operator');
  });
});

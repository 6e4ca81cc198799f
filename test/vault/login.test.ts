/**
 * How keyturn logs in to Vault when it runs from a Kubernetes CronJob or CI rather than with a
 * root token, on the stand-in (whose Kubernetes and JWT methods follow the plugins' login code,
 * see conformance.test.ts): each method opens the store and rotates end to end; the token is
 * renewed while Vault extends it, and a new login replaces it when it cannot be renewed, runs out
 * mid-rotation or is revoked; bad credentials and bad options are refused without a secret in sight.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { loadConfig } from '../../src/config/load.js';
import { expectSettled } from '../support/invariants.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { LOGIN_METHODS, login } from './login-setup.js';
import { openVault, standIn } from './support.js';
import { consumerClient, vaultWorkspace } from './workspace.js';

const ref = { store: 'vault', path: 'app/login-test', key: 'login-test' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('vault store: logging in (kubernetes, jwt, approle) and keeping the session', function () {
  this.timeout(90_000);
  let vault: VaultStandIn;
  let dir: string;
  beforeEach(async () => {
    vault = await standIn();
    dir = await tempDir('keyturn-vault-login-');
  });
  afterEach(async () => {
    await vault.close();
    await removeTempDir(dir);
  });

  for (const method of LOGIN_METHODS) {
    it(`${method}: keyturn rotate end to end, logged in that way`, async () => {
      const ws = await vaultWorkspace(vault, { keys: 1 }, method);
      try {
        for (let round = 0; round < 2; round += 1) {
          const result = await ws.run(['rotate', '--all', '--yes']);
          expect(result.exitCode, result.stderr).to.equal(0);
        }
        const settled = await expectSettled(ws, 'key-1');
        expect(settled.currentKeyId).to.be.a('string');
        expect(await consumerClient(vault).staged('key-1'), 'no staged material left in Vault').to.equal(false);
        if (method !== 'token') expect(vault.tokens.logins[method], 'one login per run').to.equal(3);
      } finally {
        await ws.cleanup();
      }
    });
  }

  it("kubernetes: the store's token carries the role's policy only, not root", async () => {
    const creds = await login(vault, 'kubernetes', dir);
    const store = await openVault(creds.env, creds.options);
    try {
      await store.record(ref, { currentKeyId: 'kid-k8s' });
      expect(vault.tokens.logins.kubernetes).to.equal(1);
      // the token it got may not write outside keyturn's paths on the mount
      const denied = await rejection(store.client.writeData('other/data/x', { a: '1' }), 'EVAULTDENIED');
      expect(denied.message).to.include('other/data/x');
    } finally {
      await store.close();
    }
  });

  it('renews while Vault extends the token, logs in again once renewals are capped by the max TTL', async () => {
    const creds = await login(vault, 'jwt', dir, { ttl: 2, maxTtl: 3 });
    const store = await openVault(creds.env, creds.options);
    try {
      await sleep(4500);
      await store.record(ref, { currentKeyId: 'kid-long-run' });
      expect(vault.tokens.renewals, 'renewed first').to.be.greaterThan(0);
      expect(vault.tokens.logins.jwt, 'then logged in again').to.be.at.least(2);
      expect(store.client.stats.logins).to.equal(vault.tokens.logins.jwt);
    } finally {
      await store.close();
    }
  });

  it('a rotation that outlives its token completes: the expired token is replaced by a new login mid-rotation', async () => {
    // 1-second tokens Vault will not renew past 1 s, and 120 ms per request: a rotation takes ~2 s
    const ws = await vaultWorkspace(vault, { keys: 1 }, 'kubernetes', { ttl: 1, maxTtl: 1 });
    try {
      const first = await ws.run(['rotate', '--all', '--yes']);
      expect(first.exitCode, first.stderr).to.equal(0);
      const before = await expectSettled(ws, 'key-1');
      vault.faults.set({ latencyMs: 120 });
      const logins = vault.tokens.logins.kubernetes ?? 0;
      const started = Date.now();
      const result = await ws.run(['rotate', 'key-1', '--yes']);
      const took = Date.now() - started;
      vault.faults.set({});
      expect(result.exitCode, result.stderr).to.equal(0);
      expect(took, 'the rotation outlived a token').to.be.greaterThan(1500);
      expect((vault.tokens.logins.kubernetes ?? 0) - logins, 'logged in again during the run').to.be.at.least(2);
      const after = await expectSettled(ws, 'key-1');
      expect(after.currentKeyId).to.not.equal(before.currentKeyId);
    } finally {
      await ws.cleanup();
    }
  });

  it('a token revoked mid-run ("invalid token") is replaced by a new login and the request sent again', async () => {
    const creds = await login(vault, 'approle', dir);
    const store = await openVault(creds.env, creds.options);
    try {
      await store.record(ref, { currentKeyId: 'kid-1' });
      const lookup = await store.client.lookupSelf();
      expect(lookup.ttl).to.be.greaterThan(0);
      for (const token of Object.keys(vault.tokens.snapshot().tokens)) if (token !== vault.rootToken) vault.tokens.revoke(token);
      await store.record(ref, { currentKeyId: 'kid-2' });
      expect((await store.rotation(ref)).currentKeyId).to.equal('kid-2');
      expect(vault.tokens.logins.approle).to.equal(2);
    } finally {
      await store.close();
    }
  });

  it('a fixed token (VAULT_TOKEN) that Vault refuses is an error naming the path, not a silent retry', async () => {
    vault.tokens.add('hvs.short', { ttl: 1, renewable: false });
    const store = await openVault({ VAULT_ADDR: vault.url, VAULT_TOKEN: 'hvs.short' });
    try {
      await sleep(1200);
      const error = await rejection(store.record(ref, { currentKeyId: 'x' }), 'EVAULTDENIED');
      expect(error.message).to.match(/refused the token on secret\/data\/keyturn\/app\/login-test\/state: it is invalid or expired/);
      expect(error.message).to.not.include('hvs.short');
    } finally {
      await store.close();
    }
  });

  it("a service account the role does not bind is refused with Vault's reason; the JWT appears nowhere", async () => {
    const creds = await login(vault, 'kubernetes', dir);
    vault.tokens.addKubernetesRole('kubernetes', {
      name: 'other',
      boundServiceAccountNames: ['someone-else'],
      boundServiceAccountNamespaces: ['ops'],
      policies: ['keyturn'],
    });
    const options = { kubernetes: { ...(creds.options.kubernetes as object), role: 'other' } };
    const error = await rejection(openVault(creds.env, options), 'EVAULTDENIED');
    expect(error.message).to.equal('Vault refused the login at auth/kubernetes/login: service account name not authorized');
    const jwt = (await import('node:fs')).readFileSync((creds.options.kubernetes as { tokenFile: string }).tokenFile, 'utf8');
    expect(JSON.stringify({ message: error.message, details: error.details })).to.not.include(jwt.slice(-20));
  });

  it('a missing service-account token file is named, with no content and no stack', async () => {
    const creds = await login(vault, 'kubernetes', dir);
    const options = { kubernetes: { role: 'keyturn', tokenFile: path.join(dir, 'nope') } };
    const error = await rejection(openVault(creds.env, options), 'ECONFIG');
    expect(error.message).to.equal(`store vault: cannot read the Kubernetes service-account token file ${path.join(dir, 'nope')} (ENOENT)`);
  });

  it('an empty JWT environment variable is named (the variable, never a value)', async () => {
    const creds = await login(vault, 'jwt', dir);
    const error = await rejection(openVault({ VAULT_ADDR: vault.url, CI_ID_TOKEN: '' }, creds.options), 'ECONFIG');
    expect(error.message).to.equal('store vault: the environment variable CI_ID_TOKEN (jwt.tokenEnv) holds no JWT');
  });

  it('rotation.yaml: two ways to log in, a jwt block without its source, a JWT value where a variable name goes', async () => {
    const file = path.join(dir, 'rotation.yaml');
    await writeFile(
      file,
      [
        'version: 1',
        'stores:',
        '  a: { type: vault, kubernetes: { role: r }, jwt: { role: r, tokenEnv: CI_TOKEN } }',
        '  b: { type: vault, jwt: { role: r } }',
        '  c: { type: vault, jwt: { role: r, tokenEnv: "eyJhbGciOiJFUzI1NiJ9.e30.sig" } }',
        '  d: { type: vault, kubernetes: { mount: k8s } }',
        'keys: []',
        '',
      ].join('\n'),
    );
    const error = await rejection(loadConfig(file, { env: {} }));
    const text = String((error as Error).message) + JSON.stringify((error as { details?: unknown }).details ?? {});
    expect(text).to.include('stores.a.jwt');
    expect(text).to.include('is a second way to log in (kubernetes, jwt): keep one');
    expect(text).to.include('stores.b.jwt');
    expect(text).to.include('needs exactly one of tokenFile and tokenEnv');
    expect(text).to.include('stores.c.jwt.tokenEnv');
    expect(text).to.include('stores.d.kubernetes.role');
  });
});

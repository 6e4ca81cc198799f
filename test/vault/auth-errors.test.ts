/**
 * How the Vault store authenticates (token, token file, AppRole, renewal, namespace) and what
 * it tells the operator when Vault says no: the path and capability of a 403, sealed, a KV v1
 * mount, a CAS conflict, bounded retries. Checked on the stand-in's own surfaces.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import type { VaultStandIn } from '../../scripts/vault/server.js';
import { VaultClient } from '../../src/stores/vault/client.js';
import { rejection } from '../support/expect-rejection.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { rawRequest } from './raw-http.js';
import { keyturnPolicy, openVault, standIn } from './support.js';

const ref = { store: 'vault', path: 'app/auth-test', key: 'auth-test' };

describe('vault store: auth and operator errors', function () {
  let vault: VaultStandIn;
  let env: Record<string, string>;
  beforeEach(async () => {
    vault = await standIn();
    env = { VAULT_ADDR: vault.url };
  });
  afterEach(async () => vault.close());

  it('reads the token from a token file', async () => {
    const dir = await tempDir('keyturn-vault-');
    try {
      await writeFile(path.join(dir, 'token'), `${vault.rootToken}\n`);
      const store = await openVault(env, { tokenFile: path.join(dir, 'token') });
      await store.record(ref, { currentKeyId: 'kid-1' });
      expect((await store.rotation(ref)).currentKeyId).to.equal('kid-1');
      await store.close();
    } finally {
      await removeTempDir(dir);
    }
  });

  it("logs in with AppRole from the environment; a wrong secret id is refused with Vault's message and without the secret", async () => {
    vault.tokens.addPolicy('keyturn', keyturnPolicy());
    vault.tokens.addRole({ name: 'keyturn', roleId: 'keyturn-role', secretId: 'sid-correct-horse', policies: ['keyturn'], ttl: 600 });
    const store = await openVault({ ...env, VAULT_ROLE_ID: 'keyturn-role', VAULT_SECRET_ID: 'sid-correct-horse' });
    await store.record(ref, { currentKeyId: 'kid-2' });
    await store.close();
    const error = await rejection(openVault({ ...env, VAULT_ROLE_ID: 'keyturn-role', VAULT_SECRET_ID: 'sid-wrong-battery' }), 'EVAULT');
    expect(error.message).to.include('invalid role or secret ID');
    expect(error.message).to.not.include('sid-wrong-battery');
  });

  it('renews an expiring token in the background during a long run', async () => {
    vault.tokens.add('short-lived', { ttl: 2, renewable: true });
    const store = await openVault({ ...env, VAULT_TOKEN: 'short-lived' });
    await new Promise((r) => setTimeout(r, 3500));
    // without renewal the token would have expired after 2s
    await store.record(ref, { currentKeyId: 'kid-3' });
    expect(vault.tokens.renewals).to.be.greaterThan(0);
    await store.close();
  });

  it('sends the namespace (Vault Enterprise): documents land in it and nowhere else', async () => {
    const ent = await standIn({ namespaces: ['team-a'] });
    try {
      const store = await openVault({ VAULT_ADDR: ent.url, VAULT_TOKEN: ent.rootToken, VAULT_NAMESPACE: 'team-a' });
      await store.record(ref, { currentKeyId: 'kid-ns' });
      await store.close();
      const inside = await rawRequest(ent.url, 'GET', '/v1/secret/data/keyturn/app/auth-test/state', {
        token: ent.rootToken,
        headers: { 'X-Vault-Namespace': 'team-a' },
      });
      expect(inside.status).to.equal(200);
      const root = await rawRequest(ent.url, 'GET', '/v1/secret/data/keyturn/app/auth-test/state', { token: ent.rootToken });
      expect(root.status).to.equal(404);
      // a namespace that does not exist is refused at open, not written around
      await rejection(openVault({ VAULT_ADDR: ent.url, VAULT_TOKEN: ent.rootToken, VAULT_NAMESPACE: 'team-b' }));
    } finally {
      await ent.close();
    }
  });

  it('refuses a KV v1 mount with a clear message', async () => {
    const error = await rejection(openVault({ ...env, VAULT_TOKEN: vault.rootToken }, { mount: 'kv1' }), 'ECONFIG');
    expect(error.message).to.include('KV version 1');
    expect(error.details.hint).to.include('enable-versioning');
  });

  it('says Vault is sealed', async () => {
    vault.faults.set({ sealed: true });
    const error = await rejection(openVault({ ...env, VAULT_TOKEN: vault.rootToken }), 'EVAULTSEALED');
    expect(error.message).to.include('sealed');
  });

  it('a 403 names the path and the missing capability, never the token', async () => {
    vault.tokens.add('s.read-only-token', {
      rules: [
        { path: 'secret/*', capabilities: ['read', 'list'] },
        { path: 'sys/*', capabilities: ['read'] },
      ],
    });
    const store = await openVault({ ...env, VAULT_TOKEN: 's.read-only-token' });
    const error = await rejection(store.record(ref, { currentKeyId: 'x' }), 'EVAULTDENIED');
    expect(error.message).to.include('secret/data/keyturn/app/auth-test/state');
    expect(error.message).to.include('create or update');
    expect(error.message).to.not.include('s.read-only-token');
    await store.close();
  });

  it('a CAS conflict on the secret says another rotation is in flight', async () => {
    const store = await openVault({ ...env, VAULT_TOKEN: vault.rootToken });
    await store.stage(ref, 'r1', { keyId: 'k1', material: { secret: 's1' } });
    // someone writes the secret between keyturn's read and its check-and-set write
    const write = store.client.writeData.bind(store.client);
    let once = true;
    store.client.writeData = async (p, data, cas) => {
      if (once && p === 'secret/data/app/auth-test') {
        once = false;
        await rawRequest(vault.url, 'POST', '/v1/secret/data/app/auth-test', {
          token: vault.rootToken,
          body: { data: { secret: 'by-hand' } },
        });
      }
      return write(p, data, cas);
    };
    const error = await rejection(store.promote(ref, 'r1'), 'EVAULTCAS');
    expect(error.message).to.include('another rotation is in flight on secret/data/app/auth-test');
    // the version written by hand is CURRENT, not mistaken for rotation r1; r1 still waits as PENDING
    expect((await store.current(ref))?.material).to.deep.equal({ secret: 'by-hand' });
    expect((await store.current(ref))?.rotationId).to.not.equal('r1');
    expect((await store.pending(ref))?.rotationId).to.equal('r1');
    await store.close();
  });

  it('retries a 503 a bounded number of times with growing backoff, then says so', async () => {
    vault.faults.set({ failRate: 1, status: 503 });
    const waits: number[] = [];
    const client = new VaultClient({
      endpoint: vault.url,
      token: vault.rootToken,
      attempts: 4,
      backoffMs: 20,
      sleep: async (ms) => void waits.push(ms),
    });
    const before = vault.stats.requests;
    const error = await rejection(client.readData('secret/data/x'), 'EVAULTSEALED');
    expect(vault.stats.requests - before).to.equal(4);
    expect(error.message).to.include('after 4 attempts');
    expect(waits).to.have.length(3);
    expect(waits[2]!).to.be.greaterThan(waits[0]!);
    vault.faults.set({ failNth: [1, 2] });
    expect((await client.readData('secret/data/x')).state).to.equal('missing');
  });

  it('does not retry what cannot succeed (403, 400)', async () => {
    const client = new VaultClient({ endpoint: vault.url, token: 'bad-token', attempts: 5, sleep: async () => {} });
    const before = vault.stats.requests;
    await rejection(client.readData('secret/data/x'), 'EVAULTDENIED');
    expect(vault.stats.requests - before).to.equal(1);
  });

  it('says it cannot reach Vault when nothing listens', async () => {
    const client = new VaultClient({ endpoint: 'http://127.0.0.1:1', token: 't', attempts: 2, sleep: async () => {} });
    const error = await rejection(client.readData('secret/data/x'), 'EVAULT');
    expect(error.message).to.include('cannot reach Vault at http://127.0.0.1:1');
  });
});

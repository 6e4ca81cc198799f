/**
 * The postgres issuer over TLS, against a server with a certificate from a throwaway CA:
 * verify-full with caFile rotates and verifies; verify-full without the CA, and verify-full
 * to an address the certificate does not name, are refused before anything changes; verify-ca
 * accepts that address (the chain checks out) and require does not check at all, as libpq means them.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadIssuer } from '../../../src/issuers/registry.js';
import { openStore } from '../../../src/stores/registry.js';
import type { SecretStore } from '../../../src/stores/types.js';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf } from '../support.js';

const ADMIN_PASSWORD = `adm-${randomBytes(12).toString('hex')}`;

describe('postgres issuer over TLS (sslmode, caFile)', function () {
  this.timeout(60_000);
  let cluster: PgCluster;
  let dir: string;
  let store: SecretStore;

  before(async () => {
    cluster = await startCluster({ tls: true });
    await setUpRoles(cluster, { adminPassword: ADMIN_PASSWORD });
    dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-pg-tls-'));
    store = await openStore(
      { name: 'local', type: 'file', options: { path: 'store.enc' } },
      { baseDir: dir, env: { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex') } },
    );
    const ref = { store: 'local', path: 'admin/postgres', key: 'admin' };
    await store.stage(ref, 'rot-20250101000000-00000000', {
      keyId: 'put:admin',
      material: { username: 'keyturn_admin', password: ADMIN_PASSWORD },
    });
    await store.promote(ref, 'rot-20250101000000-00000000');
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const issuerWith = (options: Record<string, unknown>) =>
    loadIssuer(
      issuerConfig('postgres', { port: cluster.port, database: 'appdb', admin: { store: 'local', path: 'admin/postgres' }, ...options }),
    );
  const context = () => {
    const t = makeContext({ rotationId: `rot-20250102030405-${randomBytes(4).toString('hex')}` });
    t.ctx.store = async () => store;
    t.ctx.cwd = dir;
    return t.ctx;
  };
  const target = (issuer: Record<string, unknown>) => ({
    key: keyConfig({ id: 'db', spec: { strategy: 'single', role: 'app_single' }, path: 'db/tls' }),
    issuer: issuerConfig('postgres', issuer),
  });

  it('verify-full with caFile: rotates, verifies, and the session is encrypted', async () => {
    const options = { host: '127.0.0.1', sslmode: 'verify-full', caFile: cluster.caFile };
    const issuer = await issuerWith(options);
    const issued = await issuer.create(target(options), context());
    await issuer.verify(issued, target(options), context());
    expect(issued.material.url).to.match(/\?sslmode=verify-full$/);
    const session = new pg.Client({
      host: '127.0.0.1',
      port: cluster.port,
      database: 'appdb',
      user: 'app_single',
      password: issued.material.password,
      ssl: { ca: await import('node:fs').then((fs) => fs.readFileSync(cluster.caFile!, 'utf8')) },
    });
    await session.connect();
    const ssl = await session.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(ssl.rows[0].ssl).to.equal(true);
    await session.end();
  });

  it('refuses an untrusted certificate (no caFile) and a name the certificate lacks; verify-ca and require accept what libpq would', async () => {
    const untrusted = await rejectionOf((await issuerWith({ host: '127.0.0.1', sslmode: 'verify-full' })).create(target({}), context()));
    expect(untrusted.code).to.equal('EISSUER');
    expect(untrusted.message).to.match(/connecting for reading the roles of db .*(self[- ]signed|certificate)/i);
    // 127.0.0.2 reaches the same server, but the certificate names 127.0.0.1 only
    const misnamed = await rejectionOf(
      (await issuerWith({ host: '127.0.0.2', sslmode: 'verify-full', caFile: cluster.caFile })).create(target({}), context()),
    );
    expect(misnamed.code).to.equal('EISSUER');
    expect(misnamed.message).to.match(/127\.0\.0\.2 is not in the cert's list|altnames/);
    const chainOnly = await issuerWith({ host: '127.0.0.2', sslmode: 'verify-ca', caFile: cluster.caFile });
    await chainOnly.verify(await chainOnly.create(target({}), context()), target({}), context());
    const encryptedOnly = await issuerWith({ host: '127.0.0.1', sslmode: 'require' });
    await encryptedOnly.verify(await encryptedOnly.create(target({}), context()), target({}), context());
  });
});

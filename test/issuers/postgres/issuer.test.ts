/**
 * The postgres issuer against a real server, called directly: keyturn's SCRAM verifier is
 * byte for byte the one PostgreSQL computes itself, roles keyturn must not rotate are refused
 * before anything changes, revoke never touches a role that holds a newer password, and the
 * live audit reports each problem by its rule id.
 */
import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadIssuer } from '../../../src/issuers/registry.js';
import type { Issuer, IssueTarget } from '../../../src/issuers/types.js';
import { postgresKind } from '../../../src/issuers/postgres/options.js';
import { scramVerifier, verifierMatches } from '../../../src/issuers/postgres/scram.js';
import { openStore } from '../../../src/stores/registry.js';
import type { SecretStore } from '../../../src/stores/types.js';
import { setUpRoles, startCluster, type PgCluster } from '../../support/postgres-cluster.js';
import { issuerConfig, keyConfig, makeContext, rejectionOf } from '../support.js';

const ADMIN_PASSWORD = `adm-${randomBytes(12).toString('hex')}`;

describe('postgres issuer against a real server', function () {
  this.timeout(60_000);
  let cluster: PgCluster;
  let dir: string;
  let store: SecretStore;
  let issuer: Issuer;
  let config: ReturnType<typeof issuerConfig>;

  before(async () => {
    cluster = await startCluster();
    await setUpRoles(cluster, { adminPassword: ADMIN_PASSWORD });
    dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-pg-issuer-'));
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
    config = issuerConfig('postgres', {
      host: cluster.host,
      port: cluster.port,
      database: 'appdb',
      sslmode: 'disable',
      admin: { store: 'local', path: 'admin/postgres' },
    });
    issuer = await loadIssuer(config);
    await cluster.sql([
      'CREATE ROLE su LOGIN SUPERUSER IN ROLE app',
      'CREATE ROLE cr LOGIN CREATEROLE IN ROLE app',
      'CREATE ROLE rls LOGIN BYPASSRLS IN ROLE app',
      'CREATE ROLE owner_role LOGIN IN ROLE app',
      'CREATE ROLE other_group NOLOGIN',
      'CREATE ROLE stray LOGIN IN ROLE other_group',
      'CREATE ROLE app_red LOGIN IN ROLE app',
      'CREATE ROLE app_yellow LOGIN IN ROLE app',
    ]);
    await cluster.sql(['CREATE TABLE owned_by_login (id int)', 'ALTER TABLE owned_by_login OWNER TO owner_role'], 'appdb');
  });
  after(async () => {
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const context = (rotationId = `rot-20250102030405-${randomBytes(4).toString('hex')}`) => {
    const t = makeContext({ rotationId });
    t.ctx.store = async () => store;
    t.ctx.cwd = dir;
    return t;
  };
  const target = (spec: Record<string, unknown>, id = 'db'): IssueTarget => ({
    key: keyConfig({ id, issuer: 'under-test', spec, path: `db/${id}` }),
    issuer: config,
  });
  const comment = async (role: string) =>
    (await cluster.sql(`SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = ${pg.escapeLiteral(role)}`))[0]!
      .rows[0]?.c as string | null;

  it('computes exactly the SCRAM-SHA-256 verifier PostgreSQL computes (same salt and iterations)', async () => {
    const password = `probe-${randomBytes(9).toString('hex')}`;
    await cluster.sql(`CREATE ROLE scram_probe LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    const [result] = await cluster.sql(`SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_probe'`);
    const server = result!.rows[0].rolpassword as string;
    const m = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(server)!;
    expect(scramVerifier(password, Number(m[1]), Buffer.from(m[2]!, 'base64'))).to.equal(server);
    expect(verifierMatches(server, password)).to.equal(true);
    expect(verifierMatches(server, `${password}x`)).to.equal(false);
    // and a fresh salt every time: two verifiers of one password differ
    expect(scramVerifier(password)).to.not.equal(scramVerifier(password));
  });

  it('refuses, with a clear message and before changing anything, roles keyturn must not rotate', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ strategy: 'single', role: 'su' }, /role su is a superuser/],
      [{ strategy: 'single', role: 'cr' }, /role cr has CREATEROLE/],
      [{ strategy: 'single', role: 'rls' }, /role rls has BYPASSRLS/],
      [{ roles: ['owner_role', 'app_red'] }, /role owner_role owns 1 object\(s\) directly/],
      [{ roles: ['app_red', 'no_such_role'] }, /role no_such_role does not exist/],
      [{ roles: ['app_red', 'stray'] }, /roles app_red and stray are not both members of a NOLOGIN group role/],
      [{ roles: ['app_red', 'app_yellow'], group: 'other_group' }, /not both members of group role other_group/],
      [{ strategy: 'single', role: 'app' }, /role app cannot log in/],
    ];
    for (const [spec, message] of cases) {
      const failure = await rejectionOf(issuer.create(target(spec), context().ctx));
      expect(failure.code, JSON.stringify(spec)).to.equal('EISSUER');
      expect(failure.message).to.match(message);
    }
    for (const role of ['su', 'cr', 'rls', 'owner_role', 'app_red', 'stray']) expect(await comment(role), role).to.equal(null);
  });

  it('revoke acts only on the role whose mark names the key id; an old key id of a reused role is left alone', async () => {
    const t = target({ roles: ['app_red', 'app_yellow'] }, 'db-red');
    const first = await issuer.create(t, context().ctx);
    expect(first.keyId).to.match(/^pg:app_yellow:rot-/);
    // a later rotation re-used the same role (the store was not updated in this direct test)
    const second = await issuer.create(t, context().ctx);
    expect(second.keyId).to.match(/^pg:app_yellow:rot-/);
    await issuer.revoke(first.keyId, t, context().ctx);
    expect(await comment('app_yellow')).to.match(new RegExp(`^keyturn keyId=${second.keyId} state=live`));
    await issuer.verify(second, t, context().ctx);
    expect(await issuer.isDead!(first.keyId, t, context().ctx)).to.equal(true);
    expect(await issuer.isDead!(second.keyId, t, context().ctx)).to.equal(false);
    expect((await issuer.list!(t, context().ctx)).map((k) => k.keyId)).to.include(second.keyId);
    await issuer.revoke(second.keyId, t, context().ctx);
    expect(await comment('app_yellow')).to.match(new RegExp(`^keyturn keyId=${second.keyId} state=locked`));
    expect(await issuer.isDead!(second.keyId, t, context().ctx)).to.equal(true);
    expect((await issuer.list!(t, context().ctx)).map((k) => k.keyId)).to.not.include(second.keyId);
    await issuer.revoke('not-a-pg-key', t, context().ctx);
  });

  it('terminateSessions: locking a role ends its open sessions', async () => {
    const t = target({ roles: ['app_red', 'app_yellow'], terminateSessions: true }, 'db-term');
    const issued = await issuer.create(t, context().ctx);
    const session = new pg.Client({
      host: cluster.host,
      port: cluster.port,
      database: 'appdb',
      user: issued.material.username,
      password: issued.material.password,
    });
    session.on('error', () => undefined);
    await session.connect();
    await issuer.revoke(issued.keyId, t, context().ctx);
    const failure = await rejectionOf(session.query('SELECT 1'));
    expect(failure.message).to.match(/terminat|connection error/i);
    await session.end().catch(() => undefined);
    const [left] = await cluster.sql(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'app_yellow' OR usename = 'app_red'`);
    expect(left!.rows[0].n).to.equal(0);
  });

  it('audit reports each problem by rule id, live', async () => {
    const bad = await issuer.audit!({ keyId: 'pg:su:rot-x', material: {} }, target({ strategy: 'single', role: 'su' }), context().ctx);
    expect(bad.map((f) => f.rule)).to.include('pg-role-superuser');
    const split = await issuer.audit!({ keyId: 'pg:x:rot-x', material: {} }, target({ roles: ['app_blue', 'stray'] }), context().ctx);
    expect(split.map((f) => f.rule)).to.include.members(['pg-no-shared-group', 'pg-unmanaged-password']);
    const wrong = await issuer.audit!(
      { keyId: 'pg:app_single:rot-x', material: { username: 'app_single', password: 'not-its-password-at-all' } },
      target({ strategy: 'single', role: 'app_single' }),
      context().ctx,
    );
    expect(wrong.map((f) => f.rule)).to.include('pg-current-login-fails');
    expect(JSON.stringify(wrong)).to.not.include('not-its-password-at-all');
  });

  it('a wrong admin credential, or none in the store, is a clear error that shows no password', async () => {
    const ref = { store: 'local', path: 'admin/wrong', key: 'admin-wrong' };
    const wrong = `wrong-${randomBytes(12).toString('hex')}`;
    await store.stage(ref, 'rot-20250101000000-00000001', { keyId: 'put:wrong', material: { username: 'keyturn_admin', password: wrong } });
    await store.promote(ref, 'rot-20250101000000-00000001');
    const options = { host: cluster.host, port: cluster.port, database: 'appdb', sslmode: 'disable' };
    const withWrong = await loadIssuer(issuerConfig('postgres', { ...options, admin: { store: 'local', path: 'admin/wrong' } }));
    const refused = await rejectionOf(withWrong.create(target({ strategy: 'single', role: 'app_single' }), context().ctx));
    expect(refused.code).to.equal('EISSUER');
    expect(refused.message).to.match(/as keyturn_admin: password authentication failed for user "keyturn_admin" \(SQLSTATE 28P01\)/);
    expect(refused.message).to.not.include(wrong);
    const withNone = await loadIssuer(issuerConfig('postgres', { ...options, admin: { store: 'local', path: 'admin/none' } }));
    const missing = await rejectionOf(withNone.create(target({ strategy: 'single', role: 'app_single' }), context().ctx));
    expect(missing.message).to.equal('issuer under-test: no admin credential at local:admin/none');
    expect((missing as unknown as { details: { hint: string } }).details.hint).to.match(/keyturn store put local admin\/none/);
  });

  it("parses options and specs with a problem at each field (rotation.yaml's positions)", () => {
    const problems: string[] = [];
    const report = (p: ReadonlyArray<string | number>, m: string) => problems.push(`${p.join('.')}: ${m}`);
    expect(postgresKind.parseOptions({ port: 0, sslmode: 'prefer', admin: { store: 'x' } }, report)).to.equal(undefined);
    expect(problems).to.deep.equal([
      'host: is required',
      'port: must be a whole number from 1 to 65535',
      'sslmode: must be one of disable, require, verify-ca, verify-full',
      'admin: needs { store, path }: where the administrative credential { username, password } is kept (never its value)',
    ]);
    problems.length = 0;
    expect(postgresKind.parseSpec({ roles: ['a'], rolez: 1 }, {}, report)).to.equal(undefined);
    expect(postgresKind.parseSpec({ strategy: 'single', roles: ['a', 'b'], role: 'x' }, {}, report)).to.equal(undefined);
    expect(postgresKind.parseSpec({ roles: ['a', 'a'] }, {}, report)).to.equal(undefined);
    expect(postgresKind.parseSpec({ strategy: 'single', role: 'bad:name' }, {}, report)).to.equal(undefined);
    expect(problems).to.deep.equal([
      'rolez: unknown spec field `rolez`',
      'roles: needs exactly two login roles, e.g. [app_blue, app_green]',
      'roles: belongs to strategy alternating',
      'roles: names the same role twice: alternating needs two different login roles',
      'role: is not a role name keyturn accepts',
    ]);
    expect(postgresKind.parseSpec({ roles: ['app_blue', 'app_green'] }, {}, report)).to.deep.equal({
      strategy: 'alternating',
      roles: ['app_blue', 'app_green'],
      terminateSessions: false,
    });
  });
});

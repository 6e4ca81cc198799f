/**
 * The Vault conformance suite: raw HTTP (below node-vault) for every route the stand-in serves,
 * each test naming the Vault source it follows and asserting the status, the envelope and the
 * exact error text. It runs against the stand-in, or unchanged against a real Vault when
 * VAULT_ADDR and VAULT_TOKEN are set (a dev server with KV v2 at secret/):
 *   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=root npx mocha dist/test/vault/conformance.test.js
 * Tests that need the stand-in's fault injection or admin calls say so and skip on a real Vault.
 */
import { expect } from 'chai';
import { signJwt } from '../../scripts/vault/jwt.js';
import { rejection } from '../support/expect-rejection.js';
import { openTarget, signingKeys, type Target } from './conformance-target.js';
import type { RawResponse } from './raw-http.js';

/** sdk/logical/translate_response.go HTTPResponse: the keys of every success body (mount_type since Vault 1.13). */
const ENVELOPE = ['auth', 'data', 'lease_duration', 'lease_id', 'renewable', 'request_id', 'warnings', 'wrap_info'];

function expectEnvelope(res: RawResponse, status = 200, alsoAllowed: (key: string) => boolean = () => false): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['content-type']).to.equal('application/json');
  const keys = Object.keys(res.json as object);
  expect(keys).to.include.members(ENVELOPE);
  const extra = keys.filter((k) => !ENVELOPE.includes(k) && k !== 'mount_type' && !alsoAllowed(k));
  expect(extra, 'keys beyond the envelope').to.deep.equal([]);
  expect(res.json.lease_id).to.equal('');
  expect(res.json.wrap_info).to.equal(null);
}

function expectErrors(res: RawResponse, status: number, errors: string[]): void {
  expect(res.status, res.text).to.equal(status);
  expect(res.headers['content-type']).to.equal('application/json');
  expect(res.json).to.deep.equal({ errors });
}

const multi = (...messages: string[]) =>
  `${messages.length} error${messages.length === 1 ? '' : 's'} occurred:\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;

describe('Vault conformance (raw HTTP)', function () {
  this.timeout(20_000);
  let t: Target;
  let n = 0;
  /** a fresh secret path under this run's folder */
  const fresh = () => `${t.base}/k${(n += 1)}`;
  const data = (p: string) => `/v1/secret/data/${p}`;
  const meta = (p: string) => `/v1/secret/metadata/${p}`;

  before(async function () {
    t = await openTarget();
    process.stdout.write(`      conformance target: ${t.kind} at ${t.url}\n`);
  });
  after(async () => t?.close());

  /** Fault injection and stand-in controls exist only on the stand-in. */
  function standInOnly(ctx: Mocha.Context, why: string): void {
    if (t.standIn) return;
    process.stdout.write(`      skipped on a real Vault: ${why}\n`);
    ctx.skip();
  }

  describe('KV v2 data (hashicorp/vault-plugin-secrets-kv path_data.go)', () => {
    it('pathDataWrite: 200 with the envelope and the version metadata', async () => {
      const res = await t.req('POST', data(fresh()), { body: { data: { k: 'v1' } } });
      expectEnvelope(res);
      expect(res.json.data).to.include({ version: 1, deletion_time: '', destroyed: false, custom_metadata: null });
      expect(res.json.data.created_time).to.match(/^\d{4}-\d\d-\d\dT/);
    });

    it('pathDataRead: the latest version, or ?version=N; version 0 is the latest', async () => {
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      await t.req('POST', data(p), { body: { data: { n: '2' } } });
      const latest = await t.req('GET', data(p));
      expectEnvelope(latest);
      expect(latest.json.data.data).to.deep.equal({ n: '2' });
      expect(latest.json.data.metadata).to.include({ version: 2, deletion_time: '', destroyed: false });
      expect((await t.req('GET', `${data(p)}?version=1`)).json.data.data).to.deep.equal({ n: '1' });
      expect((await t.req('GET', `${data(p)}?version=0`)).json.data.metadata.version).to.equal(2);
    });

    it('pathDataRead: nothing there, or a version that never was, answers 404 {"errors":[]}', async () => {
      expectErrors(await t.req('GET', data(fresh())), 404, []);
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      expectErrors(await t.req('GET', `${data(p)}?version=7`), 404, []);
    });

    it("validateCheckAndSetOption: a mismatch, cas 0 on an existing key, and an unparsable cas, in Vault's words", async () => {
      const p = fresh();
      expect((await t.req('POST', data(p), { body: { options: { cas: 0 }, data: { a: '1' } } })).status).to.equal(200);
      expectErrors(await t.req('POST', data(p), { body: { options: { cas: 0 }, data: { a: '2' } } }), 400, [
        'check-and-set parameter did not match the current version',
      ]);
      expectErrors(await t.req('POST', data(p), { body: { options: { cas: 5 }, data: { a: '2' } } }), 400, [
        'check-and-set parameter did not match the current version',
      ]);
      expectErrors(await t.req('POST', data(p), { body: { options: { cas: 'one' }, data: { a: '2' } } }), 400, [
        'error parsing check-and-set parameter',
      ]);
      expect((await t.req('POST', data(p), { body: { options: { cas: 1 }, data: { a: '2' } } })).json.data.version).to.equal(2);
    });

    it('validateCheckAndSetOption: cas_required on the key refuses a write without cas', async () => {
      const p = fresh();
      expect((await t.req('POST', meta(p), { body: { cas_required: true } })).status).to.equal(204);
      expectErrors(await t.req('POST', data(p), { body: { data: { a: '1' } } }), 400, ['check-and-set parameter required for this call']);
      expect((await t.req('POST', data(p), { body: { options: { cas: 0 }, data: { a: '1' } } })).status).to.equal(200);
    });

    it('pathDataWrite: a body without data is "no data provided"', async () => {
      expectErrors(await t.req('POST', data(fresh()), { body: { options: {} } }), 400, ['no data provided']);
    });

    it("vault/request_handling.go handleCancelableRequest: a write to a path ending in '/' is refused before anything else", async () => {
      expectErrors(await t.req('POST', `${data(fresh())}/`, { body: { data: { a: '1' } } }), 400, ["cannot write to a path ending in '/'"]);
      expectErrors(await t.req('PUT', `${meta(fresh())}/`, { body: { max_versions: 3 } }), 400, ["cannot write to a path ending in '/'"]);
    });

    it('pathDataDelete: 204; the latest read is then 404 with a success-style body that still tells the version', async () => {
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      const del = await t.req('DELETE', data(p));
      expect(del.status).to.equal(204);
      expect(del.text).to.equal('');
      const gone = await t.req('GET', data(p));
      expectEnvelope(gone, 404);
      expect(gone.json.data.data).to.equal(null);
      expect(gone.json.data.metadata.version).to.equal(1);
      expect(gone.json.data.metadata.deletion_time).to.not.equal('');
      expect((await t.req('DELETE', data(fresh()))).status, 'a missing key').to.equal(204);
      expect((await t.req('POST', data(p), { body: { options: { cas: 1 }, data: { n: '2' } } })).json.data.version).to.equal(2);
    });

    it('a LIST on a data path is an unsupported operation (405)', async () => {
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      expectErrors(await t.req('LIST', data(p)), 405, [multi('unsupported operation')]);
    });
  });

  describe('delete, undelete, destroy (path_delete.go, path_destroy.go)', () => {
    it('pathDeleteWrite / pathUndeleteWrite / pathDestroyWrite: 204, versions as a list or "1,2"; destroy is final', async () => {
      const p = fresh();
      for (const v of ['1', '2', '3']) await t.req('POST', data(p), { body: { data: { n: v } } });
      expect((await t.req('POST', `/v1/secret/delete/${p}`, { body: { versions: [1, 2] } })).status).to.equal(204);
      expect((await t.req('GET', `${data(p)}?version=2`)).json.data.data).to.equal(null);
      expect((await t.req('POST', `/v1/secret/undelete/${p}`, { body: { versions: '1,2' } })).status).to.equal(204);
      expect((await t.req('GET', `${data(p)}?version=2`)).json.data.data).to.deep.equal({ n: '2' });
      expect((await t.req('POST', `/v1/secret/destroy/${p}`, { body: { versions: [1] } })).status).to.equal(204);
      await t.req('POST', `/v1/secret/undelete/${p}`, { body: { versions: [1] } });
      const destroyed = await t.req('GET', `${data(p)}?version=1`);
      expectEnvelope(destroyed, 404);
      expect(destroyed.json.data.metadata).to.include({ destroyed: true, version: 1 });
      expect((await t.req('GET', meta(p))).json.data.versions['1'].destroyed).to.equal(true);
    });

    it('each of them on a missing key answers 204', async () => {
      for (const op of ['delete', 'undelete', 'destroy']) {
        const res = await t.req('POST', `/v1/secret/${op}/${fresh()}`, { body: { versions: [1] } });
        expect(res.status, op).to.equal(204);
      }
    });

    it('no versions: delete and undelete say "No version number provided", destroy "no version number provided"', async () => {
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      expectErrors(await t.req('POST', `/v1/secret/delete/${p}`, { body: { versions: [] } }), 400, ['No version number provided']);
      expectErrors(await t.req('POST', `/v1/secret/undelete/${p}`, { body: {} }), 400, ['No version number provided']);
      expectErrors(await t.req('POST', `/v1/secret/destroy/${p}`, { body: { versions: [] } }), 400, ['no version number provided']);
    });
  });

  describe('metadata (path_metadata.go)', () => {
    it('pathMetadataWrite then pathMetadataRead: the fields written, current and oldest version, versions', async () => {
      const p = fresh();
      expect((await t.req('POST', meta(p), { body: { custom_metadata: { owner: 'ops' }, max_versions: 3 } })).status).to.equal(204);
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      const res = await t.req('GET', meta(p));
      expectEnvelope(res);
      expect(res.json.data).to.include({ max_versions: 3, current_version: 1, oldest_version: 0, cas_required: false });
      expect(res.json.data.custom_metadata).to.deep.equal({ owner: 'ops' });
      expect(Object.keys(res.json.data.versions)).to.deep.equal(['1']);
      expectErrors(await t.req('GET', meta(fresh())), 404, []);
    });

    it('pathMetadataWrite: a body with none of its fields is a no-op that creates nothing (204, then 404)', async () => {
      const p = fresh();
      expect((await t.req('POST', meta(p), { body: {} })).status).to.equal(204);
      expect((await t.req('POST', meta(p))).status).to.equal(204);
      expectErrors(await t.req('GET', meta(p)), 404, []);
    });

    it('parseCustomMetadata: numbers and booleans become strings (mapstructure.WeakDecode)', async () => {
      const p = fresh();
      expect((await t.req('POST', meta(p), { body: { custom_metadata: { n: 5, yes: true } } })).status).to.equal(204);
      expect((await t.req('GET', meta(p))).json.data.custom_metadata).to.deep.equal({ n: '5', yes: '1' });
    });

    it('validateCustomMetadata: an empty value, a 129-byte key, a 513-byte value and 65 keys, in its exact words', async () => {
      const p = fresh();
      await t.req('POST', meta(p), { body: { custom_metadata: { owner: 'ops' } } });
      const prefix = 'custom_metadata validation failed';
      expectErrors(await t.req('POST', meta(p), { body: { custom_metadata: { empty: '' } } }), 400, [
        multi(`${prefix}: length of value for key "empty" is 0 but must be 0 < len(value) <= 512`),
      ]);
      const longKey = 'k'.repeat(129);
      expectErrors(await t.req('POST', meta(p), { body: { custom_metadata: { [longKey]: 'v' } } }), 400, [
        multi(`${prefix}: length of key "${longKey}" is 129 but must be 0 < len(key) <= 128`),
      ]);
      expectErrors(await t.req('POST', meta(p), { body: { custom_metadata: { k: 'v'.repeat(513) } } }), 400, [
        multi(`${prefix}: length of value for key "k" is 513 but must be 0 < len(value) <= 512`),
      ]);
      const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
      expectErrors(await t.req('POST', meta(p), { body: { custom_metadata: many } }), 400, [
        multi(`${prefix}: payload must contain at most 64 keys, provided 65`),
      ]);
      expect((await t.req('GET', meta(p))).json.data.custom_metadata, 'nothing changed').to.deep.equal({ owner: 'ops' });
      const edge = Object.fromEntries(
        Array.from({ length: 64 }, (_, i) => [`${'k'.repeat(125)}${String(i).padStart(3, '0')}`, 'v'.repeat(512)]),
      );
      expect((await t.req('POST', meta(p), { body: { custom_metadata: edge } })).status, 'the limits are inclusive').to.equal(204);
    });

    it('custom_metadata shows in data writes and reads', async () => {
      const p = fresh();
      await t.req('POST', meta(p), { body: { custom_metadata: { team: 'ops' } } });
      expect((await t.req('POST', data(p), { body: { data: { a: '1' } } })).json.data.custom_metadata).to.deep.equal({ team: 'ops' });
      expect((await t.req('GET', data(p))).json.data.metadata.custom_metadata).to.deep.equal({ team: 'ops' });
    });

    it('KeyMetadata.AddVersion: max_versions keeps the newest N; lowering it prunes on the next data write, not before', async () => {
      const p = fresh();
      for (const v of ['1', '2', '3', '4']) await t.req('POST', data(p), { body: { data: { n: v } } });
      await t.req('POST', meta(p), { body: { max_versions: 2 } });
      const before = await t.req('GET', meta(p));
      expect(Object.keys(before.json.data.versions), 'nothing pruned yet').to.deep.equal(['1', '2', '3', '4']);
      expect(before.json.data.oldest_version).to.equal(0);
      expect((await t.req('GET', `${data(p)}?version=1`)).json.data.data).to.deep.equal({ n: '1' });
      await t.req('POST', data(p), { body: { data: { n: '5' } } });
      const after = await t.req('GET', meta(p));
      expect(Object.keys(after.json.data.versions)).to.deep.equal(['4', '5']);
      expect(after.json.data.oldest_version).to.equal(4);
      expectErrors(await t.req('GET', `${data(p)}?version=3`), 404, []);
    });

    it('pathMetadataPatch: a JSON merge patch keeps the other custom_metadata keys, null removes one; 404 without metadata', async () => {
      const p = fresh();
      const patch = (body: unknown) => t.req('PATCH', meta(p), { body, headers: { 'Content-Type': 'application/merge-patch+json' } });
      expect((await patch({ custom_metadata: { a: '1' } })).status, 'no metadata yet').to.equal(404);
      await t.req('POST', meta(p), { body: { custom_metadata: { owner: 'ops', gone: 'x' } } });
      expect((await patch({ custom_metadata: { 'keyturn-key-id': 'k2', gone: null } })).status).to.equal(204);
      expect((await t.req('GET', meta(p))).json.data.custom_metadata).to.deep.equal({ owner: 'ops', 'keyturn-key-id': 'k2' });
    });

    it('hashicorp/vault http/logical.go: a PATCH that is not application/merge-patch+json is 415', async () => {
      const p = fresh();
      await t.req('POST', meta(p), { body: { max_versions: 3 } });
      const res = await t.req('PATCH', meta(p), { body: { max_versions: 4 } });
      // the status is Vault's; the text is not pinned (written from memory, see docs/vault.md)
      expect(res.status).to.equal(415);
      expect(res.json.errors[0]).to.include('application/merge-patch+json');
    });

    it('pathMetadataDelete: every version goes; a missing key is 204 too; the key starts again at version 1', async () => {
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      expect((await t.req('DELETE', meta(p))).status).to.equal(204);
      expectErrors(await t.req('GET', meta(p)), 404, []);
      expect((await t.req('DELETE', meta(fresh()))).status).to.equal(204);
      expect((await t.req('POST', data(p), { body: { options: { cas: 0 }, data: { n: '2' } } })).json.data.version).to.equal(1);
    });
  });

  describe('list (path_metadata.go pathMetadataList; hashicorp/vault http/logical.go for ?list=)', () => {
    it('LIST and GET ?list=true|1|t|True: keys directly under the folder, sub-folders ending in "/"', async () => {
      const dir = fresh();
      await t.req('POST', data(`${dir}/a`), { body: { data: { n: '1' } } });
      await t.req('POST', data(`${dir}/sub/b`), { body: { data: { n: '1' } } });
      const listed = await t.req('LIST', meta(dir));
      expectEnvelope(listed);
      expect(listed.json.data.keys).to.deep.equal(['a', 'sub/']);
      for (const flag of ['true', '1', 't', 'True'])
        expect((await t.req('GET', `${meta(dir)}/?list=${flag}`)).json.data.keys, flag).to.deep.equal(['a', 'sub/']);
    });

    it('?list=false is a plain read; ?list=maybe is a 400 with no message; an empty folder is 404 {"errors":[]}', async () => {
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      expect((await t.req('GET', `${meta(p)}?list=false`)).json.data.current_version).to.equal(1);
      expectErrors(await t.req('GET', `${meta(p)}?list=maybe`), 400, []);
      expectErrors(await t.req('LIST', meta(fresh())), 404, []);
    });
  });

  describe('paths a KV v2 mount does not serve (backend.go pathInvalid)', () => {
    it("a v1-style path answers 404, no data, and a warning naming the 'vault kv' command", async () => {
      const p = fresh();
      const warning = (sub: string) =>
        `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${sub}' for this operation.`;
      for (const [method, sub, body] of [
        ['GET', 'get', undefined],
        ['POST', 'put', { a: '1' }],
        ['DELETE', 'delete', undefined],
      ] as const) {
        const res = await t.req(method, `/v1/secret/${p}`, { body });
        expectEnvelope(res, 404);
        expect(res.json.data, method).to.equal(null);
        expect(res.json.warnings, method).to.deep.equal([warning(sub)]);
      }
      expectErrors(await t.req('GET', data(p)), 404, []);
    });

    it('a non-listing operation on the root of the mount (secret/metadata) answers 404 with its own warning', async () => {
      const res = await t.req('GET', '/v1/secret/metadata');
      expectEnvelope(res, 404);
      expect(res.json.warnings).to.deep.equal(['Non-listing operations on the root of a K/V v2 mount are not supported.']);
    });

    it('hashicorp/vault vault/router.go: a path under no mount is 404 "no handler for route"', async () => {
      expectErrors(await t.req('GET', '/v1/nomount-here/x'), 404, ['no handler for route "nomount-here/x". route entry not found.']);
    });
  });

  describe('tokens and ACL (hashicorp/vault vault/request_handling.go, vault/token_store.go)', () => {
    it('no token: 403 "permission denied"; an unknown token: 403 "permission denied" and "invalid token"', async () => {
      expectErrors(await t.req('GET', data(fresh()), { token: null }), 403, ['permission denied']);
      expectErrors(await t.req('GET', data(fresh()), { token: 'hvs.not-a-token-anyone-made' }), 403, [
        multi('permission denied', 'invalid token'),
      ]);
    });

    it("a valid token outside its policy: 403 with the ACL's multierror; inside it: allowed", async () => {
      const p = fresh();
      await t.policy(`reader-${t.base}`, [{ path: `secret/data/${t.base}/*`, capabilities: ['read'] }]);
      const token = await t.token({ policies: [`reader-${t.base}`], ttl: '5m' });
      await t.req('POST', data(p), { body: { data: { n: '1' } } });
      expect((await t.req('GET', data(p), { token })).status).to.equal(200);
      expectErrors(await t.req('POST', data(p), { token, body: { data: { n: '2' } } }), 403, [multi('permission denied')]);
      expectErrors(await t.req('GET', '/v1/secret/data/elsewhere', { token }), 403, [multi('permission denied')]);
    });

    it('token_store.go handleLookupSelf: the root token has policy root and no TTL', async () => {
      const res = await t.req('GET', '/v1/auth/token/lookup-self');
      expectEnvelope(res);
      expect(res.json.data).to.include({ ttl: 0, renewable: false, id: t.rootToken });
      expect(res.json.data.policies).to.deep.equal(['root']);
    });

    it('token_store.go handleRenewSelf: a renewable token gets a new lease; an expired one is an invalid token', async () => {
      await t.policy(`nothing-${t.base}`, [{ path: 'secret/data/none', capabilities: ['read'] }]);
      const token = await t.token({ policies: [`nothing-${t.base}`], ttl: '2s' });
      const look = await t.req('GET', '/v1/auth/token/lookup-self', { token });
      expect(look.json.data.renewable).to.equal(true);
      expect(look.json.data.policies).to.deep.equal(['default', `nothing-${t.base}`]);
      const renew = await t.req('PUT', '/v1/auth/token/renew-self', { token, body: { increment: 60 } });
      expectEnvelope(renew);
      expect(renew.json.auth).to.include({ client_token: token, renewable: true });
      expect(renew.json.auth.lease_duration).to.be.within(1, 60);
      const short = await t.token({ policies: [`nothing-${t.base}`], ttl: '1s' });
      await new Promise((r) => setTimeout(r, 2100));
      expectErrors(await t.req('GET', '/v1/auth/token/lookup-self', { token: short }), 403, [multi('permission denied', 'invalid token')]);
    });
  });

  describe('sys (hashicorp/vault http/sys_health.go, vault/logical_system.go)', () => {
    it('sys/health: 200 active with its body, no token needed', async () => {
      const res = await t.req('GET', '/v1/sys/health', { token: null });
      expect(res.status).to.equal(200);
      expect(res.json).to.include({ initialized: true, sealed: false, standby: false });
      expect(res.json.version).to.be.a('string');
    });

    it('sys/health: flags parse as Go bools (standbyok=True is fine), a bad flag or code is 400 {"errors":[]}', async () => {
      expect((await t.req('GET', '/v1/sys/health?standbyok=True', { token: null })).status).to.equal(200);
      expect((await t.req('GET', '/v1/sys/health?standbyok=1&activecode=299', { token: null })).status).to.equal(299);
      expectErrors(await t.req('GET', '/v1/sys/health?standbyok=yes', { token: null }), 400, []);
      expectErrors(await t.req('GET', '/v1/sys/health?sealedcode=abc', { token: null }), 400, []);
    });

    it('sys/health: 429 standby (standbyok=true: 200), 503 sealed without cluster name; sealed refuses the API with 503', async function () {
      standInOnly(this, 'standby and sealed are injected faults');
      const v = t.standIn!;
      v.faults.set({ standby: true });
      expect((await t.req('GET', '/v1/sys/health', { token: null })).status).to.equal(429);
      expect((await t.req('GET', '/v1/sys/health?standbyok=true', { token: null })).status).to.equal(200);
      expect((await t.req('GET', '/v1/sys/health?standbycode=200', { token: null })).status).to.equal(200);
      v.faults.set({ sealed: true });
      const health = await t.req('GET', '/v1/sys/health', { token: null });
      expect(health.status).to.equal(503);
      expect(health.json.sealed).to.equal(true);
      expect(health.json).to.not.have.property('cluster_name');
      expectErrors(await t.req('GET', data(fresh())), 503, ['Vault is sealed']);
      v.faults.set({});
    });

    it('sys/internal/ui/mounts: a KV v2 mount says version "2", a KV v1 mount "1"; no mount is the preflight 403', async () => {
      const v2 = await t.req('GET', `/v1/sys/internal/ui/mounts/secret/${fresh()}`);
      expectEnvelope(v2);
      expect(v2.json.data).to.include({ type: 'kv', path: 'secret/' });
      expect(v2.json.data.options.version).to.equal('2');
      const kv1 = await t.kv1Mount();
      expect((await t.req('GET', `/v1/sys/internal/ui/mounts/${kv1}/app`)).json.data.options.version).to.equal('1');
      expectErrors(await t.req('GET', '/v1/sys/internal/ui/mounts/nomount/x'), 403, [
        `preflight capability check returned 403, please ensure client's policies grant access to path "nomount/x/"`,
      ]);
    });

    it('sys/mounts: the mount table, in data and at the top level', async () => {
      const res = await t.req('GET', '/v1/sys/mounts');
      expectEnvelope(res, 200, (key) => key.endsWith('/'));
      expect(res.json.data['secret/']).to.include({ type: 'kv' });
      expect(res.json.data['secret/'].options.version).to.equal('2');
      expect(res.json['secret/'].type).to.equal('kv');
    });

    it('a KV v1 mount (builtin/logical/kv passthrough): write 204, read the data as written, list', async () => {
      const kv1 = await t.kv1Mount();
      const p = fresh();
      expect((await t.req('POST', `/v1/${kv1}/${p}`, { body: { a: '1' } })).status).to.equal(204);
      const read = await t.req('GET', `/v1/${kv1}/${p}`);
      expectEnvelope(read);
      expect(read.json.data).to.deep.equal({ a: '1' });
      expect((await t.req('LIST', `/v1/${kv1}/${t.base}`)).json.data.keys).to.include(p.split('/').pop());
    });
  });

  describe('namespaces (hashicorp/vault http/handler.go: CE serves every request from the root namespace)', () => {
    it('Vault CE ignores X-Vault-Namespace: a write with it is read without it', async function () {
      if (!t.standIn && process.env.VAULT_NAMESPACE) {
        process.stdout.write('      skipped: VAULT_NAMESPACE is set, so this looks like Vault Enterprise\n');
        this.skip();
      }
      const p = fresh();
      await t.req('POST', data(p), { body: { data: { where: 'team-a' } }, headers: { 'X-Vault-Namespace': 'team-a' } });
      expect((await t.req('GET', data(p))).json.data.data).to.deep.equal({ where: 'team-a' });
    });
  });

  describe('AppRole (hashicorp/vault builtin/credential/approle path_login.go)', () => {
    it("login: a token with the role's policies and default, its TTL, role_name in the metadata; it may do what they grant", async () => {
      await t.policy(`app-${t.base}`, [{ path: `secret/data/${t.base}/*`, capabilities: ['create', 'read', 'update'] }]);
      const ids = await t.appRole(`role-${t.base}`, { policies: [`app-${t.base}`], ttl: 600 });
      const login = await t.req('POST', '/v1/auth/approle/login', { token: null, body: { role_id: ids.roleId, secret_id: ids.secretId } });
      expectEnvelope(login);
      expect(login.json.data).to.equal(null);
      const auth = login.json.auth;
      // policyutil.SanitizePolicies: default added, duplicates dropped, sorted
      expect(auth.policies).to.deep.equal([`app-${t.base}`, 'default']);
      expect(auth.token_policies).to.deep.equal([`app-${t.base}`, 'default']);
      expect(auth.metadata).to.deep.equal({ role_name: `role-${t.base}` });
      expect(auth).to.include({ lease_duration: 600, renewable: true, token_type: 'service' });
      const p = fresh();
      expect((await t.req('POST', data(p), { token: auth.client_token, body: { data: { a: '1' } } })).status).to.equal(200);
      expectErrors(await t.req('GET', '/v1/secret/data/elsewhere', { token: auth.client_token }), 403, [multi('permission denied')]);
    });

    it('a wrong secret id is 400 "invalid role or secret ID"; no role id is "missing role_id"', async () => {
      const ids = await t.appRole(`role2-${t.base}`, { policies: [], ttl: 60 });
      expectErrors(await t.req('POST', '/v1/auth/approle/login', { token: null, body: { role_id: ids.roleId, secret_id: 'wrong' } }), 400, [
        'invalid role or secret ID',
      ]);
      expectErrors(await t.req('POST', '/v1/auth/approle/login', { token: null, body: { secret_id: ids.secretId } }), 400, [
        'missing role_id',
      ]);
    });
  });

  describe('JWT (hashicorp/vault-plugin-auth-jwt path_login.go, hashicorp/cap jwt.Validate)', () => {
    const keys = signingKeys();
    const other = signingKeys();
    const now = () => Math.floor(Date.now() / 1000);
    const claims = (extra: Record<string, unknown> = {}) => ({
      sub: 'repo:acme/keyturn:ref:refs/heads/main',
      aud: 'keyturn',
      iss: 'https://token.actions.githubusercontent.com',
      iat: now(),
      exp: now() + 300,
      ...extra,
    });
    let mount: string;
    before(async () => {
      mount = `jwt-${t.base}`;
      await t.policy(`ci-${t.base}`, [{ path: `secret/data/${t.base}/*`, capabilities: ['read'] }]);
      await t.jwtAuth(
        mount,
        { publicKey: keys.publicKey },
        { name: 'ci', audiences: ['keyturn'], subject: 'repo:acme/keyturn:ref:refs/heads/main', policies: [`ci-${t.base}`], ttl: 300 },
      );
    });
    const login = (body: Record<string, unknown>) => t.req('POST', `/v1/auth/${mount}/login`, { token: null, body });

    it("login with a token signed by the configured key: the role's policies, role in the metadata", async () => {
      const res = await login({ role: 'ci', jwt: signJwt(claims(), keys.privateKey) });
      expectEnvelope(res);
      expect(res.json.auth.policies).to.deep.equal([`ci-${t.base}`, 'default']);
      expect(res.json.auth.metadata).to.deep.equal({ role: 'ci' });
      expect(res.json.auth).to.include({ lease_duration: 300, renewable: true });
    });

    it("a bad signature, another subject, another audience, an expired token: 400 with cap's texts", async () => {
      const invalid = (m: string) => [`error validating token: ${m}`];
      expectErrors(
        await login({ role: 'ci', jwt: signJwt(claims(), other.privateKey) }),
        400,
        invalid('error verifying token signature: no known key successfully validated the token signature'),
      );
      expectErrors(
        await login({ role: 'ci', jwt: signJwt(claims({ sub: 'repo:evil/fork' }), keys.privateKey) }),
        400,
        invalid('invalid subject (sub) claim'),
      );
      expectErrors(
        await login({ role: 'ci', jwt: signJwt(claims({ aud: 'someone-else' }), keys.privateKey) }),
        400,
        invalid('invalid audience (aud) claim: audience claim does not match any expected audience'),
      );
      expectErrors(
        await login({ role: 'ci', jwt: signJwt(claims({ iat: now() - 900, exp: now() - 600 }), keys.privateKey) }),
        400,
        invalid('invalid expiration time (exp) claim: token is expired'),
      );
    });

    it('no role: "missing role"; an unknown role: "role \\"nope\\" could not be found"; no jwt: "missing token"', async () => {
      expectErrors(await login({ jwt: signJwt(claims(), keys.privateKey) }), 400, ['missing role']);
      expectErrors(await login({ role: 'nope', jwt: signJwt(claims(), keys.privateKey) }), 400, ['role "nope" could not be found']);
      expectErrors(await login({ role: 'ci' }), 400, ['missing token']);
    });
  });

  describe('Kubernetes (hashicorp/vault-plugin-auth-kubernetes path_login.go)', () => {
    const keys = signingKeys();
    const other = signingKeys();
    const saToken = (name: string, namespace: string, key = keys.privateKey) =>
      signJwt(
        {
          iss: 'kubernetes/serviceaccount',
          'kubernetes.io/serviceaccount/namespace': namespace,
          'kubernetes.io/serviceaccount/service-account.name': name,
          'kubernetes.io/serviceaccount/service-account.uid': '6d4c4d7e-0000-4000-8000-000000000001',
          sub: `system:serviceaccount:${namespace}:${name}`,
        },
        key,
      );
    let mount: string;
    before(async () => {
      mount = `k8s-${t.base}`;
      await t.policy(`cron-${t.base}`, [{ path: `secret/data/${t.base}/*`, capabilities: ['read'] }]);
      await t.kubernetesAuth(
        mount,
        { publicKey: keys.publicKey },
        { name: 'keyturn', serviceAccounts: ['keyturn'], namespaces: ['ops'], policies: [`cron-${t.base}`], ttl: 300 },
      );
    });
    const login = (body: Record<string, unknown>) => t.req('POST', `/v1/auth/${mount}/login`, { token: null, body });

    it("login with a bound service account: metadata names it, the policies are the role's", async function () {
      standInOnly(this, 'a real Vault also asks a Kubernetes API server (TokenReview), which does not exist here');
      const res = await login({ role: 'keyturn', jwt: saToken('keyturn', 'ops') });
      expectEnvelope(res);
      expect(res.json.auth.policies).to.deep.equal([`cron-${t.base}`, 'default']);
      expect(res.json.auth.metadata).to.include({ role: 'keyturn', service_account_name: 'keyturn', service_account_namespace: 'ops' });
    });

    it('a bad signature is 403 "permission denied"; another account or namespace is 403 with the reason', async () => {
      expectErrors(await login({ role: 'keyturn', jwt: saToken('keyturn', 'ops', other.privateKey) }), 403, ['permission denied']);
      expectErrors(await login({ role: 'keyturn', jwt: saToken('intruder', 'ops') }), 403, ['service account name not authorized']);
      expectErrors(await login({ role: 'keyturn', jwt: saToken('keyturn', 'default') }), 403, ['namespace not authorized']);
    });

    it('no jwt: "missing jwt"; no role: "missing role"; an unknown role: invalid role name', async () => {
      expectErrors(await login({ role: 'keyturn' }), 400, ['missing jwt']);
      expectErrors(await login({ jwt: saToken('keyturn', 'ops') }), 400, ['missing role']);
      expectErrors(await login({ role: 'nope', jwt: saToken('keyturn', 'ops') }), 400, ['invalid role name "nope"']);
    });
  });

  describe('the stand-in only: fault injection', () => {
    it('a status on the Nth request, a seeded fraction, a dropped connection, latency', async function () {
      standInOnly(this, "fault injection is the stand-in's own");
      const v = t.standIn!;
      const p = data(fresh());
      v.faults.set({ failNth: [2], status: 502 });
      expect((await t.req('GET', p)).status).to.equal(404);
      expectErrors(await t.req('GET', p), 502, ['stand-in injected fault: 502']);
      expect((await t.req('GET', p)).status).to.equal(404);
      v.faults.set({ failRate: 0.5, seed: 7 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i += 1) statuses.push((await t.req('GET', p)).status);
      const failed = statuses.filter((s) => s === 503).length;
      expect(failed).to.be.within(10, 30);
      expect(failed + statuses.filter((s) => s === 404).length).to.equal(40);
      v.faults.set({ dropNth: [1] });
      expect(String(await rejection(t.req('GET', p)))).to.match(/closed without an answer|ECONNRESET/);
      v.faults.set({ latencyMs: 150 });
      const started = Date.now();
      await t.req('GET', p);
      expect(Date.now() - started).to.be.at.least(140);
      v.faults.set({});
    });
  });
});

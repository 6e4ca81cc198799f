/**
 * The stand-in's own behaviour, checked in raw HTTP against the documented Vault answers
 * (../shared/docs/BACKENDS.md): envelopes, status codes, error strings, KV v2 versioning,
 * the LIST method, health modes, auth and fault injection.
 */
import net from 'node:net';
import { expect } from 'chai';
import { startVaultStandIn, type VaultStandIn } from '../../scripts/vault/server.js';
import { rejection } from '../support/expect-rejection.js';
import { rawRequest } from './raw-http.js';

describe('vault stand-in (raw HTTP)', function () {
  let vault: VaultStandIn;
  const req = (method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) =>
    rawRequest(vault.url, method, path, { ...options, token: options.token === null ? undefined : (options.token ?? vault.rootToken) });

  beforeEach(async () => {
    vault = await startVaultStandIn();
  });
  afterEach(async () => vault.close());

  it('answers a write and a read with Vault envelopes and Content-Type application/json exactly', async () => {
    const write = await req('POST', '/v1/secret/data/app/one', { body: { data: { k: 'v1' } } });
    expect(write.status).to.equal(200);
    expect(write.headers['content-type']).to.equal('application/json');
    expect(Object.keys(write.json).sort()).to.deep.equal([
      'auth',
      'data',
      'lease_duration',
      'lease_id',
      'renewable',
      'request_id',
      'warnings',
      'wrap_info',
    ]);
    expect(write.json.data).to.include({ version: 1, deletion_time: '', destroyed: false, custom_metadata: null });
    const read = await req('GET', '/v1/secret/data/app/one');
    expect(read.json.data.data).to.deep.equal({ k: 'v1' });
    expect(read.json.data.metadata.version).to.equal(1);
  });

  it('a read of nothing answers 404 {"errors":[]}', async () => {
    const read = await req('GET', '/v1/secret/data/nothing/here');
    expect(read.status).to.equal(404);
    expect(read.text).to.equal('{"errors":[]}');
  });

  it("check-and-set: a mismatch is refused with Vault's message; cas 0 is create-only", async () => {
    expect((await req('POST', '/v1/secret/data/c', { body: { options: { cas: 0 }, data: { a: '1' } } })).status).to.equal(200);
    const again = await req('POST', '/v1/secret/data/c', { body: { options: { cas: 0 }, data: { a: '2' } } });
    expect(again.status).to.equal(400);
    expect(again.json).to.deep.equal({ errors: ['check-and-set parameter did not match the current version'] });
    expect((await req('POST', '/v1/secret/data/c', { body: { options: { cas: 1 }, data: { a: '2' } } })).json.data.version).to.equal(2);
    expect((await req('GET', '/v1/secret/data/c')).json.data.data).to.deep.equal({ a: '2' });
  });

  it('cas_required makes a write without cas fail', async () => {
    expect((await req('POST', '/v1/secret/metadata/r', { body: { cas_required: true } })).status).to.equal(204);
    const write = await req('POST', '/v1/secret/data/r', { body: { data: { a: '1' } } });
    expect(write.status).to.equal(400);
    expect(write.json.errors).to.deep.equal(['check-and-set parameter required for this call']);
  });

  it('reads an older version; a soft-deleted one answers 404 with a success-style body; undelete brings it back; destroy is final', async () => {
    await req('POST', '/v1/secret/data/v', { body: { data: { n: '1' } } });
    await req('POST', '/v1/secret/data/v', { body: { data: { n: '2' } } });
    expect((await req('GET', '/v1/secret/data/v?version=1')).json.data.data).to.deep.equal({ n: '1' });
    const del = await req('POST', '/v1/secret/delete/v', { body: { versions: [1] } });
    expect(del.status).to.equal(204);
    expect(del.text).to.equal('');
    const gone = await req('GET', '/v1/secret/data/v?version=1');
    expect(gone.status).to.equal(404);
    expect(gone.json.data.data).to.equal(null);
    expect(gone.json.data.metadata.version).to.equal(1);
    expect(gone.json.data.metadata.deletion_time).to.not.equal('');
    expect((await req('POST', '/v1/secret/undelete/v', { body: { versions: [1] } })).status).to.equal(204);
    expect((await req('GET', '/v1/secret/data/v?version=1')).json.data.data).to.deep.equal({ n: '1' });
    await req('POST', '/v1/secret/destroy/v', { body: { versions: [1] } });
    await req('POST', '/v1/secret/undelete/v', { body: { versions: [1] } });
    const destroyed = await req('GET', '/v1/secret/data/v?version=1');
    expect(destroyed.status).to.equal(404);
    expect(destroyed.json.data.metadata.destroyed).to.equal(true);
  });

  it('DELETE data soft-deletes the latest version: a latest read is then 404 but still tells the version', async () => {
    await req('POST', '/v1/secret/data/d', { body: { data: { n: '1' } } });
    expect((await req('DELETE', '/v1/secret/data/d')).status).to.equal(204);
    const latest = await req('GET', '/v1/secret/data/d');
    expect(latest.status).to.equal(404);
    expect(latest.json.data.metadata.version).to.equal(1);
    expect((await req('POST', '/v1/secret/data/d', { body: { options: { cas: 1 }, data: { n: '2' } } })).json.data.version).to.equal(2);
  });

  it('delete, undelete and destroy of a missing key answer 204', async () => {
    for (const op of ['delete', 'undelete', 'destroy']) {
      const res = await req('POST', `/v1/secret/${op}/missing`, { body: { versions: [1] } });
      expect(res.status, op).to.equal(204);
    }
  });

  it('metadata: custom_metadata within the limits is kept; 65 keys, a 129-char key or a 513-char value are refused', async () => {
    const ok = await req('POST', '/v1/secret/metadata/m', { body: { custom_metadata: { owner: 'ops' }, max_versions: 3 } });
    expect(ok.status).to.equal(204);
    const meta = await req('GET', '/v1/secret/metadata/m');
    expect(meta.json.data).to.include({ max_versions: 3, current_version: 0, cas_required: false });
    expect(meta.json.data.custom_metadata).to.deep.equal({ owner: 'ops' });
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    const tooMany = await req('POST', '/v1/secret/metadata/m', { body: { custom_metadata: many } });
    expect(tooMany.status).to.equal(400);
    expect(tooMany.json.errors[0]).to.include('at most 64 keys');
    expect(
      (await req('POST', '/v1/secret/metadata/m', { body: { custom_metadata: { ['k'.repeat(129)]: 'v' } } })).json.errors[0],
    ).to.include('max is 128');
    expect((await req('POST', '/v1/secret/metadata/m', { body: { custom_metadata: { k: 'v'.repeat(513) } } })).json.errors[0]).to.include(
      'max is 512',
    );
    expect((await req('GET', '/v1/secret/metadata/m')).json.data.custom_metadata).to.deep.equal({ owner: 'ops' });
    // the limits are inclusive
    const edge = Object.fromEntries(
      Array.from({ length: 64 }, (_, i) => [`${'k'.repeat(125)}${String(i).padStart(3, '0')}`, 'v'.repeat(512)]),
    );
    expect((await req('POST', '/v1/secret/metadata/m', { body: { custom_metadata: edge } })).status).to.equal(204);
  });

  it('custom_metadata shows in data reads and writes', async () => {
    await req('POST', '/v1/secret/metadata/cm', { body: { custom_metadata: { team: 'ops' } } });
    const write = await req('POST', '/v1/secret/data/cm', { body: { data: { a: '1' } } });
    expect(write.json.data.custom_metadata).to.deep.equal({ team: 'ops' });
    expect((await req('GET', '/v1/secret/data/cm')).json.data.metadata.custom_metadata).to.deep.equal({ team: 'ops' });
  });

  it('max_versions prunes the oldest versions for good', async () => {
    await req('POST', '/v1/secret/metadata/p', { body: { max_versions: 2 } });
    for (const n of ['1', '2', '3']) await req('POST', '/v1/secret/data/p', { body: { data: { n } } });
    expect((await req('GET', '/v1/secret/data/p?version=1')).text).to.equal('{"errors":[]}');
    const meta = await req('GET', '/v1/secret/metadata/p');
    expect(Object.keys(meta.json.data.versions)).to.deep.equal(['2', '3']);
    expect(meta.json.data.oldest_version).to.equal(2);
  });

  it('DELETE metadata removes every version; the key is writable again from version 1', async () => {
    await req('POST', '/v1/secret/data/x', { body: { data: { n: '1' } } });
    expect((await req('DELETE', '/v1/secret/metadata/x')).status).to.equal(204);
    expect((await req('GET', '/v1/secret/metadata/x')).status).to.equal(404);
    expect((await req('POST', '/v1/secret/data/x', { body: { options: { cas: 0 }, data: { n: '2' } } })).json.data.version).to.equal(1);
  });

  it('lists with the LIST method and with ?list=1, ?list=t, ?list=true; folders end in "/"; an empty folder is 404', async () => {
    await req('POST', '/v1/secret/data/dir/a', { body: { data: { n: '1' } } });
    await req('POST', '/v1/secret/data/dir/sub/b', { body: { data: { n: '1' } } });
    const listed = await req('LIST', '/v1/secret/metadata/dir');
    expect(listed.status).to.equal(200);
    expect(listed.json.data.keys).to.deep.equal(['a', 'sub/']);
    for (const flag of ['1', 't', 'true'])
      expect((await req('GET', `/v1/secret/metadata/dir/?list=${flag}`)).json.data.keys, flag).to.deep.equal(['a', 'sub/']);
    // a false value is a plain metadata read
    expect((await req('GET', '/v1/secret/metadata/dir/a?list=false')).json.data.current_version).to.equal(1);
    expect((await req('LIST', '/v1/secret/metadata/empty')).text).to.equal('{"errors":[]}');
  });

  it('serves LIST and a POST with a body on one keep-alive connection (the front end frames requests)', async () => {
    await req('POST', '/v1/secret/data/k/a', { body: { data: { n: '1' } } });
    const url = new URL(vault.url);
    const body = JSON.stringify({ data: { n: '2' } });
    // one request at a time on the same socket, as a keep-alive client does (no pipelining)
    const socket = net.connect(Number(url.port), url.hostname);
    let got = '';
    let wanted = 0;
    let wake: () => void = () => {};
    socket.on('data', (c) => {
      got += c.toString();
      if ((got.match(/HTTP\/1\.1 /g) ?? []).length >= wanted && got.endsWith('}')) wake();
    });
    const send = (text: string) => {
      wanted += 1;
      return new Promise<void>((resolve) => {
        wake = resolve;
        socket.write(text);
      });
    };
    const head = (m: string, p: string, len?: number) =>
      `${m} ${p} HTTP/1.1\r\nHost: x\r\nX-Vault-Token: ${vault.rootToken}\r\n${len === undefined ? '' : `Content-Length: ${len}\r\n`}\r\n`;
    await send(head('POST', '/v1/secret/data/k/b', Buffer.byteLength(body)) + body);
    await send(head('LIST', '/v1/secret/metadata/k'));
    await send(head('GET', '/v1/secret/data/k/b'));
    socket.destroy();
    const text = got;
    expect(text).to.include('"keys":["a","b"]');
    expect(text).to.include('"data":{"n":"2"}');
  });

  it('refuses a missing or unknown token with 403 permission denied', async () => {
    for (const token of [null, 'nope']) {
      const res = await req('GET', '/v1/secret/data/a', { token });
      expect(res.status).to.equal(403);
      expect(res.json).to.deep.equal({ errors: ['permission denied'] });
    }
  });

  it("enforces a token's path policy: the most specific rule wins, deny beats everything", async () => {
    vault.tokens.add('reader', {
      rules: [
        { path: 'secret/data/app/*', capabilities: ['read'] },
        { path: 'secret/data/app/private', capabilities: ['deny'] },
      ],
    });
    await req('POST', '/v1/secret/data/app/pub', { body: { data: { n: '1' } } });
    expect((await req('GET', '/v1/secret/data/app/pub', { token: 'reader' })).status).to.equal(200);
    expect((await req('POST', '/v1/secret/data/app/pub', { token: 'reader', body: { data: { n: '2' } } })).status).to.equal(403);
    expect((await req('GET', '/v1/secret/data/app/private', { token: 'reader' })).status).to.equal(403);
    expect((await req('GET', '/v1/secret/data/other', { token: 'reader' })).status).to.equal(403);
  });

  it('token lookup-self and renew-self; an expired token is refused', async () => {
    vault.tokens.add('short', { ttl: 1, renewable: true });
    const look = await req('GET', '/v1/auth/token/lookup-self', { token: 'short' });
    expect(look.json.data.renewable).to.equal(true);
    const renew = await req('POST', '/v1/auth/token/renew-self', { token: 'short', body: { increment: 60 } });
    expect(renew.json.auth).to.include({ lease_duration: 60, renewable: true });
    vault.tokens.add('gone', { ttl: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    expect((await req('GET', '/v1/auth/token/lookup-self', { token: 'gone' })).status).to.equal(403);
    expect((await req('GET', '/v1/auth/token/lookup-self', { token: 'short' })).status).to.equal(200);
  });

  it('AppRole login returns a client token; wrong credentials answer 400 invalid role or secret ID', async () => {
    vault.tokens.addRole({ roleId: 'role-1', secretId: 'sid-1', token: { ttl: 300 } });
    const login = await req('POST', '/v1/auth/approle/login', { token: null, body: { role_id: 'role-1', secret_id: 'sid-1' } });
    expect(login.status).to.equal(200);
    const token = login.json.auth.client_token as string;
    expect((await req('GET', '/v1/secret/data/none', { token })).status).to.equal(404);
    const wrong = await req('POST', '/v1/auth/approle/login', { token: null, body: { role_id: 'role-1', secret_id: 'bad' } });
    expect(wrong.status).to.equal(400);
    expect(wrong.json.errors).to.deep.equal(['invalid role or secret ID']);
  });

  it('tells a KV v2 mount from a KV v1 one through sys/internal/ui/mounts and sys/mounts', async () => {
    expect((await req('GET', '/v1/sys/internal/ui/mounts/secret/app/x')).json.data.options.version).to.equal('2');
    expect((await req('GET', '/v1/sys/internal/ui/mounts/kv1/app')).json.data.options.version).to.equal('1');
    expect((await req('GET', '/v1/sys/internal/ui/mounts/nomount/x')).status).to.equal(403);
    expect((await req('GET', '/v1/sys/mounts')).json.data['secret/'].options.version).to.equal('2');
  });

  it('sys/health: 200 active, 429 standby (200 with standbyok), 503 sealed; sealed refuses the API with 503', async () => {
    expect((await req('GET', '/v1/sys/health', { token: null })).status).to.equal(200);
    vault.faults.set({ standby: true });
    expect((await req('GET', '/v1/sys/health', { token: null })).status).to.equal(429);
    expect((await req('GET', '/v1/sys/health?standbyok=true', { token: null })).status).to.equal(200);
    vault.faults.set({ sealed: true });
    const health = await req('GET', '/v1/sys/health', { token: null });
    expect(health.status).to.equal(503);
    expect(health.json.sealed).to.equal(true);
    const api = await req('GET', '/v1/secret/data/a');
    expect(api.status).to.equal(503);
    expect(api.json.errors).to.deep.equal(['Vault is sealed']);
  });

  it('fault injection: a 5xx on the Nth request, a seeded fraction, a dropped connection, latency', async () => {
    await req('POST', '/_standin/faults', { body: { failNth: [2], status: 502 } });
    expect((await req('GET', '/v1/secret/data/a')).status).to.equal(404);
    expect((await req('GET', '/v1/secret/data/a')).status).to.equal(502);
    expect((await req('GET', '/v1/secret/data/a')).status).to.equal(404);
    vault.faults.set({ failRate: 0.5, seed: 7 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i += 1) statuses.push((await req('GET', '/v1/secret/data/a')).status);
    const failed = statuses.filter((s) => s === 503).length;
    expect(failed).to.be.within(10, 30);
    expect(failed + statuses.filter((s) => s === 404).length).to.equal(40);
    vault.faults.set({ dropNth: [1] });
    const dropped = await rejection(req('GET', '/v1/secret/data/a'));
    expect(String(dropped)).to.match(/closed without an answer|ECONNRESET/);
    vault.faults.set({ latencyMs: 150 });
    const started = Date.now();
    await req('GET', '/v1/secret/data/a');
    expect(Date.now() - started).to.be.at.least(140);
  });

  it('keeps namespaces apart (X-Vault-Namespace)', async () => {
    await req('POST', '/v1/secret/data/ns', { body: { data: { where: 'team-a' } }, headers: { 'X-Vault-Namespace': 'team-a' } });
    expect((await req('GET', '/v1/secret/data/ns')).status).to.equal(404);
    expect((await req('GET', '/v1/secret/data/ns', { headers: { 'X-Vault-Namespace': 'team-a/' } })).json.data.data).to.deep.equal({
      where: 'team-a',
    });
  });

  it('refuses a body that is not JSON and a write without data', async () => {
    expect((await req('POST', '/v1/secret/data/j', { body: '{not json' })).json.errors).to.deep.equal(['error parsing JSON']);
    expect((await req('POST', '/v1/secret/data/j', { body: { options: {} } })).json.errors).to.deep.equal(['no data provided']);
  });
});

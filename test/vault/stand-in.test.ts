/**
 * What only the stand-in has, in raw HTTP: the LIST front end on a keep-alive connection, its
 * path-policy globs, Vault Enterprise namespaces, `--data` persistence across a restart, and
 * the dev-server script's refusal of bad arguments. Vault's own answers are checked, source by
 * source, in conformance.test.ts (which runs against a real Vault too).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startVaultStandIn, type VaultStandIn } from '../../scripts/vault/server.js';
import { removeTempDir, tempDir } from '../support/temp-dir.js';
import { rawRequest } from './raw-http.js';

const script = fileURLToPath(new URL('../../scripts/vault-dev-server.js', import.meta.url));

describe('vault stand-in (raw HTTP)', function () {
  let vault: VaultStandIn;
  const req = (method: string, path: string, options: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) =>
    rawRequest(vault.url, method, path, { ...options, token: options.token === null ? undefined : (options.token ?? vault.rootToken) });

  beforeEach(async () => {
    vault = await startVaultStandIn();
  });
  afterEach(async () => vault.close());

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
      if ((got.match(/HTTP\/1\.1 /g) ?? []).length >= wanted && got.trimEnd().endsWith('}')) wake();
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

  it('refuses a body that is not JSON and a write without data', async () => {
    expect((await req('POST', '/v1/secret/data/j', { body: '{not json' })).json.errors).to.deep.equal(['error parsing JSON']);
    expect((await req('POST', '/v1/secret/data/j', { body: { options: {} } })).json.errors).to.deep.equal(['no data provided']);
  });

  it('Vault Enterprise mode: a namespace that exists has its own storage; one that does not is refused', async () => {
    const ent = await startVaultStandIn({ namespaces: ['team-a'] });
    try {
      const r = (method: string, p: string, ns?: string, body?: unknown) =>
        rawRequest(ent.url, method, p, { token: ent.rootToken, body, headers: ns ? { 'X-Vault-Namespace': ns } : {} });
      expect((await r('POST', '/v1/secret/data/ns', 'team-a/', { data: { where: 'team-a' } })).status).to.equal(200);
      expect((await r('GET', '/v1/secret/data/ns')).status, 'not in the root namespace').to.equal(404);
      expect((await r('GET', '/v1/secret/data/ns', 'team-a')).json.data.data).to.deep.equal({ where: 'team-a' });
      const missing = await r('GET', '/v1/secret/data/ns', 'team-b');
      expect(missing.status).to.equal(404);
      expect(missing.json.errors).to.deep.equal(['no handler for route "team-b/secret/data/ns". route entry not found.']);
    } finally {
      await ent.close();
    }
  });

  it('--data FILE keeps secrets, tokens and roles across a restart of the dev server', async () => {
    const dir = await tempDir('keyturn-standin-data-');
    const file = path.join(dir, 'vault.json');
    const start = async () => {
      const child = spawn(process.execPath, [script, '--port', '0', '--data', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      return { child, ...(JSON.parse(chunk.toString()) as { addr: string; token: string }) };
    };
    const stop = async (child: ReturnType<typeof spawn>) => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    };
    try {
      const first = await start();
      await rawRequest(first.addr, 'POST', '/v1/secret/data/app/kept', { token: first.token, body: { data: { n: '1' } } });
      await rawRequest(first.addr, 'POST', '/v1/secret/data/app/kept', { token: first.token, body: { data: { n: '2' } } });
      await rawRequest(first.addr, 'POST', '/_standin/token', { body: { token: 'hvs.kept-token', options: { policies: [] } } });
      await stop(first.child);
      expect(JSON.parse(await readFile(file, 'utf8')).version).to.equal(1);
      const second = await start();
      try {
        const read = await rawRequest(second.addr, 'GET', '/v1/secret/data/app/kept?version=1', { token: second.token });
        expect(read.json.data.data).to.deep.equal({ n: '1' });
        const look = await rawRequest(second.addr, 'GET', '/v1/auth/token/lookup-self', { token: 'hvs.kept-token' });
        expect(look.json.data.policies).to.deep.equal(['default']);
      } finally {
        await stop(second.child);
      }
    } finally {
      await removeTempDir(dir);
    }
  });

  it('the dev server refuses a bad argument with a clear message and exit code 2, no stack trace', async () => {
    const child = spawn(process.execPath, [script, '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).to.equal(2);
    expect(stderr).to.equal('vault-dev-server: --port must be a port number (0 to 65535), got "eighty"\n');
  });
});

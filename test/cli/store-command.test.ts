/**
 * keyturn store put / list through the built CLI: an admin credential goes into the file
 * store from JSON on stdin, or at hidden prompts on a real terminal (never echoed, never in
 * argv); a path that keyturn rotates is refused; list shows paths and field names, never a
 * value; the stored credential is what an issuer reads.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { openStore } from '../../src/stores/registry.js';
import { Terminal } from '../support/terminal.js';

const CLI = path.join(process.cwd(), 'dist/src/cli/main.js');

const YAML = `version: 1
defaults:
  store: local
stores:
  local: { type: file, path: store.enc }
issuers:
  db:
    type: postgres
    host: 127.0.0.1
    sslmode: disable
    admin: { store: local, path: admin/postgres }
  exchange:
    type: binance
    managementKey: { store: local, path: exchange/management }
  tokens: { type: random }
keys:
  - id: webhook
    purpose: webhook secret
    issuer: tokens
    path: app/webhook
    period: 30d
    holders: [ops]
people:
  ops: { name: Ops }
`;

describe('keyturn store put / list', function () {
  this.timeout(60_000);
  let dir: string;
  const env = { KEYTURN_MASTER_KEY: randomBytes(32).toString('hex') };
  const secret = `pw-${randomBytes(16).toString('hex')}`;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'keyturn-store-cmd-'));
    await writeFile(path.join(dir, 'rotation.yaml'), YAML);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = (args: string[], input?: string) =>
    execa('node', [CLI, ...args], { cwd: dir, env, reject: false, ...(input === undefined ? { stdin: 'ignore' as const } : { input }) });

  const stored = async (where: string) => {
    const store = await openStore({ name: 'local', type: 'file', options: { path: 'store.enc' } }, { baseDir: dir, env });
    return store.current({ store: 'local', path: where, key: where });
  };

  it('puts the fields of a JSON object on stdin, and list shows the path and field names, never a value', async () => {
    const put = await run(['store', 'put', 'local', 'admin/postgres'], JSON.stringify({ username: 'keyturn_admin', password: secret }));
    expect(put.exitCode, String(put.stderr)).to.equal(0);
    expect(String(put.stdout)).to.match(/^stored username, password at .*admin\/postgres \(version rot-/);
    expect((await stored('admin/postgres'))?.material).to.deep.equal({ username: 'keyturn_admin', password: secret });
    const list = await run(['store', 'list', 'local']);
    expect(list.exitCode, String(list.stderr)).to.equal(0);
    expect(String(list.stdout)).to.equal('admin/postgres  fields: username, password  (not rotated by keyturn)');
    for (const out of [put.stdout, put.stderr, list.stdout, list.stderr]) expect(String(out)).to.not.include(secret);
    const json = await run(['store', 'list', 'local', '--json']);
    expect(JSON.parse(String(json.stdout))).to.deep.equal([{ path: 'admin/postgres', fields: ['username', 'password'] }]);
  });

  it("refuses a path keyturn rotates, JSON that is not an object of strings (without echoing it), and an issuer's missing field", async () => {
    const rotated = await run(['store', 'put', 'local', 'app/webhook'], JSON.stringify({ value: secret }));
    expect(rotated.exitCode).to.equal(2);
    expect(String(rotated.stderr)).to.match(/holds key webhook, which keyturn rotates: store put never overwrites it/);
    const garbage = await run(['store', 'put', 'local', 'admin/postgres'], `${secret}\n`);
    expect(garbage.exitCode).to.equal(2);
    expect(String(garbage.stderr)).to.match(/stdin is not one JSON object/);
    expect(String(garbage.stderr)).to.not.include(secret);
    const missing = await run(['store', 'put', 'local', 'admin/postgres'], JSON.stringify({ username: 'x' }));
    expect(missing.exitCode).to.equal(2);
    expect(String(missing.stderr)).to.match(/lacks the field\(s\) password/);
    const unknown = await run(['store', 'put', 'nowhere', 'x'], '{}');
    expect(unknown.exitCode).to.equal(2);
    expect(await stored('admin/postgres')).to.equal(undefined);
  });

  it('on a terminal, asks for each field the issuer reads at a hidden prompt: nothing echoed, nothing in argv', async () => {
    const term = new Terminal(['node', CLI, 'store', 'put', 'local', 'exchange/management'], { cwd: dir, env });
    await term.waitFor('apiKey (hidden): ');
    await term.type('api-key-0123456789abcdef\r');
    await term.waitFor('secret (hidden): ');
    await term.type(`${secret}\r`);
    expect(await term.close()).to.equal(0);
    expect(term.screen).to.not.include(secret);
    expect(term.screen).to.not.include('api-key-0123456789abcdef');
    expect(term.screen).to.match(/stored apiKey, secret at/);
    expect((await stored('exchange/management'))?.material).to.deep.equal({ apiKey: 'api-key-0123456789abcdef', secret });
  });

  it('on a terminal with a path no issuer reads, wants --field names (field names are not secrets; values never come from argv)', async () => {
    const term = new Terminal(['node', CLI, 'store', 'put', 'local', 'other/thing'], { cwd: dir, env });
    expect(await term.close()).to.equal(2);
    expect(term.screen).to.match(/cannot know its fields/);
    const named = new Terminal(['node', CLI, 'store', 'put', 'local', 'other/thing', '--field', 'token'], { cwd: dir, env });
    await named.waitFor('token (hidden): ');
    await named.type(`${secret}\r`);
    expect(await named.close()).to.equal(0);
    expect((await stored('other/thing'))?.material).to.deep.equal({ token: secret });
  });
});

/**
 * A failing consumer prints its multi-line private key (whole, cut off, and encoded): no
 * piece of the key's body long enough to matter reaches stdout, stderr, the debug log file,
 * history (persisted in the store) or a webhook. Before, the error kept only the output's
 * last lines, which were no longer the registered value, and the key's body went out.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { expect } from 'chai';
import { Workspace } from '../support/workspace.js';
import { leaksOf, pemBody } from './leak-support.js';

/** The issuer: a fresh RSA key per create, as a PEM in the material (nothing registers its lines). */
const ISSUER = `
import { generateKeyPairSync } from 'node:crypto';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
console.log(JSON.stringify({ keyId: 'rsa-' + process.env.KEYTURN_ROTATION_ID, material: { privateKey: pem } }));
`;

/** The consumer: prints the key as tools do, in pieces and encodings, then fails. */
const CONSUMER = `
import { writeFileSync } from 'node:fs';
const pem = process.env.APP_KEY;
writeFileSync(process.env.PEM_OUT, pem);
const body = pem.split('\\n').filter((line) => line && !line.startsWith('-----'));
const piece = body[3].slice(5, 45);
const forms = [
  'base64 ' + Buffer.from(pem).toString('base64'),
  'base64url ' + Buffer.from(pem).toString('base64url'),
  'json ' + JSON.stringify(pem),
  'url ' + encodeURIComponent(pem),
  'hex ' + Buffer.from(pem).toString('hex'),
  'piece ' + piece,
  'piece-base64 ' + Buffer.from('x' + piece).toString('base64'),
  'cut-off ' + pem.slice(0, 300),
].join('\\n');
process.stdout.write(pem + forms + '\\n');
process.stderr.write(forms + '\\n' + pem);
process.exit(1);
`;

describe('a consumer that prints its PEM key, then fails', function () {
  this.timeout(60_000);
  let ws: Workspace;
  let server: http.Server;
  const bodies: string[] = [];

  beforeEach(async () => {
    server = http.createServer((req, res) => {
      let data = '';
      req.on('data', (chunk: Buffer) => (data += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(data);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    ws = await Workspace.create({ keys: 1 });
    await writeFile(path.join(ws.dir, 'issuer.mjs'), ISSUER);
    await writeFile(path.join(ws.dir, 'consumer.mjs'), CONSUMER);
    await writeFile(path.join(ws.dir, 'rotation.yaml'), rotationYaml(`http://127.0.0.1:${port}/hook`));
  });
  afterEach(async () => {
    await ws.cleanup();
    await new Promise((resolve) => server.close(resolve));
  });

  it('leaks no line, piece or encoding of the key to stdout, stderr, the debug log, history or a webhook', async () => {
    const env = { PEM_OUT: path.join(ws.dir, 'seen.pem') };
    const rotate = await ws.run(['rotate', 'signing-key', '--yes', '--log-level', 'debug', '--log-file', 'run.log'], env);
    expect(rotate.exitCode, rotate.stderr).to.equal(1);
    const history = await ws.run(['history', '--json', '--log-level', 'debug'], env);
    expect(history.exitCode, history.stderr).to.equal(0);

    const pem = readFileSync(env.PEM_OUT, 'utf8');
    const logFile = readFileSync(path.join(ws.dir, 'run.log'), 'utf8');
    const outputs = {
      'rotate stdout': rotate.stdout,
      'rotate stderr': rotate.stderr,
      'log file': logFile,
      'history --json': history.stdout + history.stderr,
      webhook: bodies.join('\n'),
    };
    // the consumer's output really went everywhere, masked
    expect(rotate.stderr).to.include('consumer signing-app').and.include('[REDACTED]');
    expect(logFile).to.include('restart signing-app exited 1');
    expect(history.stdout).to.include('rolled-back').and.include('[REDACTED]');
    expect(bodies.join('\n')).to.include('[REDACTED]');
    expect(pemBody(pem).length).to.be.greaterThan(20);
    for (const [where, text] of Object.entries(outputs)) {
      expect(leaksOf(pem, text), `pieces of the private key in ${where}`).to.deep.equal([]);
    }
  });
});

function rotationYaml(webhook: string): string {
  return `version: 1
defaults:
  store: local
stores:
  local: { type: file, path: store.enc }
issuers:
  rsa:
    type: command
    create: [node, issuer.mjs]
    revoke: [node, -e, '']
people:
  alice: { name: Alice }
notify:
  webhooks:
    - url: ${webhook}
      events: [failure, attention, summary]
keys:
  - id: signing-key
    purpose: signs webhook payloads
    issuer: rsa
    path: app/signing-key
    period: 30d
    holders: [alice]
    consumers:
      - name: signing-app
        restart: { command: [node, consumer.mjs] }
        env: { APP_KEY: privateKey }
`;
}
